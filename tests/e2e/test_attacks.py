"""Attacks through the local cloud, counted: forged, unsigned, replayed, oversized and malformed webhooks
on the four messengers; the Keycloak authorizer Lambda against forged tokens; the secure page against a
used link, an expired link, another customer's card and brute force. Run with ``-s`` to see the counts."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from local.cloud.cloud import LocalCloud
from local.platforms.inbound import signature_headers
from messenger_bank.security.links import make_link, token_of
from tests.e2e.driver import HELP_REPLY, HELP_TEXT, Chat, Person, invoke_operation, onboard, web_app_form

# Tokens and links this test mints bind chats with the cloud's identity key (tests/e2e/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]

CHANNELS = ["telegram", "viber", "whatsapp", "messenger"]
SIGNATURE_HEADERS = {
    "telegram": "X-Telegram-Bot-Api-Secret-Token",
    "viber": "X-Viber-Content-Signature",
    "whatsapp": "X-Hub-Signature-256",
    "messenger": "X-Hub-Signature-256",
}
SECRETS_PREFIX = "/messenger-bank/dev"
TRIED: Counter[str] = Counter()
REJECTED: Counter[str] = Counter()


def tally(suite: str, rejected: bool) -> None:
    TRIED[suite] += 1
    REJECTED[suite] += int(rejected)


@pytest.fixture(scope="module", autouse=True)
def attack_counts() -> Iterator[None]:
    yield
    print("\nattack suite (e2e):")
    for suite in sorted(TRIED):
        print(f"  {suite:<28} tried {TRIED[suite]:>3}  rejected {REJECTED[suite]:>3}")
    print(f"  {'total':<28} tried {sum(TRIED.values()):>3}  rejected {sum(REJECTED.values()):>3}")


def webhook_url(cloud: LocalCloud, channel: str) -> str:
    assert cloud.api is not None
    return f"{cloud.api.base_url}/webhooks/{channel}"


# --- webhooks ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", CHANNELS)
def test_forged_unsigned_oversized_and_malformed_webhooks_are_refused_and_answered_by_no_one(
    cloud: LocalCloud, channel: str
) -> None:
    person = Person()
    chat = Chat(cloud, channel, f"66{person.number:06d}", phone=person.phone)
    mark = chat.mark()
    # A real, correctly signed update of this user (answered once, below); its exact bytes are kept for the
    # replay. Each forgery is a new update of this user, never delivered: were it let in, it would be
    # answered (not hidden by the dedupe of an update already seen).
    genuine = cloud.platforms.send(channel, chat.user, "text", text=HELP_TEXT)
    assert genuine["status"] == 200, genuine
    raw = str(genuine["raw"]).encode()
    signed = signature_headers(cloud.platforms.platforms, channel, raw)
    header = SIGNATURE_HEADERS[channel]

    def forged(headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        body = chat.unsent_update(HELP_TEXT)
        return body, {**signature_headers(cloud.platforms.platforms, channel, body), **headers}

    def unsigned() -> tuple[bytes, dict[str, str]]:
        body, headers = forged({})
        return body, {k: v for k, v in headers.items() if k != header}

    def self_signed(body: bytes) -> tuple[bytes, dict[str, str]]:
        return body, signature_headers(cloud.platforms.platforms, channel, body)

    wrong = "sha256=" + "0" * 64 if channel != "telegram" else "not-the-secret"
    attacks: list[tuple[str, tuple[bytes, dict[str, str]], set[int]]] = [
        ("wrong signature", forged({header: wrong}), {401, 403}),
        ("missing signature", unsigned(), {401, 403}),
        ("oversized 300 KB", self_signed(b'{"x":"' + b"a" * 300_000 + b'"}'), {413}),
        ("not JSON", self_signed(b"\xff\xfe<xml>"), {400}),
        ("JSON of the wrong shape", self_signed(b"[1,2,3]"), {400}),
    ]
    if channel != "telegram":  # Telegram signs no body: its secret token proves the sender only (PLATFORMS.md)
        attacks.append(("signature of another body", forged({header: signed[header]}), {401, 403}))
    with httpx.Client(timeout=20.0, trust_env=False) as client:
        for name, (body, headers), expected in attacks:
            response = client.post(webhook_url(cloud, channel), content=body, headers=headers)
            tally(f"webhook {name}", response.status_code in expected)
            assert response.status_code in expected, (name, response.status_code, response.text[:200])
        # A replay of the genuine update, byte for byte with its valid signature.
        replayed = client.post(webhook_url(cloud, channel), content=raw, headers=signed)
    since = chat.barrier(mark)

    assert replayed.status_code == 200  # acknowledged, so that the platform stops retrying ...
    # ... and, like every forgery, not answered: only the genuine update took a turn and got its answer.
    tally("webhook replay", since.session_saves == 1 and len(since.replies) == 1)
    assert since.session_saves == 1, "a forged, malformed or replayed update took a turn"
    assert since.texts == [HELP_REPLY]


# --- the Keycloak authorizer --------------------------------------------------------------------------
def function_named(cloud: LocalCloud, logical_id: str) -> str:
    assert cloud.stack is not None
    return next(name for name, spec in cloud.stack.functions.items() if spec.logical_id == logical_id)


def authorizer_event(authorization: str | None) -> dict[str, Any]:
    headers = {} if authorization is None else {"authorization": authorization}
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:eu-central-1:123456789012:api/$default/GET/internal/customers/cus_1",
        "identitySource": [authorization] if authorization else [],
        "routeKey": "GET /internal/customers/{customer_id}",
        "rawPath": "/internal/customers/cus_1",
        "headers": headers,
        "requestContext": {"http": {"method": "GET", "path": "/internal/customers/cus_1"}},
        "pathParameters": {"customer_id": "cus_1"},
    }


def test_the_authorizer_lambda_refuses_forged_keycloak_tokens(cloud: LocalCloud) -> None:
    assert cloud.runner is not None and cloud.sandbox is not None
    name = function_named(cloud, "InternalAuthorizerFunction")
    realm_key = (cloud.state_dir / "sandbox" / "keys" / "realm-bank.pem").read_bytes()
    jwks = httpx.get(f"{cloud.sandbox.urls['keycloak']}/realms/bank/protocol/openid-connect/certs").json()
    kid = jwks["keys"][0]["kid"]
    spec = cloud.runner.spec(name)
    issuer, audience = spec.environment["KEYCLOAK_ISSUER"], spec.environment["KEYCLOAK_AUDIENCE"]
    now = int(time.time())
    good = {
        "iss": issuer,
        "aud": audience,
        "sub": "operator-1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        # What the route also needs (issue 16): an access token of an allowed client with the route's role.
        "typ": "Bearer",
        "azp": "operator-console",
        "realm_access": {"roles": ["operator"]},
    }

    def rs256(claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(claims, realm_key, algorithm="RS256", headers={"kid": kid, **(headers or {})})

    unsigned = jwt.encode(good, None, algorithm="none")
    valid = rs256(good)
    tampered = valid.split(".")
    tampered[1] = jwt.utils.base64url_encode(json.dumps({**good, "sub": "admin"}).encode()).decode()
    forged = {
        "no header": None,
        "not bearer": f"Basic {valid}",
        "garbage": "Bearer not.a.jwt",
        "alg none": f"Bearer {unsigned}",
        "expired": f"Bearer {rs256({**good, 'iat': now - 900, 'nbf': now - 900, 'exp': now - 600})}",
        "not yet valid": f"Bearer {rs256({**good, 'nbf': now + 600})}",
        "wrong issuer": f"Bearer {rs256({**good, 'iss': 'https://evil.example/realms/bank'})}",
        "wrong audience": f"Bearer {rs256({**good, 'aud': 'someone-else'})}",
        "unknown kid": f"Bearer {jwt.encode(good, realm_key, algorithm='RS256', headers={'kid': 'nope'})}",
        "kid path trick": f"Bearer {jwt.encode(good, realm_key, algorithm='RS256', headers={'kid': '../../keys'})}",
        "tampered payload": "Bearer " + ".".join(tampered),
    }
    for case, authorization in forged.items():
        answer = cloud.runner.invoke(name, json.dumps(authorizer_event(authorization))).json()
        tally("authorizer forged token", answer.get("isAuthorized") is False)
        assert answer == {"isAuthorized": False, "context": answer.get("context")}, case
    # A genuine token is let through once the function trusts the sandbox's realm (see the report).
    if issuer == f"{cloud.sandbox.urls['keycloak']}/realms/bank":
        answer = cloud.runner.invoke(name, json.dumps(authorizer_event(f"Bearer {valid}"))).json()
        assert answer["isAuthorized"] is True and answer["context"]["sub"] == "operator-1"


# --- the secure page ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_customers(cloud: LocalCloud) -> dict[str, Any]:
    """Alice (Telegram) and Bob (Viber), each just given a digital card."""
    people: dict[str, Any] = {}
    for who, channel in (("alice", "telegram"), ("bob", "viber")):
        person = Person()
        chat = Chat(cloud, channel, f"67{person.number:06d}", phone=person.phone)
        onboard(chat, person)
        chat.wait_for("карта готова", timeout_s=90)
        customer_id, card_id = customer_and_card(cloud, person)
        people[who] = {"chat": chat, "customer_id": customer_id, "card_id": card_id}
    return people


def customer_and_card(cloud: LocalCloud, person: Person) -> tuple[str, str]:
    assert cloud.stack is not None
    table = str(cloud.stack.physical["CustomersTable"])
    dynamodb = cloud.client("dynamodb")
    owner = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"PHONE#{person.phone}"}, "sk": {"S": "UNIQUE"}})
    customer_id = owner["Item"]["customer_id"]["S"]
    cards = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :p AND begins_with(sk, :c)",
        ExpressionAttributeValues={":p": {"S": f"CUSTOMER#{customer_id}"}, ":c": {"S": "CARD#"}},
    )["Items"]
    return customer_id, cards[0]["card_id"]["S"]


def local_page(cloud: LocalCloud, url: str) -> str:
    """The link with its base on the local API front (until the local cloud sets SECURE_PAGE_URL to it)."""
    assert cloud.api is not None
    parts = urlsplit(url)
    return f"{cloud.api.base_url}{parts.path}?{parts.query}"


def secure_link(cloud: LocalCloud, who: dict[str, Any], purpose: str = "pin", card_id: str | None = None) -> str:
    """A link made by the create_secure_link operation, as the conversation asks for it."""
    assert cloud.stack is not None
    chat: Chat = who["chat"]
    payload = {
        "customer_id": who["customer_id"],
        "card_id": (card_id or who["card_id"]) if purpose == "pin" else "",
        "purpose": purpose,
        "channel": chat.channel,
        "chat_key": chat.chat_key,
    }
    error, answer = invoke_operation(cloud, "create_secure_link", payload, as_chat=chat)
    assert error is None, answer
    return local_page(cloud, answer["url"])


def post_form(url: str, form: dict[str, str], chat: Chat | None = None) -> httpx.Response:
    """The page's POST; from `chat`'s Web App when given (a Telegram link is refused without its initData)."""
    return httpx.post(url, data=web_app_form(chat, form) if chat is not None else form, timeout=20.0)


def test_the_secure_page_refuses_a_used_link_an_expired_link_and_another_customers_card(
    cloud: LocalCloud, two_customers: dict[str, Any]
) -> None:
    alice, bob = two_customers["alice"], two_customers["bob"]
    pin = {"pin": "4829", "pin_confirm": "4829"}

    # Used: the first POST sets the PIN, the replay is refused.
    link = secure_link(cloud, alice)
    shown = httpx.get(link, timeout=20.0)
    first = post_form(link, pin, alice["chat"])
    replay = post_form(link, {"pin": "5930", "pin_confirm": "5930"}, alice["chat"])
    # Expired: a link signed with the stack's key, ten minutes past its end.
    key = cloud.client("ssm").get_parameter(Name=f"{SECRETS_PREFIX}/security/link-key", WithDecryption=True)
    old = make_link(
        link.split("?")[0],
        alice["customer_id"],
        alice["chat"].chat_key,
        "change_pin",
        card_id=alice["card_id"],
        key=key["Parameter"]["Value"].encode(),
        now=datetime.now(UTC) - timedelta(minutes=20),
    )
    expired_get, expired_post = httpx.get(old, timeout=20.0), post_form(old, pin, alice["chat"])
    # Another customer's card: Alice's signed link (for her card) with Bob's card id added as a parameter.
    foreign = secure_link(cloud, alice) + f"&card={bob['card_id']}"
    foreign_post = post_form(foreign, pin, alice["chat"])
    # Tampered: Alice's link with one character of the token's signature changed.
    token = token_of(secure_link(cloud, alice))
    tampered = link.replace(token_of(link), token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])

    assert shown.status_code == 200 and shown.headers["referrer-policy"] == "no-referrer"
    assert first.status_code == 200, first.text
    refusals = {
        "used link": (replay, 410),
        "expired link (GET)": (expired_get, 410),
        "expired link (POST)": (expired_post, 410),
        "another customer's card": (foreign_post, 403),
        "tampered token": (httpx.get(tampered, timeout=20.0), 403),
    }
    for case, (response, status) in refusals.items():
        tally(f"secure page {case}", response.status_code == status)
        assert response.status_code == status, (case, response.status_code)
        assert response.headers["cache-control"] == "no-store"


def test_the_secure_page_locks_after_three_wrong_entries(cloud: LocalCloud, two_customers: dict[str, Any]) -> None:
    bob = two_customers["bob"]
    mismatch = {"password": "Corr3ct-horse", "password_confirm": "Corr3ct-h0rse"}

    statuses = [post_form(secure_link(cloud, bob, "password"), mismatch).status_code for _ in range(4)]
    right = post_form(secure_link(cloud, bob, "password"), {"password": "Val1d-pass", "password_confirm": "Val1d-pass"})

    assert statuses == [422, 422, 429, 429]
    assert right.status_code == 429 and "locked" in right.text
    for status in [*statuses[2:], right.status_code]:
        tally("secure page brute force", status == 429)


# --- the session every customer operation checks ----------------------------------------------------------
def test_operations_refuse_forged_stolen_and_missing_sessions(cloud: LocalCloud, two_customers: dict[str, Any]) -> None:
    import base64
    from datetime import UTC, datetime, timedelta

    from messenger_bank.security.session_tokens import issue_session

    alice, bob = two_customers["alice"], two_customers["bob"]
    request = {"customer_id": alice["customer_id"], "card_id": alice["card_id"]}
    key = str(
        cloud.client("ssm").get_parameter(Name=f"{SECRETS_PREFIX}/security/session-key", WithDecryption=True)[
            "Parameter"
        ]["Value"]
    ).encode()
    _, opened = invoke_operation(
        cloud,
        "find_customer",
        {"channel": alice["chat"].channel, "user_id": alice["chat"].chat_id, "chat_key": alice["chat"].chat_key},
    )
    own = str(opened["session"])
    header, claims, signature = own.split(".")
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode() + f".{claims}."
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    sessions: dict[str, dict[str, str] | None] = {
        "no session": None,
        "another customer's session": {"token": "", "chat_key": bob["chat"].chat_key},
        "her session from another chat": {"token": own, "chat_key": bob["chat"].chat_key},
        "tampered session": {"token": f"{header}.{claims}.{signature[:-2]}AA", "chat_key": alice["chat"].chat_key},
        "alg none": {"token": unsigned, "chat_key": alice["chat"].chat_key},
        "signed with another key": {
            "token": issue_session(alice["customer_id"], alice["chat"].chat_key, key=b"x" * 48),
            "chat_key": alice["chat"].chat_key,
        },
        "expired session": {
            "token": issue_session(alice["customer_id"], alice["chat"].chat_key, key=key, now=two_hours_ago),
            "chat_key": alice["chat"].chat_key,
        },
        "a link token as a session": {
            "token": token_of(secure_link(cloud, alice)),
            "chat_key": alice["chat"].chat_key,
        },
    }
    _, bobs = invoke_operation(
        cloud,
        "find_customer",
        {"channel": bob["chat"].channel, "user_id": bob["chat"].chat_id, "chat_key": bob["chat"].chat_key},
    )
    sessions["another customer's session"] = {"token": str(bobs["session"]), "chat_key": bob["chat"].chat_key}

    refused = {
        case: invoke_operation(cloud, "get_balance", request if session is None else {**request, "session": session})[0]
        for case, session in sessions.items()
    }
    allowed, _ = invoke_operation(
        cloud, "get_balance", {**request, "session": {"token": own, "chat_key": alice["chat"].chat_key}}
    )

    for case, error in refused.items():
        tally(f"session {case}", error in ("SessionInvalid", "SessionExpired"))
    assert refused == {**dict.fromkeys(sessions, "SessionInvalid"), "expired session": "SessionExpired"}
    assert allowed is None
