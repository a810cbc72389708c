"""What WhatsApp Cloud API and Messenger share: Meta's webhook signature, the GET handshake, Graph errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from messenger_bank.channels import rules
from messenger_bank.channels.base import (
    PlatformReply,
    WebhookSecrets,
    hmac_sha256_hex,
    require_secret,
    same,
)
from messenger_bank.channels.errors import SignatureInvalid

SIGNATURE_HEADER = "X-Hub-Signature-256"

# Graph API throttling: application / user / page / WhatsApp account and pair rate limits.
THROTTLING_CODES = frozenset({4, 17, 32, 613, 80006, 80007, 130429, 131056})
# Transient Graph failures worth a retry.
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016})


def verify_signature(headers: Mapping[str, str] | None, raw_body: bytes, secrets: WebhookSecrets) -> None:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>, compared in constant time."""
    key = require_secret(secrets.meta_app_secret, "META_APP_SECRET")
    given = rules.header(headers, SIGNATURE_HEADER)
    expected = b"sha256=" + hmac_sha256_hex(key, raw_body)
    if given is None:
        raise SignatureInvalid(f"{SIGNATURE_HEADER} is missing")
    if not same(given.lower(), expected):  # scheme and hex digits in either case
        raise SignatureInvalid(f"{SIGNATURE_HEADER} is wrong")


def verify_challenge(params: Mapping[str, str] | None, secrets: WebhookSecrets) -> str:
    """The GET handshake: hub.mode=subscribe and the right hub.verify_token → hub.challenge."""
    expected = require_secret(secrets.meta_verify_token, "META_VERIFY_TOKEN")
    params = params or {}
    if params.get("hub.mode") != "subscribe":
        raise SignatureInvalid("hub.mode is not subscribe")
    if not same(params.get("hub.verify_token"), expected):
        raise SignatureInvalid("hub.verify_token is missing or wrong")
    challenge = params.get("hub.challenge")
    if not challenge:
        raise SignatureInvalid("hub.challenge is missing")
    return challenge


class GraphError(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    code: int = 0
    error_subcode: int | None = None
    message: str = ""


class GraphErrorBody(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    error: GraphError


def read_error(
    status_code: int,
    body: bytes,
    unreachable: set[int] | frozenset[int],
    unreachable_pairs: set[tuple[int, int]],
    *,
    window_closed: frozenset[tuple[int, int | None]] = frozenset(),
) -> PlatformReply:
    """Classify a Graph API error answer (`{"error": {code, error_subcode, message}}`); `window_closed`
    holds the (code, subcode) pairs that mean "outside the 24 h window" (subcode None: any)."""
    try:
        error = GraphErrorBody.model_validate_json(body).error
    except ValidationError:
        outcome: Any = "retry" if status_code == 429 or status_code >= 500 else "error"
        return PlatformReply(outcome=outcome, reason=f"HTTP {status_code}")
    reason = f"{error.code}/{error.error_subcode}: {error.message[:160]}"
    if error.code in THROTTLING_CODES or status_code == 429:
        return PlatformReply(outcome="retry", reason=reason)
    if (error.code, None) in window_closed or (error.code, error.error_subcode) in window_closed:
        return PlatformReply(outcome="window_closed", reason=reason)
    if error.code in unreachable or (error.code, error.error_subcode or 0) in unreachable_pairs:
        return PlatformReply(outcome="unavailable", reason=reason)
    if error.code in TRANSIENT_CODES or status_code >= 500:
        return PlatformReply(outcome="retry", reason=reason)
    return PlatformReply(outcome="error", reason=reason)
