"""Keys for the session JWT, the one-time links and the programs' identity digests: secrets in SSM.

Each is a SecureString under the stack's ``SECRETS_PREFIX`` (like the platform secrets in
``messenger_bank.secrets``): ``<prefix>/security/session-key``, ``<prefix>/security/link-key`` and
``<prefix>/security/identity-key`` (``security.digests``: HMAC of phones, chats and passports; never
rotated without re-keying the referral guards, or a person could be referred twice), at least
32 random characters each (e.g. ``python -c "import secrets; print(secrets.token_urlsafe(48))"``).
Powertools caches a value for five minutes, so a warm Lambda does not ask SSM on every call and a
rotated value is picked up soon after (sessions and links are minutes long, so a rotation signs
everyone out at worst once). Two keys, not one, so that a session token can never pass for a link and a
leak of one does not forge the other. Lambdas that issue or verify need ``ssm:GetParameter`` on the
parameter and ``kms:Decrypt`` on its key (``SSMParameterReadPolicy``).

Why HMAC with a parameter rather than a KMS ``Sign`` call per token: a token is checked on every
operation, and a local HMAC costs microseconds where a KMS round trip costs milliseconds and money; the
key never leaves AWS-encrypted storage except into the Lambda's memory.
"""

from __future__ import annotations

from typing import Final, Literal

from messenger_bank.security.errors import SigningKeyUnavailable
from messenger_bank.settings import stack_settings

KeyPurpose = Literal["session", "link", "identity"]
KEY_PATHS: Final[dict[KeyPurpose, str]] = {
    "session": "security/session-key",
    "link": "security/link-key",
    # The keyed digests of phones, chats and passports (a plain hash of a phone is reversed by trying every
    # number): the programs' guards, the chat binding in tokens and links, the lockout subjects, and the
    # partners' pseudonyms of our customers (security/digests.py).
    "identity": "security/identity-key",
}
MIN_KEY_BYTES: Final = 32
CACHE_SECONDS: Final = 300


def parameter_name(purpose: KeyPurpose, prefix: str | None = None) -> str:
    return f"{prefix or stack_settings().secrets_path()}/{KEY_PATHS[purpose]}"


def check_key(key: bytes) -> bytes:
    """`key` if it is long enough for HS256 (32 bytes); raises ``SigningKeyUnavailable`` otherwise."""
    if len(key) < MIN_KEY_BYTES:
        raise SigningKeyUnavailable("a signing key must be at least 32 bytes")
    return key


def signing_key(purpose: KeyPurpose) -> bytes:
    """The current signing key for `purpose`, from SSM (cached for five minutes)."""
    from aws_lambda_powertools.utilities import parameters

    try:
        value = parameters.get_parameter(parameter_name(purpose), decrypt=True, max_age=CACHE_SECONDS)
    except Exception as exc:  # GetParameterError, botocore errors, a missing SECRETS_PREFIX
        raise SigningKeyUnavailable(f"the {purpose} signing key could not be read: {type(exc).__name__}") from None
    return check_key(str(value).encode("utf-8"))
