"""Phones and chats are named by keyed digests (HMAC under the identity key), never by a plain hash that anyone
could reverse by hashing every phone number or chat id: the chat binding in tokens and links, and the subjects of
the lockout and code-send counters. The oracles hash with hashlib and hmac here, not with the product's code.
Tokens and links minted before the change (a plain-hash chat claim) are refused like another chat's."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from messenger_bank.security import _hs256, digests, links
from messenger_bank.security.errors import LinkInvalid, SessionInvalid
from messenger_bank.security.session_tokens import issue_session, verify_session
from tests.unit.conftest import IDENTITY_KEY
from tests.unit.security.conftest import LINK_KEY, SESSION_KEY

CHAT = "telegram:123456"
PHONE = "+375291234567"
OTHER_IDENTITY_KEY = b"o" * 16 + b"another-identity-key-for-unit-tests"


def keyed(kind: str, value: str, key: bytes = IDENTITY_KEY) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def plain(value: str) -> str:
    """What the digest was before the identity key: reversible by hashing every phone or chat id."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@pytest.fixture
def identity_key_of_another_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "_identity_key", lambda: OTHER_IDENTITY_KEY)


# --- keyed, not plain ------------------------------------------------------------------------------------
def test_the_chat_binding_is_the_keyed_digest_of_the_chat_not_its_plain_hash() -> None:
    assert _hs256.chat_binding(CHAT) == keyed("chat", CHAT)
    assert _hs256.chat_binding(CHAT) != plain(CHAT)


def test_the_counters_of_a_phone_and_a_chat_are_named_by_keyed_digests() -> None:
    assert links.phone_subject(PHONE) == "phone-" + keyed("phone", PHONE)
    assert links.chat_subject(_hs256.chat_binding(CHAT)) == "chat-" + keyed("chat", CHAT)
    assert PHONE.removeprefix("+") not in links.phone_subject(PHONE)


def test_another_identity_key_gives_another_binding_and_subject(identity_key_of_another_stack: None) -> None:
    assert _hs256.chat_binding(CHAT) == keyed("chat", CHAT, OTHER_IDENTITY_KEY) != keyed("chat", CHAT)
    assert links.phone_subject(PHONE) == "phone-" + keyed("phone", PHONE, OTHER_IDENTITY_KEY)


def test_a_phone_and_a_chat_with_the_same_characters_have_different_digests() -> None:
    # The kind is part of the message: a value of one kind never stands for a value of another.
    assert digests.identity_digest("phone", "375291234567") != digests.identity_digest("chat", "375291234567")


# --- tokens and links bind under one identity key only --------------------------------------------------------
def test_a_session_minted_under_another_identity_key_does_not_bind_to_the_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "_identity_key", lambda: OTHER_IDENTITY_KEY)
    token = issue_session("cust-1", CHAT, key=SESSION_KEY)
    monkeypatch.setattr(digests, "_identity_key", lambda: IDENTITY_KEY)

    with pytest.raises(SessionInvalid, match="another chat"):
        verify_session(token, chat_key=CHAT, key=SESSION_KEY)


def test_a_session_minted_and_checked_under_one_identity_key_binds() -> None:
    token = issue_session("cust-1", CHAT, key=SESSION_KEY)

    assert verify_session(token, chat_key=CHAT, key=SESSION_KEY).customer_id == "cust-1"


def test_a_link_minted_under_another_identity_key_is_not_this_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "_identity_key", lambda: OTHER_IDENTITY_KEY)
    token = links.token_of(
        links.make_link("https://bank.example/secure/confirm", "cust-1", CHAT, "confirm_password", key=LINK_KEY)
    )
    monkeypatch.setattr(digests, "_identity_key", lambda: IDENTITY_KEY)

    with pytest.raises(LinkInvalid, match="another chat"):
        links.inspect_link(token, key=LINK_KEY, chat_key=CHAT)
    assert links.inspect_link(token, key=LINK_KEY).chat_binding == keyed("chat", CHAT, OTHER_IDENTITY_KEY)
