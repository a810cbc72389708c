from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from moto import mock_aws

from messenger_bank.images.errors import MediaStorageFailed
from messenger_bank.images.storage import store

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET = "messenger-bank-media"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Client]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield client


def test_a_picture_is_stored_under_a_random_key_and_linked(s3: S3Client) -> None:
    stored = store("card", b"\x89PNG fake", "image/png", bucket=BUCKET, s3_client=s3)

    assert re.fullmatch(r"card/[0-9a-f]{32}\.png", stored.key)
    obj = s3.get_object(Bucket=BUCKET, Key=stored.key)
    assert obj["Body"].read() == b"\x89PNG fake"
    assert obj["ContentType"] == "image/png"
    url = urlparse(stored.url)
    assert url.path.endswith(stored.key)
    query = parse_qs(url.query)
    assert query["X-Amz-Expires"] == ["3600"]
    assert "X-Amz-Signature" in query


def test_keys_carry_no_customer_data(s3: S3Client) -> None:
    keys = {store("requisites", b"%PDF-1.4", "application/pdf", bucket=BUCKET, s3_client=s3).key for _ in range(5)}

    assert len(keys) == 5
    for key in keys:
        assert re.fullmatch(r"requisites/[0-9a-f]{32}\.pdf", key)


def test_the_link_expiry_is_configurable(s3: S3Client) -> None:
    stored = store("receipt", b"png", "image/png", bucket=BUCKET, s3_client=s3, expires_in=300)
    assert parse_qs(urlparse(stored.url).query)["X-Amz-Expires"] == ["300"]


def test_a_document_gets_a_neutral_download_name(s3: S3Client) -> None:
    stored = store(
        "requisites", b"%PDF", "application/pdf", bucket=BUCKET, s3_client=s3, download_name="requisites.pdf"
    )
    head = s3.head_object(Bucket=BUCKET, Key=stored.key)
    assert head["ContentDisposition"] == 'inline; filename="requisites.pdf"'


def test_a_missing_bucket_is_a_storage_failure(s3: S3Client) -> None:
    with pytest.raises(MediaStorageFailed):
        store("share", b"png", "image/png", bucket="no-such-bucket", s3_client=s3)


def test_the_default_client_is_created_lazily_and_once(s3: S3Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from messenger_bank.images import storage

    storage.s3.cache_clear()
    stored = store("share", b"png", "image/png", bucket=BUCKET)
    assert storage.s3() is storage.s3()
    assert s3.head_object(Bucket=BUCKET, Key=stored.key)["ContentLength"] == 3
    storage.s3.cache_clear()
