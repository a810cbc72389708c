"""Notices against the strict fake platforms: WhatsApp's and Messenger's 24 h windows, WhatsApp's
approved templates, Messenger's tags, and another bound messenger when a chat cannot be reached.

Each case changes one thing from a customer who wrote on WhatsApp a minute ago (window open) and is
also bound on Telegram. The customers table is moto's; the platforms are the fakes on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from local.platforms import PlatformsServer
from messenger_bank import observability
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.models import ChatRef
from messenger_bank.channels.settings import ChannelSettings
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.notices import service
from messenger_bank.notices.windows import WindowsRepository
from messenger_bank.onboarding.models import NotifyRequest
from tests.integration.platforms.conftest import ALICE, SECRETS
from tests.support.aws import create_table

VALUES: dict[str, str | int] = {"amount": "25.00 BYN", "mask": "•• 4242"}


@dataclass
class World:
    platforms: PlatformsServer
    api: MessageAPI
    customers: CustomersRepository
    windows: WindowsRepository
    counted: list[tuple[str, dict[str, str]]]

    def chat(self, channel: str) -> ChatRef:
        """Alice's chat on `channel`, after she wrote "hi" there (her window opens, on both sides)."""
        sent = self.platforms.send(channel, ALICE, "text", text="hi")
        chat = ChatRef.model_validate({"channel": channel, "chat_id": str(sent["chat_id"])})
        self.windows.customer_wrote(chat.key, datetime.now(UTC))
        return chat

    def bind(self, chat: ChatRef, customer_id: str | None = None) -> str:
        identity = ChannelIdentity(channel=chat.channel, user_id=chat.chat_id, chat_id=chat.chat_id)
        if customer_id is None:
            new = NewCustomer(bank_customer_id="BANK-1", phone=ALICE["phone"], language="en", identity=identity)
            return find_or_create(new, repository=self.customers).customer.customer_id
        self.customers.link_identity(customer_id, identity, datetime.now(UTC))  # bound, not announced here
        return customer_id

    def notify(self, chat: ChatRef, message: str = "transfer.received") -> Any:
        request = NotifyRequest(chat_key=chat.key, language="en", message=message, values=VALUES)
        return service.notify(request, messages=self.api, customers_repository=self.customers, windows=self.windows)

    def shown(self, chat: ChatRef) -> list[dict[str, Any]]:
        """What Alice sees from the bot in that chat (refused messages are not shown)."""
        conversation = self.platforms.store.conversation(chat.channel, chat.chat_id)
        return [m.to_json() for m in conversation if m.sender == "bot"]

    def sent_calls(self, chat: ChatRef) -> list[dict[str, Any]]:
        return [r for r in self.platforms.recorded(chat.channel, chat.chat_id) if r["method"] != "sendChatAction"]


