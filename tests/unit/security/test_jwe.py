from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwe as jose_jwe
from jwt.algorithms import RSAAlgorithm

from messenger_bank.security.errors import EncryptionFailed
from messenger_bank.security.jwe import decrypt, encrypt_for_bank
from tests.unit.security.conftest import flip_a_bit


def bank_keys(bits: int = 2048) -> tuple[dict[str, Any], str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    public_jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    public_jwk.update({"kid": "bank-enc-1", "use": "enc", "alg": "RSA-OAEP-256"})
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return public_jwk, pem


@pytest.fixture(scope="module")
def keys() -> tuple[dict[str, Any], str]:
    return bank_keys()


def test_a_pin_round_trips_to_the_bank(keys: tuple[dict[str, Any], str]) -> None:
    public_jwk, private_pem = keys

    token = encrypt_for_bank("1234", public_jwk)

    assert token.count(".") == 4 and "1234" not in token
    assert jose_jwe.get_unverified_header(token) == {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "bank-enc-1"}
    assert decrypt(token, private_pem) == "1234"


def test_each_encryption_differs(keys: tuple[dict[str, Any], str]) -> None:
    public_jwk, _ = keys

    assert encrypt_for_bank("Пароль-1", public_jwk) != encrypt_for_bank("Пароль-1", public_jwk)


def test_another_private_key_cannot_open_it(keys: tuple[dict[str, Any], str]) -> None:
    public_jwk, _ = keys
    _, other_pem = bank_keys()

    with pytest.raises(EncryptionFailed):
        decrypt(encrypt_for_bank("1234", public_jwk), other_pem)


def test_a_tampered_jwe_is_refused(keys: tuple[dict[str, Any], str]) -> None:
    public_jwk, private_pem = keys
    parts = encrypt_for_bank("1234", public_jwk).split(".")
    parts[3] = flip_a_bit(parts[3])

    with pytest.raises(EncryptionFailed):
        decrypt(".".join(parts), private_pem)


def test_a_jwe_with_other_algorithms_is_not_opened(keys: tuple[dict[str, Any], str]) -> None:
    public_jwk, private_pem = keys
    weak = jose_jwe.encrypt(b"1234", public_jwk, encryption="A128CBC-HS256", algorithm="RSA1_5").decode()

    with pytest.raises(EncryptionFailed):
        decrypt(weak, private_pem)


@pytest.mark.parametrize(
    "change",
    [
        {"kty": "EC"},
        {"use": "sig"},
        {"alg": "RSA1_5"},
    ],
)
def test_an_unsuitable_bank_key_is_refused(keys: tuple[dict[str, Any], str], change: dict[str, str]) -> None:
    public_jwk, _ = keys

    with pytest.raises(EncryptionFailed):
        encrypt_for_bank("1234", {**public_jwk, **change})


def test_a_short_bank_key_is_refused() -> None:
    public_jwk, _ = bank_keys(1024)

    with pytest.raises(EncryptionFailed, match="2048"):
        encrypt_for_bank("1234", public_jwk)


@pytest.mark.parametrize("value", ["", "x" * 257])
def test_nothing_or_too_much_is_refused(keys: tuple[dict[str, Any], str], value: str) -> None:
    with pytest.raises(EncryptionFailed):
        encrypt_for_bank(value, keys[0])
