"""Each claim check of the session JWT, on its own: every refused token is a valid session with exactly
one thing changed, so that deleting any one check makes its test fail. Time is frozen (``jwt_clock``), so
the expiry and not-before boundaries are tested to the second on both sides of the 5 s leeway."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from messenger_bank.security.errors import ReauthenticationRequired, SessionExpired, SessionInvalid
from messenger_bank.security.session_tokens import (
    check_session,
    issue_session,
    require_recent_auth,
    verify_session,
)
from tests.unit.conftest import IDENTITY_KEY
from tests.unit.security.conftest import LINK_KEY, SESSION_KEY, JwtClock

CHAT = "telegram:123456"
NOW = 1_765_000_000  # 2025-12-06, a fixed instant: the clock is frozen here


def binding(chat_key: str) -> str:
    """The chat claim as the security module documents it: HMAC-SHA256 of "chat:<chat key>" under the
    identity key, 32 hex characters (built here, not by the product)."""
    return hmac.new(IDENTITY_KEY, f"chat:{chat_key}".encode(), hashlib.sha256).hexdigest()[:32]


LEEWAY = 5  # seconds, as the module documents


def valid_claims(**changes: Any) -> dict[str, Any]:
    """The claims of a valid session for cust-1 in CHAT, built here (not by the product), issued at NOW.

    A claim given as None is left out.
    """
    claims: dict[str, Any] = {
        "iss": "messenger-bank",
        "aud": "messenger-bank/session",
        "sub": "cust-1",
        "chat": binding(CHAT),
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + 900,
        "jti": "jti-1",
        "auth_time": NOW,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def token(claims: dict[str, Any] | None = None, *, key: bytes = SESSION_KEY, **headers: Any) -> str:
    return jwt.encode(claims if claims is not None else valid_claims(), key, algorithm="HS256", headers=headers or None)


@pytest.fixture(autouse=True)
def frozen(jwt_clock: JwtClock) -> JwtClock:
    jwt_clock.at = NOW
    return jwt_clock


def test_the_hand_built_session_is_valid() -> None:
    # The base every refusal below changes one thing of: it must verify, or the refusals prove nothing.
    claims = verify_session(token(), chat_key=CHAT, key=SESSION_KEY)

    assert (claims.customer_id, claims.jti) == ("cust-1", "jti-1")
    assert claims.expires_at == datetime.fromtimestamp(NOW + 900, UTC)


# --- one claim wrong -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"aud": "messenger-bank/link"}, id="a link's audience"),
        pytest.param({"aud": "messenger-bank/session/x"}, id="an audience with a suffix"),
        pytest.param({"aud": ["messenger-bank/session", "other"]}, id="an audience list (strict)"),
        pytest.param({"iss": "someone-else"}, id="another issuer"),
        pytest.param({"iss": "messenger-bank "}, id="an issuer with a trailing space"),
        pytest.param({"chat": binding("telegram:999")}, id="another chat's binding"),
        # A token minted before keyed digests (or by someone who hashed the chat id without the key).
        pytest.param({"chat": hashlib.sha256(CHAT.encode()).hexdigest()[:32]}, id="the chat's unkeyed digest"),
        pytest.param({"chat": CHAT}, id="the chat key in clear instead of its binding"),
    ],
)
def test_a_session_with_one_wrong_claim_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(SessionInvalid) as refused:
        verify_session(token(valid_claims(**changes)), chat_key=CHAT, key=SESSION_KEY)

    assert not isinstance(refused.value, SessionExpired)


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "exp", "iat", "nbf", "jti", "chat"])
def test_a_session_missing_one_claim_is_refused(claim: str) -> None:
    with pytest.raises(SessionInvalid):
        verify_session(token(valid_claims(**{claim: None})), chat_key=CHAT, key=SESSION_KEY)


def test_a_session_without_auth_time_counts_from_its_issue() -> None:
    # auth_time is optional by design (older sessions); it then falls back to iat, never to "now".
    claims = verify_session(token(valid_claims(auth_time=None)), chat_key=CHAT, key=SESSION_KEY)

    assert claims.auth_time == datetime.fromtimestamp(NOW, UTC)


# --- signature and header ------------------------------------------------------------------------------------
def test_a_session_signed_with_the_link_key_is_refused() -> None:
    with pytest.raises(SessionInvalid):
        verify_session(token(key=LINK_KEY), chat_key=CHAT, key=SESSION_KEY)


def test_a_session_with_a_changed_payload_is_refused() -> None:
    header, _, signature = token().split(".")
    _, other_payload, _ = token(valid_claims(sub="cust-2")).split(".")

    with pytest.raises(SessionInvalid):
        verify_session(f"{header}.{other_payload}.{signature}", chat_key=CHAT, key=SESSION_KEY)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_a_session_signed_with_the_right_key_but_another_algorithm_is_refused(alg: str) -> None:
    forged = jwt.encode(valid_claims(), SESSION_KEY, algorithm=alg)

    with pytest.raises(SessionInvalid):
        verify_session(forged, chat_key=CHAT, key=SESSION_KEY)


def test_an_unsigned_session_is_refused() -> None:
    unsigned = jwt.encode(valid_claims(), None, algorithm="none")  # type: ignore[arg-type]

    with pytest.raises(SessionInvalid):
        verify_session(unsigned, chat_key=CHAT, key=SESSION_KEY)


def test_a_session_with_a_critical_header_is_refused() -> None:
    with pytest.raises(SessionInvalid):
        verify_session(token(crit=["exp"]), chat_key=CHAT, key=SESSION_KEY)


# --- time, to the second ----------------------------------------------------------------------------------
def test_a_session_is_valid_until_the_leeway_after_its_expiry(frozen: JwtClock) -> None:
    frozen.at = NOW + 900 + LEEWAY - 1

    verify_session(token(), chat_key=CHAT, key=SESSION_KEY)


def test_a_session_is_expired_once_the_leeway_after_its_expiry_has_passed(frozen: JwtClock) -> None:
    frozen.at = NOW + 900 + LEEWAY

    with pytest.raises(SessionExpired):
        verify_session(token(), chat_key=CHAT, key=SESSION_KEY)


def test_a_session_not_yet_valid_within_the_leeway_is_accepted() -> None:
    verify_session(token(valid_claims(nbf=NOW + LEEWAY)), chat_key=CHAT, key=SESSION_KEY)


def test_a_session_not_yet_valid_beyond_the_leeway_is_refused() -> None:
    with pytest.raises(SessionInvalid) as refused:
        verify_session(token(valid_claims(nbf=NOW + LEEWAY + 1)), chat_key=CHAT, key=SESSION_KEY)

    assert not isinstance(refused.value, SessionExpired)


def test_a_session_issued_beyond_the_leeway_in_the_future_is_refused() -> None:
    with pytest.raises(SessionInvalid):
        verify_session(token(valid_claims(iat=NOW + LEEWAY + 1)), chat_key=CHAT, key=SESSION_KEY)


def test_an_issued_session_lasts_its_ttl_to_the_second(frozen: JwtClock) -> None:
    issued = issue_session(
        "cust-1", CHAT, key=SESSION_KEY, ttl=timedelta(minutes=15), now=datetime.fromtimestamp(NOW, UTC)
    )

    assert jwt.decode(issued, options={"verify_signature": False})["exp"] == NOW + 900


@pytest.mark.parametrize("ttl", [timedelta(seconds=1), timedelta(hours=1)])
def test_a_session_may_last_from_a_second_to_an_hour(ttl: timedelta) -> None:
    assert issue_session("cust-1", CHAT, key=SESSION_KEY, ttl=ttl)


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(hours=1, seconds=1)])
def test_a_session_of_no_time_or_longer_than_an_hour_is_not_issued(ttl: timedelta) -> None:
    with pytest.raises(ValueError, match="between 0 and 1 hour"):
        issue_session("cust-1", CHAT, key=SESSION_KEY, ttl=ttl)


# --- the password again for sensitive operations, to the second --------------------------------------------
def proven_at(seconds_ago: int) -> tuple[Any, datetime]:
    now = datetime.fromtimestamp(NOW, UTC)
    claims = verify_session(token(valid_claims(auth_time=NOW - seconds_ago)), chat_key=CHAT, key=SESSION_KEY)
    return claims, now


def test_a_proof_exactly_max_age_old_still_counts() -> None:
    claims, now = proven_at(600)

    require_recent_auth(claims, max_age=timedelta(seconds=600), now=now)


def test_a_proof_a_second_older_than_max_age_asks_for_the_password() -> None:
    claims, now = proven_at(601)

    with pytest.raises(ReauthenticationRequired):
        require_recent_auth(claims, max_age=timedelta(seconds=600), now=now)


@pytest.mark.parametrize(("seconds_ago", "asked"), [(600, False), (601, True)])
def test_a_sensitive_operation_counts_the_proof_age_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, seconds_ago: int, asked: bool
) -> None:
    monkeypatch.setenv("SENSITIVE_AUTH_MINUTES", "10")
    envelope = {"token": token(valid_claims(auth_time=NOW - seconds_ago)), "chat_key": CHAT}
    now = datetime.fromtimestamp(NOW, UTC)

    if asked:
        with pytest.raises(ReauthenticationRequired):
            check_session(envelope, "cust-1", key=SESSION_KEY, sensitive=True, now=now)
    else:
        check_session(envelope, "cust-1", key=SESSION_KEY, sensitive=True, now=now)
