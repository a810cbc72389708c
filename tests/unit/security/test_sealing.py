"""Sealing at rest (security/sealing.py), against moto's KMS: a blob opens under the purpose and context it was
sealed with, in whatever order the context is given, and under nothing else; a blob altered anywhere (its
version, its data key, its nonce, its ciphertext) or cut short does not open; the blob's layout is the one the
module documents, checked here by opening it by hand."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from moto.core.exceptions import JsonRESTError
from moto.kms import models as kms_models

from messenger_bank.configuration import forget_settings
from messenger_bank.security import sealing
from messenger_bank.security.sealing import TEXT_PURPOSE, SealBroken, Sealer

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

CHAT = {"chat": "telegram:1001"}
UPDATE = {"chat": "telegram:1001", "update": "500"}
# Longer than the 4 KB KMS Encrypt takes: a Viber message of 7,000 characters is about 14 KB in UTF-8.
LONG_TEXT = ("Карта 4111 1111 1111 1111 " * 560).encode()


@pytest.fixture
def key_id(kms: KMSClient) -> str:
    return kms.create_key(Description="chat data", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]


@pytest.fixture
def sealer(kms: KMSClient, key_id: str) -> Sealer:
    return Sealer(key_id, kms=kms)


@pytest.fixture
def sealed(sealer: Sealer) -> bytes:
    return sealer.seal(b"passport MP1234567", purpose=TEXT_PURPOSE, context=UPDATE)


def changed(blob: bytes, at: int) -> bytes:
    return blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1 :]


def key_length(blob: bytes) -> int:
    return int.from_bytes(blob[1:3], "big")


# --- the valid case -----------------------------------------------------------------------------------------
def test_a_sealed_blob_opens_under_its_purpose_and_context(sealer: Sealer, sealed: bytes) -> None:
    assert sealer.unseal(sealed, purpose=TEXT_PURPOSE, context=UPDATE) == b"passport MP1234567"


def test_a_text_past_what_kms_encrypts_at_once_is_sealed_whole(sealer: Sealer) -> None:
    blob = sealer.seal(LONG_TEXT, purpose=TEXT_PURPOSE, context=CHAT)

    assert len(LONG_TEXT) > 4096
    assert sealer.unseal(blob, purpose=TEXT_PURPOSE, context=CHAT) == LONG_TEXT


def test_the_context_opens_in_any_order(sealer: Sealer, sealed: bytes) -> None:
    reordered = {"update": "500", "chat": "telegram:1001"}

    assert sealer.unseal(sealed, purpose=TEXT_PURPOSE, context=reordered) == b"passport MP1234567"


def test_the_same_text_seals_to_a_new_blob_each_time(sealer: Sealer) -> None:
    first = sealer.seal(b"MP1234567", purpose=TEXT_PURPOSE, context=CHAT)
    second = sealer.seal(b"MP1234567", purpose=TEXT_PURPOSE, context=CHAT)

    assert first != second and b"MP1234567" not in first


def test_the_blob_is_the_documented_layout_and_opens_by_hand(kms: KMSClient, key_id: str, sealed: bytes) -> None:
    # version 1 | key length (2 bytes, big-endian) | KMS data key | 12-byte nonce | AES-GCM ciphertext and tag;
    # the context with the purpose, as compact sorted JSON, is the GCM associated data and the KMS context.
    (version, length) = struct.unpack(">BH", sealed[:3])
    wrapped, nonce, rest = sealed[3 : 3 + length], sealed[3 + length : 15 + length], sealed[15 + length :]
    full = {"chat": "telegram:1001", "purpose": "chat-text", "update": "500"}
    data_key = kms.decrypt(KeyId=key_id, CiphertextBlob=wrapped, EncryptionContext=full)["Plaintext"]
    associated = b'{"chat":"telegram:1001","purpose":"chat-text","update":"500"}'

    assert version == 1 and len(data_key) == 32  # AES-256
    assert AESGCM(data_key).decrypt(nonce, rest, associated) == b"passport MP1234567"
    assert json.loads(associated) == full


# --- one thing changed: it does not open ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("purpose", "context"),
    [
        ("chat-session", UPDATE),
        (TEXT_PURPOSE, {"chat": "telegram:1002", "update": "500"}),
        (TEXT_PURPOSE, {"chat": "telegram:1001", "update": "501"}),
        (TEXT_PURPOSE, CHAT),
        (TEXT_PURPOSE, {**UPDATE, "extra": "x"}),
    ],
    ids=["another-purpose", "another-chat", "another-update", "a-context-key-missing", "a-context-key-more"],
)
def test_a_blob_does_not_open_under_another_purpose_or_context(
    sealer: Sealer, sealed: bytes, purpose: str, context: dict[str, str]
) -> None:
    with pytest.raises(SealBroken):
        sealer.unseal(sealed, purpose=purpose, context=context)


@pytest.mark.parametrize(
    "where",
    ["version", "key", "nonce", "ciphertext", "tag"],
)
def test_a_blob_altered_in_one_byte_does_not_open(sealer: Sealer, sealed: bytes, where: str) -> None:
    length = key_length(sealed)
    at = {"version": 0, "key": 3 + length // 2, "nonce": 3 + length, "ciphertext": 15 + length, "tag": -1}[where]

    with pytest.raises(SealBroken):
        sealer.unseal(changed(sealed, at % len(sealed)), purpose=TEXT_PURPOSE, context=UPDATE)


@pytest.mark.parametrize("keep", [0, 1, 2], ids=["empty", "the-version-only", "half-the-key-length"])
def test_a_blob_shorter_than_its_header_is_not_a_sealed_blob(sealer: Sealer, sealed: bytes, keep: int) -> None:
    with pytest.raises(SealBroken):
        sealer.unseal(sealed[:keep], purpose=TEXT_PURPOSE, context=UPDATE)


def test_a_blob_whose_header_names_no_data_key_is_not_a_sealed_blob(sealer: Sealer, sealed: bytes) -> None:
    # Without this check KMS would refuse the empty ciphertext as a bad parameter: an error, not a broken seal.
    for blob in (sealed[:3], sealed[:1] + b"\x00\x00" + sealed[3:]):
        with pytest.raises(SealBroken):
            sealer.unseal(blob, purpose=TEXT_PURPOSE, context=UPDATE)


def test_a_blob_cut_inside_its_ciphertext_does_not_open(sealer: Sealer, sealed: bytes) -> None:
    with pytest.raises(SealBroken):
        sealer.unseal(sealed[:-1], purpose=TEXT_PURPOSE, context=UPDATE)


class IncorrectKeyException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__(
            "IncorrectKeyException", "The key ID in the request does not identify the key that encrypted it."
        )


@pytest.fixture
def kms_answers_incorrect_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """KMS answers a Decrypt whose KeyId is not the ciphertext's key with IncorrectKeyException; moto answers
    AccessDeniedException. Made to answer as KMS does."""
    decrypt = kms_models.KmsBackend.decrypt

    def as_kms(backend: kms_models.KmsBackend, *args: object, key_id: str | None = None, **kwargs: object) -> object:
        plaintext, arn = decrypt(backend, *args, **kwargs)  # type: ignore[arg-type]
        if key_id is not None and backend.any_id_to_key_id(key_id) != arn.rsplit("/", 1)[-1]:
            raise IncorrectKeyException()
        return plaintext, arn

    monkeypatch.setattr(kms_models.KmsBackend, "decrypt", as_kms)


def test_a_blob_sealed_under_another_key_does_not_open(
    kms: KMSClient, sealed: bytes, kms_answers_incorrect_key: None
) -> None:
    other = Sealer(kms.create_key(KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"], kms=kms)

    with pytest.raises(SealBroken):
        other.unseal(sealed, purpose=TEXT_PURPOSE, context=UPDATE)


def test_a_sealer_uses_the_kms_client_it_is_given(aws: None) -> None:
    # A key in another region than the default client's: only the given client finds it.
    elsewhere = boto3.client("kms", region_name="us-east-1")
    sealing.kms_client.cache_clear()
    sealer = Sealer(elsewhere.create_key()["KeyMetadata"]["KeyId"], kms=elsewhere)

    blob = sealer.seal(b"MP1234567", purpose=TEXT_PURPOSE, context=CHAT)

    assert sealer.kms is elsewhere
    assert sealer.unseal(blob, purpose=TEXT_PURPOSE, context=CHAT) == b"MP1234567"
    sealing.kms_client.cache_clear()


# --- the deployed sealer ------------------------------------------------------------------------------------
@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch, key_id: str) -> Iterator[str]:
    monkeypatch.setenv("CHAT_DATA_KEY_ID", key_id)
    forget_settings()
    sealing.kms_client.cache_clear()
    sealing.chat_sealer.cache_clear()
    yield key_id
    forget_settings()
    sealing.kms_client.cache_clear()
    sealing.chat_sealer.cache_clear()


def test_the_deployed_sealer_uses_the_chat_data_key_and_one_kms_client(deployed: str, sealer: Sealer) -> None:
    chat_sealer = sealing.chat_sealer()
    blob = chat_sealer.seal(b"MP1234567", purpose=TEXT_PURPOSE, context=CHAT)

    assert chat_sealer.key_id == deployed and sealing.chat_sealer() is chat_sealer
    assert chat_sealer.kms is sealing.kms_client()
    assert sealer.unseal(blob, purpose=TEXT_PURPOSE, context=CHAT) == b"MP1234567"
