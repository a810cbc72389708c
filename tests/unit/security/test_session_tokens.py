from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from messenger_bank.security.errors import (
    AccessDenied,
    NotYourCard,
    ReauthenticationRequired,
    SessionExpired,
    SessionInvalid,
    SigningKeyUnavailable,
)
from messenger_bank.security.session_tokens import (
    check_session,
    issue_session,
    owns,
    require_recent_auth,
    verify_session,
)
from tests.unit.security.conftest import LINK_KEY, SESSION_KEY

CHAT = "telegram:123456"


def test_a_fresh_session_verifies_in_its_chat() -> None:
    token = issue_session("cust-1", CHAT, key=SESSION_KEY)

    claims = verify_session(token, chat_key=CHAT, key=SESSION_KEY)

    assert claims.customer_id == "cust-1"
    assert claims.chat_key == CHAT
    assert claims.expires_at - claims.issued_at == timedelta(minutes=15)
    assert CHAT not in json.dumps(jwt.decode(token, options={"verify_signature": False}))


def test_an_expired_session_is_refused() -> None:
    token = issue_session("cust-1", CHAT, key=SESSION_KEY, now=datetime.now(UTC) - timedelta(minutes=16))

    with pytest.raises(SessionExpired):
        verify_session(token, chat_key=CHAT, key=SESSION_KEY)


def test_a_session_from_another_chat_is_refused() -> None:
    token = issue_session("cust-1", CHAT, key=SESSION_KEY)

    with pytest.raises(SessionInvalid):
        verify_session(token, chat_key="viber:123456", key=SESSION_KEY)


def test_a_tampered_session_is_refused() -> None:
    header, payload, signature = issue_session("cust-1", CHAT, key=SESSION_KEY).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "cust-2"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with pytest.raises(SessionInvalid):
        verify_session(f"{header}.{forged}.{signature}", chat_key=CHAT, key=SESSION_KEY)


def test_a_session_signed_with_another_key_is_refused() -> None:
    token = issue_session("cust-1", CHAT, key=LINK_KEY)

    with pytest.raises(SessionInvalid):
        verify_session(token, chat_key=CHAT, key=SESSION_KEY)


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "messenger-bank/link"},  # a link token is not a session
        {"iss": "someone-else"},
        {"exp": None},
        {"jti": None},
        {"nbf": 4_000_000_000},
    ],
)
def test_a_session_with_wrong_or_missing_claims_is_refused(claims: dict[str, object]) -> None:
    now = int(datetime.now(UTC).timestamp())
    base = {
        "iss": "messenger-bank",
        "aud": "messenger-bank/session",
        "sub": "cust-1",
        "chat": "x",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        "jti": "j",
    }
    base.update(claims)
    token = jwt.encode({k: v for k, v in base.items() if v is not None}, SESSION_KEY, algorithm="HS256")

    with pytest.raises(SessionInvalid):
        verify_session(token, chat_key=CHAT, key=SESSION_KEY)


def test_an_unsigned_session_is_refused() -> None:
    unsigned = jwt.decode(issue_session("cust-1", CHAT, key=SESSION_KEY), options={"verify_signature": False})
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(unsigned).encode()).rstrip(b"=").decode()
    token = f"{header}.{payload}."

    with pytest.raises(SessionInvalid):
        verify_session(token, chat_key=CHAT, key=SESSION_KEY)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(SigningKeyUnavailable):
        issue_session("cust-1", CHAT, key=b"short")


def test_a_sensitive_operation_asks_for_the_password_after_a_while() -> None:
    claims = verify_session(
        issue_session("cust-1", CHAT, key=SESSION_KEY, auth_time=datetime.now(UTC) - timedelta(minutes=10)),
        chat_key=CHAT,
        key=SESSION_KEY,
    )

    require_recent_auth(claims, max_age=timedelta(minutes=15))
    with pytest.raises(ReauthenticationRequired):
        require_recent_auth(claims, max_age=timedelta(minutes=5))


def test_a_customer_may_touch_their_own_card() -> None:
    asked: list[str] = []

    def cards_of(customer: str) -> list[str]:
        asked.append(customer)
        return {"cust-1": ["card-a", "card-b"], "cust-2": ["card-z"]}[customer]

    for card in ("card-a", "card-b"):
        owns("cust-1", card, cards_of)  # let through (no NotYourCard) for each of her cards ...

    assert asked == ["cust-1", "cust-1"]  # ... checked against the session's customer's cards, each time


@pytest.mark.parametrize("card_id", ["card-z", "", "card-a "])
def test_another_customers_card_is_refused(card_id: str) -> None:
    with pytest.raises(NotYourCard) as refused:
        owns("cust-1", card_id, lambda customer: ["card-a"])

    assert isinstance(refused.value, AccessDenied)


# --- the session beside an operation (check_session, used by every customer operation) ----------------
def envelope(token: str, chat: str = CHAT) -> dict[str, str]:
    return {"token": token, "chat_key": chat}


@pytest.mark.parametrize("sent", [None, {}, {"token": "x"}, "a-token", {"token": "", "chat_key": CHAT}])
def test_an_operation_without_a_session_is_refused(sent: object) -> None:
    with pytest.raises(SessionInvalid):
        check_session(sent, "cus_1", key=SESSION_KEY)


def test_an_operation_for_another_customer_or_chat_is_refused() -> None:
    token = issue_session("cus_1", CHAT, key=SESSION_KEY)

    with pytest.raises(SessionInvalid, match="another customer"):
        check_session(envelope(token), "cus_2", key=SESSION_KEY)
    with pytest.raises(SessionInvalid, match="another chat"):
        check_session(envelope(token), "cus_1", chat_key="telegram:999", key=SESSION_KEY)
    with pytest.raises(SessionInvalid):
        check_session(envelope(token, "telegram:999"), "cus_1", key=SESSION_KEY)
    assert check_session(envelope(token), "cus_1", chat_key=CHAT, key=SESSION_KEY).customer_id == "cus_1"


def test_a_sensitive_operation_needs_a_recent_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENSITIVE_AUTH_MINUTES", "10")
    now = datetime.now(UTC)
    old = issue_session("cus_1", CHAT, key=SESSION_KEY, auth_time=now - timedelta(minutes=11))
    fresh = issue_session("cus_1", CHAT, key=SESSION_KEY, auth_time=now - timedelta(minutes=9))

    check_session(envelope(old), "cus_1", key=SESSION_KEY)  # an ordinary operation runs
    with pytest.raises(ReauthenticationRequired):
        check_session(envelope(old), "cus_1", key=SESSION_KEY, sensitive=True)
    check_session(envelope(fresh), "cus_1", key=SESSION_KEY, sensitive=True)
