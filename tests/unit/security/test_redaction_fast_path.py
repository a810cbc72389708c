"""Log text skips the redaction patterns only when none could match: a JWT-shaped credential is redacted even when
it holds no digit, space, "=" or ":" (its "eyJ" alone sends it through the patterns)."""

from __future__ import annotations

from messenger_bank.security.logging import redact_text

# base64url of {"sub":"ab","k":"VXWiHY"} twice and a letters-only signature: not one digit in it.
DIGITLESS_JWT = "eyJzdWIiOiJhYiIsImsiOiJWWFdpSFkifQ.eyJzdWIiOiJhYiIsImsiOiJWWFdpSFkifQ.abcdefghijklmnop"


def test_a_jwt_without_a_digit_is_redacted() -> None:
    assert not any(ch.isdigit() for ch in DIGITLESS_JWT)

    assert redact_text(DIGITLESS_JWT) == "[redacted]"


def test_text_without_anything_a_pattern_needs_is_left_as_it_is() -> None:
    assert redact_text("transfer_completed") == "transfer_completed"
