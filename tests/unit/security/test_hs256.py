"""The bank's own HS256 tokens (sessions and links), read at the edges ``_hs256`` draws: the token's size, its
header, its id. Tokens are made here with PyJWT directly, so a check of ``decode`` does not rest on ``encode``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from messenger_bank.security import _hs256
from tests.unit.security.conftest import SESSION_KEY, JwtClock

AUDIENCE = "messenger-bank/session"


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": _hs256.ISSUER,
        "aud": AUDIENCE,
        "sub": "cust-1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": "jti-1",
        **extra,
    }


def signed(headers: dict[str, Any] | None = None, **extra: Any) -> str:
    return jwt.encode(claims(**extra), SESSION_KEY, algorithm="HS256", headers=headers)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def signed_with_header(header: dict[str, Any]) -> str:
    """A token signed by hand with exactly `header` (PyJWT's encode drops a ``b64`` that is true)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims()).encode())}"
    signature = hmac.new(SESSION_KEY, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def signed_of_length(length: int) -> str:
    """A valid token exactly `length` characters long (a padding claim grows it)."""
    for pad in range(length):
        token = signed(pad="x" * pad)
        if len(token) == length:
            return token
        if len(token) > length:
            break
    raise AssertionError(f"no token of {length} characters")


def header_of(token: str) -> dict[str, Any]:
    segment = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return decoded


# --- the token's id ---------------------------------------------------------------------------------------------
def test_a_token_id_is_sixteen_random_bytes_in_22_url_safe_characters() -> None:
    jti = _hs256.new_jti()

    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", jti)
    assert len(base64.urlsafe_b64decode(jti + "==")) == 16


# --- the header written ----------------------------------------------------------------------------------------
def test_a_made_token_says_hs256_and_jwt_in_its_header_and_nothing_else() -> None:
    token = _hs256.encode(claims(), SESSION_KEY)

    assert header_of(token) == {"alg": "HS256", "typ": "JWT"}


# --- what decode reads ------------------------------------------------------------------------------------------
def test_a_token_of_exactly_the_longest_length_is_read() -> None:
    token = signed_of_length(_hs256.MAX_TOKEN_CHARS)

    assert _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)["sub"] == "cust-1"


def test_a_token_one_character_longer_than_the_longest_is_refused() -> None:
    token = signed_of_length(_hs256.MAX_TOKEN_CHARS + 1)

    with pytest.raises(_hs256.Refused):
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)


def test_an_empty_token_is_refused() -> None:
    with pytest.raises(_hs256.Refused) as refused:
        _hs256.decode("", SESSION_KEY, audience=AUDIENCE)

    assert type(refused.value) is _hs256.Refused


def test_a_valid_token_handed_over_as_bytes_is_refused() -> None:
    token = signed().encode("ascii")

    with pytest.raises(_hs256.Refused):
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)  # type: ignore[arg-type]


def test_a_token_declaring_a_critical_header_is_refused_though_its_algorithm_is_hs256() -> None:
    # PyJWT itself refuses a "crit" naming an extension it does not know, but understands "b64".
    token = signed_with_header({"alg": "HS256", "typ": "JWT", "crit": ["b64"], "b64": True})
    assert jwt.decode(token, SESSION_KEY, algorithms=["HS256"], audience=AUDIENCE)["sub"] == "cust-1"

    with pytest.raises(_hs256.Refused):
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)


def test_the_same_token_without_the_critical_header_is_read() -> None:
    token = signed_with_header({"alg": "HS256", "typ": "JWT", "b64": True})

    assert _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)["sub"] == "cust-1"


def test_an_expired_token_is_refused_as_expired() -> None:
    token = signed(exp=int(time.time()) - _hs256.LEEWAY_SECONDS - 60)

    with pytest.raises(_hs256.Expired):
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)


def test_a_token_with_a_wrong_signature_is_refused_but_not_as_expired() -> None:
    token = jwt.encode(claims(), b"w" * 48, algorithm="HS256")

    with pytest.raises(_hs256.Refused) as refused:
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)

    assert not isinstance(refused.value, _hs256.Expired)


# --- PyJWT as the oracle: the same token, read on the other side ------------------------------------------------
def test_a_made_token_is_read_by_pyjwt_with_the_same_checks_and_gives_the_same_claims() -> None:
    made = claims(chat="digest", auth_time=int(time.time()))

    read = jwt.decode(
        _hs256.encode(made, SESSION_KEY),
        SESSION_KEY,
        algorithms=["HS256"],
        audience=AUDIENCE,
        issuer=_hs256.ISSUER,
        options={"require": _hs256.REQUIRED, "strict_aud": True},
    )

    assert read == made


@pytest.mark.parametrize("extra", [{}, {"name": "Алеся Ўладзіміраўна"}], ids=["ascii", "a claim outside ascii"])
def test_a_made_token_is_byte_for_byte_the_one_pyjwt_makes_of_the_same_claims(extra: dict[str, str]) -> None:
    made = claims(**extra)

    assert _hs256.encode(made, SESSION_KEY) == jwt.encode(made, SESSION_KEY, algorithm="HS256", headers={"typ": "JWT"})