@pytest.fixture
def world(platforms: PlatformsServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    counted: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setattr(service, "count", lambda name, **dimensions: counted.append((name, dimensions)))
    monkeypatch.setattr(observability.metrics, "add_metric", lambda name, unit, value: counted.append((name, {})))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        # Inside moto: a stack prefix another test left in the cached settings finds no secret in SSM.
        config = ChannelSettings(
            telegram_api_base_url=platforms.base_url,
            viber_api_base_url=platforms.base_url,
            meta_graph_api_base_url=platforms.base_url,
            telegram_bot_token=SecretStr(SECRETS.telegram_bot_token),
            viber_auth_token=SecretStr(SECRETS.viber_auth_token),
            whatsapp_access_token=SecretStr(SECRETS.whatsapp_access_token),
            whatsapp_phone_number_id=SECRETS.whatsapp_phone_number_id,
            messenger_page_access_token=SecretStr(SECRETS.messenger_page_access_token),
            max_attempts=1,
        )
        table = boto3.resource("dynamodb").Table(create_table(boto3.client("dynamodb"), "CustomersTable"))
        yield World(platforms, MessageAPI(config), CustomersRepository(table), WindowsRepository(table), counted)


def received(language: str = "en") -> str:
    return text("transfer.received", language, **VALUES)


# --- inside the window ------------------------------------------------------------------------------
def test_inside_the_window_a_whatsapp_notice_is_a_free_message(world: World) -> None:
    chat = world.chat("whatsapp")

    told = world.notify(chat)

    assert (told.delivered, told.outcome) == (True, "sent")
    assert [(m["kind"], m["text"]) for m in world.shown(chat)] == [("interactive", received())]
    assert ("NoticesSent", {"channel": "whatsapp", "route": "free_form"}) in world.counted


def test_inside_the_window_a_messenger_notice_is_an_update_not_a_response(world: World) -> None:
    chat = world.chat("messenger")

    world.notify(chat)

    assert [m["extra"]["messaging_type"] for m in world.shown(chat)] == ["UPDATE"]


# --- after the window -------------------------------------------------------------------------------
def test_after_the_window_a_whatsapp_notice_is_its_approved_template_with_the_menu(world: World) -> None:
    chat = world.chat("whatsapp")
    world.platforms.store.close_window("whatsapp", chat.chat_id)
    world.windows.table.delete_item(Key={"pk": f"WINDOW#{chat.key}", "sk": "WINDOW"})

    told = world.notify(chat)

    assert told.delivered
    [shown] = world.shown(chat)
    assert (shown["kind"], shown["text"]) == ("template", received())
    assert shown["markup"]["name"] == "mb_transfer_received"
    assert [(b["text"], b["payload"]) for b in shown["markup"]["buttons"]] == [(text("nav.menu", "en"), "g:menu")]
    assert ("NoticesSent", {"channel": "whatsapp", "route": "outside_window"}) in world.counted


def test_a_template_names_its_language_as_meta_does_belarusian_as_be_by(world: World) -> None:
    chat = world.chat("whatsapp")
    world.windows.table.delete_item(Key={"pk": f"WINDOW#{chat.key}", "sk": "WINDOW"})
    request = NotifyRequest(chat_key=chat.key, language="be", message="transfer.received", values=VALUES)

    service.notify(request, messages=world.api, customers_repository=world.customers, windows=world.windows)

    [shown] = world.shown(chat)
    assert (shown["markup"]["language"]["code"], shown["text"]) == ("be_BY", received("be"))


def test_a_whatsapp_window_that_closed_unnoticed_loses_the_free_message_on_the_platform(world: World) -> None:
    """The fake is as strict as WhatsApp: a free message after 24 h is accepted, then fails (131047) and
    is never shown. That is why the bank keeps each chat's window itself."""
    chat = world.chat("whatsapp")
    world.platforms.store.close_window("whatsapp", chat.chat_id)  # our record still says open

    world.notify(chat)

    assert world.shown(chat) == []
    assert [r["failed"]["code"] for r in world.sent_calls(chat)] == [131047]


def test_a_messenger_window_that_closed_unnoticed_is_refused_at_once_and_the_tag_goes_out(world: World) -> None:
    chat = world.chat("messenger")
    world.platforms.store.close_window("messenger", chat.chat_id)  # our record still says open

    told = world.notify(chat)

    assert told.delivered
    assert [(m["extra"]["messaging_type"], m["text"]) for m in world.shown(chat)] == [("MESSAGE_TAG", received())]
    assert world.sent_calls(chat)[-1]["body"]["tag"] == "ACCOUNT_UPDATE"


def test_a_plastic_card_status_goes_with_the_post_purchase_tag(world: World) -> None:
    chat = world.chat("messenger")
    world.windows.table.delete_item(Key={"pk": f"WINDOW#{chat.key}", "sk": "WINDOW"})

    world.notify(chat, message="plastic.sent")

    assert world.sent_calls(chat)[-1]["body"]["tag"] == "POST_PURCHASE_UPDATE"


# --- another messenger --------------------------------------------------------------------------------
def test_a_customer_who_blocked_the_bot_on_whatsapp_is_told_on_their_telegram(world: World) -> None:
    whatsapp, telegram = world.chat("whatsapp"), world.chat("telegram")
    world.bind(telegram, world.bind(whatsapp))
    world.platforms.store.blocked.add(("whatsapp", whatsapp.chat_id))

    told = world.notify(whatsapp)

    assert (told.delivered, told.outcome) == (True, "sent_elsewhere")
    assert [m["text"] for m in world.shown(telegram)] == [received()]
    assert ("NoticesRerouted", {"channel": "whatsapp", "to": "telegram"}) in world.counted


def test_a_notice_no_chat_can_take_is_counted_undelivered_never_silent(world: World) -> None:
    whatsapp, telegram = world.chat("whatsapp"), world.chat("telegram")
    world.bind(telegram, world.bind(whatsapp))
    world.platforms.store.blocked.update({("whatsapp", whatsapp.chat_id), ("telegram", telegram.chat_id)})

    told = world.notify(whatsapp)

    assert (told.delivered, told.outcome) == (False, "recipient_unavailable")
    assert ("NoticesUndelivered", {}) in world.counted


def test_a_stranger_who_cannot_be_reached_has_no_other_chat_to_try(world: World) -> None:
    chat = world.chat("whatsapp")  # not bound to any customer
    world.platforms.store.blocked.add(("whatsapp", chat.chat_id))

    told = world.notify(chat)

    assert not told.delivered
    assert ("NoticesUndelivered", {}) in world.counted
