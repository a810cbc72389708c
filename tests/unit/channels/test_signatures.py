"""Webhook authenticity: checked on the raw body, any header case, refused when wrong or missing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest

from messenger_bank.channels.base import WebhookSecrets
from messenger_bank.channels.errors import SignatureInvalid
from messenger_bank.types import Channel

from .conftest import ADAPTERS, SECRETS, event_bytes

VIBER_KEY = SECRETS.viber_auth_token.get_secret_value().encode()  # type: ignore[union-attr]
META_KEY = SECRETS.meta_app_secret.get_secret_value().encode()  # type: ignore[union-attr]


def signed_headers(channel: Channel, body: bytes) -> dict[str, str]:
    """The headers the platform would send with `body`, named as API Gateway HTTP API v2 passes them."""
    if channel == "telegram":
        return {"x-telegram-bot-api-secret-token": "tg-secret_token-123"}
    if channel == "viber":
        return {"x-viber-content-signature": hmac.new(VIBER_KEY, body, hashlib.sha256).hexdigest()}
    return {"x-hub-signature-256": "sha256=" + hmac.new(META_KEY, body, hashlib.sha256).hexdigest()}


CASES: list[tuple[Channel, str]] = [
    ("telegram", "text"),
    ("viber", "text_unicode"),
    ("whatsapp", "text"),
    ("messenger", "text"),
]


@pytest.mark.parametrize(("channel", "case"), CASES)
def test_a_correctly_signed_body_is_accepted(channel: Channel, case: str) -> None:
    body = event_bytes(channel, case)
    ADAPTERS[channel].verify(signed_headers(channel, body), body, SECRETS)


@pytest.mark.parametrize(("channel", "case"), CASES)
@pytest.mark.parametrize("transform", [str.upper, str.title, str.lower], ids=["UPPER", "Title", "lower"])
def test_header_names_match_in_any_case(channel: Channel, case: str, transform: object) -> None:
    body = event_bytes(channel, case)
    headers = {transform(name): value for name, value in signed_headers(channel, body).items()}  # type: ignore[operator]
    ADAPTERS[channel].verify(headers, body, SECRETS)


@pytest.mark.parametrize(("channel", "case"), CASES)
def test_a_missing_signature_is_refused(channel: Channel, case: str) -> None:
    body = event_bytes(channel, case)
    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify({"content-type": "application/json"}, body, SECRETS)
    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify(None, body, SECRETS)


@pytest.mark.parametrize(("channel", "case"), CASES)
def test_a_body_changed_after_signing_is_refused(channel: Channel, case: str) -> None:
    body = event_bytes(channel, case)
    headers = signed_headers(channel, body)
    tampered = body.replace(b"}", b" }", 1)
    if channel == "telegram":  # a shared secret, not a body signature: tampering is not detectable
        ADAPTERS[channel].verify(headers, tampered, SECRETS)
    else:
        with pytest.raises(SignatureInvalid):
            ADAPTERS[channel].verify(headers, tampered, SECRETS)


@pytest.mark.parametrize(("channel", "case"), CASES)
def test_a_signature_made_with_another_secret_is_refused(channel: Channel, case: str) -> None:
    body = event_bytes(channel, case)
    other = hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
    wrong = {
        "telegram": {"X-Telegram-Bot-Api-Secret-Token": "tg-secret_token-124"},
        "viber": {"X-Viber-Content-Signature": other},
        "whatsapp": {"X-Hub-Signature-256": f"sha256={other}"},
        "messenger": {"X-Hub-Signature-256": f"sha256={other}"},
    }[channel]
    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify(wrong, body, SECRETS)


@pytest.mark.parametrize("value", ["", "sha1=abc", "sha256=", "sha256=zz", "sha256=ünïcode", "garbage"])
def test_meta_rejects_malformed_signature_headers(value: str) -> None:
    body = event_bytes("whatsapp", "text")
    with pytest.raises(SignatureInvalid):
        ADAPTERS["whatsapp"].verify({"x-hub-signature-256": value}, body, SECRETS)


def test_meta_signature_is_over_the_raw_bytes_not_reserialised_json() -> None:
    # Given a body with non-ASCII text as Meta sends it (UTF-8, not \\u-escaped)
    body = '{"object":"page","entry":[{"id":"1","time":1,"messaging":[]}],"x":"Прывітанне"}'.encode()
    headers = signed_headers("messenger", body)
    # Then the exact bytes verify, and the same JSON re-serialised with escapes does not
    ADAPTERS["messenger"].verify(headers, body, SECRETS)
    with pytest.raises(SignatureInvalid):
        ADAPTERS["messenger"].verify(headers, body.decode().encode("ascii", "backslashreplace"), SECRETS)


def test_viber_accepts_an_upper_case_hex_signature() -> None:
    body = event_bytes("viber", "text")
    signature = hmac.new(VIBER_KEY, body, hashlib.sha256).hexdigest().upper()
    ADAPTERS["viber"].verify({"X-Viber-Content-Signature": signature}, body, SECRETS)


@pytest.mark.parametrize("channel", ["telegram", "viber", "whatsapp", "messenger"])
def test_an_unconfigured_secret_refuses_everything(channel: Channel) -> None:
    body = event_bytes(channel, "text")
    with pytest.raises(SignatureInvalid, match="not configured"):
        ADAPTERS[channel].verify(signed_headers(channel, body), body, WebhookSecrets())


# --- Meta's GET handshake ------------------------------------------------------------------------
@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_the_subscription_handshake_echoes_the_challenge(channel: Channel) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-me-please", "hub.challenge": "1158201444"}
    assert ADAPTERS[channel].verify_challenge(params, SECRETS) == "1158201444"


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me-please", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me-please"},
        {},
    ],
)
def test_a_wrong_handshake_is_refused(channel: Channel, params: dict[str, str]) -> None:
    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify_challenge(params, SECRETS)


@pytest.mark.parametrize("channel", ["telegram", "viber"])
def test_platforms_without_a_handshake_refuse_it(channel: Channel) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "verify-me-please", "hub.challenge": "1"}
    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify_challenge(params, SECRETS)


# --- each header defect on its own: the valid headers of this body with one thing changed ------------------------
SIGNATURE_HEADERS: dict[Channel, str] = {
    "telegram": "x-telegram-bot-api-secret-token",
    "viber": "x-viber-content-signature",
    "whatsapp": "x-hub-signature-256",
    "messenger": "x-hub-signature-256",
}


def with_value(channel: Channel, body: bytes, change: Callable[[str], str]) -> dict[str, str]:
    """The headers the platform sends with `body`, the signature header's value passed through `change`."""
    name = SIGNATURE_HEADERS[channel]
    headers = signed_headers(channel, body)
    return {**headers, name: change(headers[name])}


