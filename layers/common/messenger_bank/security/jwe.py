"""PIN and password from the secure page to core banking, encrypted for the bank alone.

``encrypt_for_bank`` makes a JWE compact serialisation with RSA-OAEP-256 (the content key wrapped
with the bank's public key) and A256GCM (the content): only the bank's private key opens it, so the
clear value exists only in the page's POST handler, in memory, for one call. It is never logged (the
redacting logger masks ``pin`` / ``password`` fields as well), stored, or put in state-machine input.
``decrypt`` is the bank side, for the sandbox and tests.

The bank's key is a public RSA JWK (from the bank's JWKS or configuration): ``kty`` RSA, at least 2048
bits, ``use`` "enc" if present, ``alg`` RSA-OAEP-256 if present; its ``kid`` goes in the JWE header so
the bank can rotate keys.
"""

from __future__ import annotations

from typing import Any, Final

from jose import jwe as jose_jwe
from jose import jwk as jose_jwk
from jose.constants import ALGORITHMS
from jose.exceptions import JOSEError

from messenger_bank.security.errors import EncryptionFailed

KEY_ALGORITHM: Final = ALGORITHMS.RSA_OAEP_256
CONTENT_ENCRYPTION: Final = ALGORITHMS.A256GCM
MIN_RSA_BITS: Final = 2048
MAX_SECRET_CHARS: Final = 256


def _public_key(bank_public_jwk: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(bank_public_jwk, dict) or bank_public_jwk.get("kty") != "RSA":
        raise EncryptionFailed("the bank's key is not an RSA JWK")
    if bank_public_jwk.get("use", "enc") != "enc" or bank_public_jwk.get("alg", KEY_ALGORITHM) != KEY_ALGORITHM:
        raise EncryptionFailed("the bank's key is not for RSA-OAEP-256 encryption")
    # Only the public members: a private key handed in by mistake is never used as such.
    public: dict[str, Any] = {k: bank_public_jwk[k] for k in ("kty", "n", "e") if k in bank_public_jwk}
    try:
        key = jose_jwk.construct(public, algorithm=KEY_ALGORITHM)
    except (JOSEError, ValueError, TypeError, KeyError):
        raise EncryptionFailed("the bank's key cannot be read") from None
    size = key.prepared_key.key_size
    if size < MIN_RSA_BITS:
        raise EncryptionFailed("the bank's key is shorter than 2048 bits")
    return public


def encrypt_for_bank(secret_value: str, bank_public_jwk: dict[str, Any]) -> str:
    """`secret_value` (a PIN or a password) as a JWE for the bank: RSA-OAEP-256 + A256GCM, compact."""
    if not isinstance(secret_value, str) or not secret_value or len(secret_value) > MAX_SECRET_CHARS:
        raise EncryptionFailed("nothing, or too much, to encrypt")
    key = _public_key(bank_public_jwk)
    kid = bank_public_jwk.get("kid")
    try:
        token: bytes = jose_jwe.encrypt(
            secret_value.encode("utf-8"),
            key,
            encryption=CONTENT_ENCRYPTION,
            algorithm=KEY_ALGORITHM,
            kid=kid if isinstance(kid, str) else None,
        )
    except (JOSEError, ValueError, TypeError):
        raise EncryptionFailed("encryption for the bank failed") from None
    return token.decode("ascii")


def decrypt(jwe: str, private_key: dict[str, Any] | str | bytes) -> str:
    """The bank side: open a JWE made by ``encrypt_for_bank`` with the bank's private key (JWK or PEM).

    Refuses any other algorithm pair, so a JWE made with e.g. RSA1_5 or ``dir`` is not opened.
    """
    try:
        header = jose_jwe.get_unverified_header(jwe)
        if header.get("alg") != KEY_ALGORITHM or header.get("enc") != CONTENT_ENCRYPTION or "zip" in header:
            raise EncryptionFailed("unexpected JWE algorithms")
        plaintext = jose_jwe.decrypt(jwe, private_key)
    except (JOSEError, ValueError, TypeError, KeyError):
        raise EncryptionFailed("the JWE cannot be opened") from None
    if plaintext is None:
        raise EncryptionFailed("the JWE cannot be opened")
    return bytes(plaintext).decode("utf-8")
