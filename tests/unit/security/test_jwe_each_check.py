"""Encryption for the bank, one check per case: the bank's key without the optional members, a key that is not
a JWK at all, the longest secret, and a JWE whose header changes one thing (the key algorithm, the content
encryption, compression)."""

from __future__ import annotations

from typing import Any

import pytest
from jose import jwe as jose_jwe

from messenger_bank.security.errors import EncryptionFailed
from messenger_bank.security.jwe import MAX_SECRET_CHARS, decrypt, encrypt_for_bank
from tests.unit.security.test_jwe import bank_keys


@pytest.fixture(scope="module")
def keys() -> tuple[dict[str, Any], str]:
    return bank_keys()


@pytest.mark.parametrize("left_out", ["use", "alg", "kid"])
def test_a_bank_key_without_an_optional_member_is_used(keys: tuple[dict[str, Any], str], left_out: str) -> None:
    public_jwk, private_pem = keys
    key = {k: v for k, v in public_jwk.items() if k != left_out}

    assert decrypt(encrypt_for_bank("1234", key), private_pem) == "1234"


@pytest.mark.parametrize("key", ["not a key", ["RSA"], None], ids=["text", "a list", "nothing"])
def test_a_bank_key_that_is_not_a_jwk_is_refused(key: Any) -> None:
    with pytest.raises(EncryptionFailed):
        encrypt_for_bank("1234", key)


def test_the_longest_secret_is_encrypted(keys: tuple[dict[str, Any], str]) -> None:
    public_jwk, private_pem = keys
    secret = "p" * MAX_SECRET_CHARS

    assert decrypt(encrypt_for_bank(secret, public_jwk), private_pem) == secret


def test_the_jwe_names_the_banks_key_and_the_algorithms(keys: tuple[dict[str, Any], str]) -> None:
    header = jose_jwe.get_unverified_header(encrypt_for_bank("1234", keys[0]))

    assert (header["alg"], header["enc"], header["kid"]) == ("RSA-OAEP-256", "A256GCM", "bank-enc-1")


@pytest.mark.parametrize(
    ("algorithm", "encryption", "zip_"),
    [
        ("RSA-OAEP", "A256GCM", None),
        ("RSA-OAEP-256", "A128GCM", None),
        ("RSA-OAEP-256", "A256GCM", "DEF"),
    ],
    ids=["another key algorithm", "another content encryption", "compressed"],
)
def test_a_jwe_with_one_thing_changed_in_its_header_is_not_opened(
    keys: tuple[dict[str, Any], str], algorithm: str, encryption: str, zip_: str | None
) -> None:
    public_jwk, private_pem = keys
    key = {k: v for k, v in public_jwk.items() if k != "alg"}
    token = jose_jwe.encrypt(b"1234", key, encryption=encryption, algorithm=algorithm, zip=zip_).decode()

    with pytest.raises(EncryptionFailed):
        decrypt(token, private_pem)
