"""What bound chats send and forget through other contexts, and the times a customer reads in English (the one
language whose dates are written with slashes): the announcement, "This wasn't me" and the real sender and
forgetter behind them (the notices context, the conversation's sessions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

import messenger_bank.channels
import messenger_bank.notices.service
from messenger_bank.channels.models import ChatRef, OutboundMessage, OutsideWindow
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import Turn  # noqa: F401  # before sessions (they import each other)
from messenger_bank.conversation.sessions import Session, SessionRepository
from messenger_bank.customers import bindings
from messenger_bank.customers.models import Binding, ChannelIdentity, Customer, DisownChatRequest
from messenger_bank.customers.repository import CustomersRepository
from tests.support.aws import create_table

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)  # 01/03/2025 12:30 in Minsk
TELEGRAM = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
VIBER = ChannelIdentity(channel="viber", user_id="v-1", chat_id="v-1")


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomersRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("SESSIONS_TABLE", "sessions")
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        name = create_table(dynamodb, "CustomersTable")
        create_table(dynamodb, "SessionsTable", name="sessions")
        repository = CustomersRepository(boto3.resource("dynamodb").Table(name))
        customer = Customer(
            customer_id="c_1",
            bank_customer_id="BANK-1",
            phone="+375291112233",
            language="en",
            referral_code="REF23456",
            created_at=AT,
        )
        repository.create(customer, TELEGRAM)
        yield repository


def test_the_announcement_tells_the_time_in_english_with_slashes(customers: CustomersRepository) -> None:
    viber = customers.link_identity("c_1", VIBER, AT)
    assert viber is not None

    message, _ = bindings.announcement("en", viber)

    assert message.text == text("chats.announced", "en", messenger="Viber", when="01/03/2025 12:30 (UTC+03:00)")


def test_this_wasnt_me_tells_when_the_chat_was_bound_in_english(customers: CustomersRepository) -> None:
    viber = customers.link_identity("c_1", VIBER, AT + timedelta(hours=1))
    assert viber is not None
    forgotten: list[str] = []

    disowned = bindings.this_wasnt_me(
        DisownChatRequest(customer_id="c_1", chat_key="telegram:t-1", ref=viber.binding_id, language="en"),
        repository=customers,
        forget_session=forgotten.append,
    )

    assert (disowned.messenger, disowned.bound) == ("Viber", "01/03/2025 13:30 (UTC+03:00)")
    assert forgotten == ["viber:v-1"]


def test_the_real_forgetter_drops_the_chats_conversation(customers: CustomersRepository) -> None:
    sessions = SessionRepository("sessions")
    for chat_key in ("viber:v-1", "telegram:t-1"):
        sessions.save(Session(chat_key=chat_key, customer_id="c_1", session_token="t"))

    bindings._forget_session("viber:v-1")

    assert sessions.get("viber:v-1") is None
    assert sessions.get("telegram:t-1") is not None


@pytest.mark.parametrize(
    ("why_not", "sent"),
    [pytest.param("", True, id="delivered"), pytest.param("blocked", False, id="the chat blocked the bot")],
)
def test_the_real_sender_hands_the_notice_to_the_notices_context(
    monkeypatch: pytest.MonkeyPatch, why_not: str, sent: bool
) -> None:
    messages = object()
    asked: list[tuple[Any, ...]] = []

    def send_notice(chat: ChatRef, message: OutboundMessage, outside: OutsideWindow, *, messages: Any) -> str:
        asked.append((chat, message, outside, messages))
        return why_not

    monkeypatch.setattr(messenger_bank.channels, "message_api", lambda: messages)
    monkeypatch.setattr(messenger_bank.notices.service, "send_notice", send_notice)
    chat = ChatRef(channel="viber", chat_id="v-1")
    viber = Binding(binding_id="b_" + "a" * 20, customer_id="c_1", identity=VIBER, bound_at=AT)
    message, outside = bindings.announcement("en", viber)

    assert bindings._send(chat, message, outside) is sent
    assert asked == [(chat, message, outside, messages)]
