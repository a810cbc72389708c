"""Personal data sealed at rest with the chat-data KMS key (env ``CHAT_DATA_KEY_ID``, template ``ChatDataKey``).

Two uses, each its own ``purpose`` in the encryption context; the key's policy refuses any other purpose:

==================  ==================================================  ===================================
purpose             what is sealed                                      context beside the purpose
==================  ==================================================  ===================================
``chat-session``    a conversation session's personal values (name,     ``chat``: the chat key
                    passport and personal number, card's last four...)
``chat-text``       a message's free text on the inbound queue when it  ``chat``: the chat key, ``update``:
                    holds a card or document number                     the platform's update id
==================  ==================================================  ===================================

The context binds a blob to its chat (and update): copied into another chat's session or message it does
not open. Envelope encryption: KMS gives a fresh AES-256 data key per blob (``GenerateDataKey``, one call)
and AES-GCM seals the data locally, because KMS ``Encrypt`` takes 4 KB at most and a Viber message may
have 7,000 characters (14 KB in UTF-8); opening costs one ``Decrypt`` of the data key. Hand-written on
``cryptography`` (a layer dependency already) since the AWS Encryption SDK is not one.

Blob: version byte 1, the encrypted data key's length (2 bytes, big-endian) and the key, a 12-byte nonce,
the AES-GCM ciphertext and tag; the context is the GCM associated data as well.

Grants: the webhooks may only ``GenerateDataKey`` for ``chat-text`` (nothing they seal can they open);
the conversation may ``Decrypt`` ``chat-text`` and ``GenerateDataKey`` and ``Decrypt`` ``chat-session``.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from messenger_bank.errors import DomainError

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

SESSION_PURPOSE: Final = "chat-session"
TEXT_PURPOSE: Final = "chat-text"
_VERSION: Final = 1
_NONCE_BYTES: Final = 12


class SealBroken(DomainError):
    """A sealed blob did not open: copied from elsewhere, altered, or sealed under another context."""


class Sealer:
    """Seals and opens blobs under one KMS key, the purpose always in the encryption context."""

    def __init__(self, key_id: str, *, kms: KMSClient | None = None) -> None:
        self.key_id = key_id
        self._kms = kms

    @property
    def kms(self) -> KMSClient:
        return self._kms or kms_client()

    def seal(self, plaintext: bytes, *, purpose: str, context: Mapping[str, str]) -> bytes:
        full = {**context, "purpose": purpose}
        data_key = self.kms.generate_data_key(KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=full)
        wrapped = data_key["CiphertextBlob"]
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(data_key["Plaintext"]).encrypt(nonce, plaintext, _associated(full))
        return struct.pack(">BH", _VERSION, len(wrapped)) + wrapped + nonce + sealed

    def unseal(self, blob: bytes, *, purpose: str, context: Mapping[str, str]) -> bytes:
        from botocore.exceptions import ClientError

        full = {**context, "purpose": purpose}
        if len(blob) < 3 or blob[0] != _VERSION:
            raise SealBroken(f"{purpose}: not a sealed blob")
        (length,) = struct.unpack(">H", blob[1:3])
        wrapped, nonce, sealed = (
            blob[3 : 3 + length],
            blob[3 + length : 3 + length + _NONCE_BYTES],
            blob[3 + length + _NONCE_BYTES :],
        )
        if not wrapped:  # KMS refuses an empty ciphertext as a bad parameter, not as a broken seal
            raise SealBroken(f"{purpose}: not a sealed blob")
        try:
            key = self.kms.decrypt(KeyId=self.key_id, CiphertextBlob=wrapped, EncryptionContext=full)["Plaintext"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise SealBroken(f"{purpose}: the blob does not open under this context") from None
            raise
        try:
            return AESGCM(key).decrypt(nonce, sealed, _associated(full))
        except (InvalidTag, ValueError):
            raise SealBroken(f"{purpose}: the blob was altered") from None


def _associated(context: Mapping[str, str]) -> bytes:
    return json.dumps(dict(context), sort_keys=True, separators=(",", ":")).encode()


@lru_cache(maxsize=1)
def kms_client() -> KMSClient:
    """The KMS client, created on first use (one per cold start), never at import."""
    import boto3

    return boto3.client("kms")


@lru_cache(maxsize=1)
def chat_sealer() -> Sealer:
    """The sealer of this function's ``CHAT_DATA_KEY_ID`` (read on first use)."""
    from messenger_bank.security.settings import security_environment

    return Sealer(security_environment().required("chat_data_key_id"))