def flip_last(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


def flip_first_of_the_digest(value: str) -> str:
    scheme, equals, digest = value.rpartition("=") if value.startswith("sha256=") else ("", "", value)
    return f"{scheme}{equals}{'0' if digest[0] != '0' else '1'}{digest[1:]}"


DEFECTS: dict[str, Callable[[str], str]] = {
    "empty": lambda value: "",
    "only spaces": lambda value: "   ",
    "last character changed": flip_last,
    "first character of the digest changed": flip_first_of_the_digest,
    "truncated by one": lambda value: value[:-1],
    "half of it": lambda value: value[: len(value) // 2],
    "one character added": lambda value: value + "0",
    "doubled": lambda value: value + value,
}


@pytest.mark.parametrize("defect", list(DEFECTS))
@pytest.mark.parametrize(("channel", "case"), CASES)
def test_a_signature_header_with_one_defect_is_refused(channel: Channel, case: str, defect: str) -> None:
    body = event_bytes(channel, case)

    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify(with_value(channel, body, DEFECTS[defect]), body, SECRETS)


@pytest.mark.parametrize(("channel", "case"), [c for c in CASES if c[0] != "telegram"])
def test_the_signature_of_another_body_is_refused(channel: Channel, case: str) -> None:
    body = event_bytes(channel, case)
    other_body = event_bytes(channel, case).replace(b"}", b', "x": 1}', 1)

    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify(signed_headers(channel, other_body), body, SECRETS)


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
@pytest.mark.parametrize("scheme", ["sha1", "sha512", "", "sha256 "])
def test_meta_refuses_the_right_digest_under_another_scheme(channel: Channel, scheme: str) -> None:
    body = event_bytes(channel, "text")
    digest = signed_headers(channel, body)["x-hub-signature-256"].removeprefix("sha256=")

    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify({"x-hub-signature-256": f"{scheme}={digest}"}, body, SECRETS)


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
def test_meta_refuses_the_right_digest_without_its_scheme(channel: Channel) -> None:
    body = event_bytes(channel, "text")
    digest = signed_headers(channel, body)["x-hub-signature-256"].removeprefix("sha256=")

    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify({"x-hub-signature-256": digest}, body, SECRETS)


def test_viber_refuses_the_meta_style_signature_of_the_right_body() -> None:
    body = event_bytes("viber", "text")
    signature = signed_headers("viber", body)["x-viber-content-signature"]

    with pytest.raises(SignatureInvalid):
        ADAPTERS["viber"].verify({"x-viber-content-signature": f"sha256={signature}"}, body, SECRETS)


@pytest.mark.parametrize(("channel", "case"), CASES)
def test_a_right_signature_under_another_header_name_is_refused(channel: Channel, case: str) -> None:
    body = event_bytes(channel, case)
    value = signed_headers(channel, body)[SIGNATURE_HEADERS[channel]]

    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify({"x-signature": value, "authorization": value}, body, SECRETS)


@pytest.mark.parametrize("channel", ["whatsapp", "messenger"])
@pytest.mark.parametrize(
    "spelling", [str.upper, lambda value: value.replace("sha256=", "SHA256=")], ids=["all upper", "scheme upper"]
)
def test_meta_accepts_the_right_signature_in_upper_case(channel: Channel, spelling: Callable[[str], str]) -> None:
    body = event_bytes(channel, "text")

    ADAPTERS[channel].verify(with_value(channel, body, spelling), body, SECRETS)


@pytest.mark.parametrize(("channel", "case"), CASES)
@pytest.mark.parametrize("foreign", ["é", "\ud800"], ids=["non-ascii letter", "lone surrogate"])
def test_a_signature_header_with_a_non_ascii_character_is_refused_not_crashed(
    channel: Channel, case: str, foreign: str
) -> None:
    body = event_bytes(channel, case)

    with pytest.raises(SignatureInvalid):
        ADAPTERS[channel].verify(with_value(channel, body, lambda value: value[:-1] + foreign), body, SECRETS)
