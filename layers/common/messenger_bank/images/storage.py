"""Rendered pictures and documents in S3, handed out as presigned GET links.

Object keys are random (`<kind>/<32 hex>.<ext>`): a key never carries a name, a card mask, an IBAN or a
customer id, so neither S3 listings nor access logs reveal whose picture is whose. A picture or document made
for a customer is kept under that customer's owner prefix (`<kind>/<owner>/<32 hex>.<ext>`, `owner_prefix`: a
digest of our own random customer id, which names nobody without that id), so that forgetting the customer
(privacy/erasure.py) finds and deletes every one of them with a listing per kind, long before the bucket's
30-day expiry.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from messenger_bank.images.errors import MediaStorageFailed
from messenger_bank.observability import logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_s3 import S3Client

MediaKind = Literal["card", "receipt", "requisites", "share", "offers"]
ContentType = Literal["image/png", "application/pdf"]
_EXTENSION: Final[dict[ContentType, str]] = {"image/png": "png", "application/pdf": "pdf"}
MEDIA_KINDS: Final[tuple[MediaKind, ...]] = ("card", "receipt", "requisites", "share", "offers")
DEFAULT_EXPIRY_SECONDS: Final = 3600


def owner_prefix(customer_id: str) -> str:
    """The key segment of a customer's media. Unkeyed on purpose, like customer ids' other digests (README,
    "Keyed digests"): our customer id is random, so the digest gives nothing back without it."""
    return hashlib.sha256(f"media-owner:{customer_id}".encode()).hexdigest()[:24]


class StoredMedia(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    key: str
    url: str


@lru_cache(maxsize=1)
def s3() -> S3Client:
    """The S3 client, created on first use (one per cold start), never at import."""
    return boto3.client("s3")


def store(
    kind: MediaKind,
    content: bytes,
    content_type: ContentType,
    *,
    bucket: str,
    s3_client: S3Client | None = None,
    expires_in: int = DEFAULT_EXPIRY_SECONDS,
    download_name: str | None = None,
    owner: str | None = None,
) -> StoredMedia:
    """Put `content` under a random key and return the key and a presigned GET URL valid `expires_in` s.

    `download_name` (e.g. "requisites.pdf", never customer data) sets the file name a messenger shows.
    `owner` (the customer id the media is made for) puts it under the customer's prefix, for forgetting.
    Raises `MediaStorageFailed` when S3 refuses or cannot be reached.
    """
    client = s3_client or s3()
    folder = f"{kind}/{owner_prefix(owner)}" if owner else kind
    key = f"{folder}/{secrets.token_hex(16)}.{_EXTENSION[content_type]}"
    # Always set, so that a messenger fetching the link gets a file name that is not customer data.
    disposition = f'inline; filename="{download_name or key.rsplit("/", 1)[1]}"'
    try:
        client.put_object(
            Bucket=bucket,
            Key=key,
            Body=content,
            ContentType=content_type,
            ContentDisposition=disposition,
            CacheControl="private, no-store",
        )
        url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in)
    except (BotoCoreError, ClientError) as error:
        logger.warning("media not stored", extra={"kind": kind, "error": type(error).__name__})
        raise MediaStorageFailed(f"could not store a {kind} in S3") from error
    logger.info("media stored", extra={"kind": kind, "key": key, "bytes": len(content)})
    return StoredMedia(key=key, url=url)


def nicety_picture_url(
    kind: MediaKind, draw: Callable[[], bytes], *, bucket: str, owner: str | None = None
) -> str | None:
    """A picture that only adorns an answer (the share picture, the offers picture): drawn, stored, its presigned
    link; None, logged, when it cannot be, so that it is never the reason the customer does not get the answer."""
    try:
        return store(kind, draw(), "image/png", bucket=bucket, owner=owner).url
    except Exception:
        logger.exception(f"{kind} picture not drawn")
        return None