def test_a_token_pyjwt_made_is_read_with_the_same_claims() -> None:
    made = claims(purpose="change_password")

    assert _hs256.decode(signed(purpose="change_password"), SESSION_KEY, audience=AUDIENCE) == made


# --- stricter than PyJWT, where our own tokens never need the leeway ---------------------------------------------
def replace_part(token: str, at: int, part: str) -> str:
    parts = token.split(".")
    parts[at] = part
    return ".".join(parts)


def signed_claims_text(text: str) -> str:
    """A token whose claims part is exactly `text`, signed with the session key."""
    signing_input = f"{b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64url(text.encode())}"
    signature = hmac.new(SESSION_KEY, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def pyjwt_reads(token: str) -> bool:
    try:
        jwt.decode(token, SESSION_KEY, algorithms=["HS256"], audience=AUDIENCE, options={"strict_aud": True})
    except jwt.PyJWTError:
        return False
    return True


def test_a_signature_spelled_with_other_trailing_bits_is_refused_though_it_decodes_to_the_same_bytes() -> None:
    token = signed()
    signature = token.split(".")[2]  # 43 characters for 32 bytes: the last one carries two unused bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelled = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]  # flip an unused bit
    other = replace_part(token, 2, respelled)
    assert base64.urlsafe_b64decode(respelled + "=") == base64.urlsafe_b64decode(signature + "=")
    assert not pyjwt_reads(other)  # PyJWT refuses it as well

    with pytest.raises(_hs256.Refused):
        _hs256.decode(other, SESSION_KEY, audience=AUDIENCE)


def test_a_claim_named_twice_is_refused() -> None:
    now = int(time.time())
    text = (
        f'{{"iss":"{_hs256.ISSUER}","aud":"{AUDIENCE}","sub":"cust-1","sub":"cust-2",'
        f'"iat":{now},"nbf":{now},"exp":{now + 300},"jti":"jti-1"}}'
    )
    token = signed_claims_text(text)
    assert pyjwt_reads(token)

    with pytest.raises(_hs256.Refused):
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)


@pytest.mark.parametrize(
    ("name", "spelled"),
    [("exp", lambda at: str(at + 300)), ("iat", float), ("nbf", lambda _at: True)],
    ids=["expiry as a string", "issued-at as a float", "not-before as true"],
)
def test_a_time_claim_that_is_not_a_json_integer_is_refused(name: str, spelled: Callable[[int], object]) -> None:
    now = int(time.time())  # here, not at collection: a suite can run longer than the token lives
    token = jwt.encode({**claims(), name: spelled(now)}, SESSION_KEY, algorithm="HS256")
    assert pyjwt_reads(token)

    with pytest.raises(_hs256.Refused) as refused:
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)

    assert not isinstance(refused.value, _hs256.Expired)


def test_a_header_saying_its_claims_are_not_base64_is_refused() -> None:
    token = signed_with_header({"alg": "HS256", "typ": "JWT", "b64": False})

    with pytest.raises(_hs256.Refused):
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)


@pytest.mark.parametrize("at", [0, 1, 2], ids=["header", "claims", "signature"])
def test_a_part_with_a_character_outside_base64url_is_refused(at: int) -> None:
    token = signed()
    part = token.split(".")[at]

    with pytest.raises(_hs256.Refused):
        _hs256.decode(replace_part(token, at, part[:5] + "+" + part[6:]), SESSION_KEY, audience=AUDIENCE)


def test_a_token_of_four_parts_is_refused() -> None:
    with pytest.raises(_hs256.Refused):
        _hs256.decode(signed() + ".e30", SESSION_KEY, audience=AUDIENCE)


@pytest.mark.parametrize("name", ["sub", "jti"])
def test_a_subject_or_token_id_that_is_not_a_string_is_refused(name: str) -> None:
    token = jwt.encode({**claims(), name: 42}, SESSION_KEY, algorithm="HS256")

    with pytest.raises(_hs256.Refused):
        _hs256.decode(token, SESSION_KEY, audience=AUDIENCE)


@pytest.mark.parametrize("name", ["iat", "nbf"])
def test_a_token_issued_or_valid_from_the_end_of_the_leeway_is_read_and_a_second_later_refused(
    name: str, jwt_clock: JwtClock
) -> None:
    now = int(time.time())
    jwt_clock.at = now
    at_now = {**claims(), "iat": now, "nbf": now, "exp": now + 300}
    edge = jwt.encode({**at_now, name: now + _hs256.LEEWAY_SECONDS}, SESSION_KEY, algorithm="HS256")
    later = jwt.encode({**at_now, name: now + _hs256.LEEWAY_SECONDS + 1}, SESSION_KEY, algorithm="HS256")

    assert _hs256.decode(edge, SESSION_KEY, audience=AUDIENCE)["sub"] == "cust-1"
    with pytest.raises(_hs256.Refused) as refused:
        _hs256.decode(later, SESSION_KEY, audience=AUDIENCE)
    assert not isinstance(refused.value, _hs256.Expired)


def test_claims_that_are_a_json_list_are_refused() -> None:
    with pytest.raises(_hs256.Refused):
        _hs256.decode(signed_claims_text('["iss","aud"]'), SESSION_KEY, audience=AUDIENCE)
