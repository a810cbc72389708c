"""Notices against the strict fake platforms: WhatsApp's and Messenger's 24 h windows, WhatsApp's
approved templates and its late refusal (a failed status webhook), Messenger's tags, Viber's cap of 100
messages an hour without a reply, and another bound messenger when a chat cannot be reached.

Each case changes one thing from a customer who wrote on WhatsApp a minute ago (window open) and is
also bound on Telegram. The customers table is moto's; the platforms are the fakes on a free port."""

from __future__ import annotations

import time
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
from messenger_bank.channels.base import WebhookSecrets
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.models import ChatRef
from messenger_bank.channels.settings import ChannelSettings
from messenger_bank.channels.whatsapp import WhatsAppAdapter
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.notices import service
from messenger_bank.notices.models import NotifyRequest
from messenger_bank.notices.windows import WindowsRepository, customer_wrote
from tests.integration.platforms.conftest import ALICE, SECRETS, Receiver
from tests.support.aws import create_table

VALUES: dict[str, str | int] = {"amount": "25.00 BYN", "mask": "•• 4242"}


@dataclass
class World:
    platforms: PlatformsServer
    api: MessageAPI
    customers: CustomersRepository
    windows: WindowsRepository
    counted: list[tuple[str, dict[str, str]]]
    receiver: Receiver
    logged: list[tuple[str, dict[str, Any]]]

    def chat(self, channel: str) -> ChatRef:
        """Alice's chat on `channel`, after she wrote "hi" there (her window opens, on both sides)."""
        sent = self.platforms.send(channel, ALICE, "text", text="hi")
        chat = ChatRef.model_validate({"channel": channel, "chat_id": str(sent["chat_id"])})
        customer_wrote(chat.channel, chat.key, datetime.now(UTC), repository=self.windows)  # as each turn does
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
def world(platforms: PlatformsServer, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    counted: list[tuple[str, dict[str, str]]] = []
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(service, "count", lambda name, **dimensions: counted.append((name, dimensions)))
    monkeypatch.setattr(service.logger, "warning", lambda message, extra: logged.append((message, extra)))
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
        api, customers, windows = MessageAPI(config), CustomersRepository(table), WindowsRepository(table)
        yield World(platforms, api, customers, windows, counted, receiver, logged)


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


# --- Viber's cap: 100 messages to one user within an hour without a reply -------------------------------
def test_a_viber_chat_the_bank_counts_at_its_cap_gets_nothing_and_the_customers_telegram_the_notice(
    world: World,
) -> None:
    viber, telegram = world.chat("viber"), world.chat("telegram")
    world.bind(telegram, world.bind(viber))
    for _ in range(100):
        world.windows.bot_sent(viber.key, datetime.now(UTC))

    told = world.notify(viber)

    assert (told.delivered, told.outcome) == (True, "sent_elsewhere")
    assert world.sent_calls(viber) == []  # never tried: the bank's own count said no
    assert [m["text"] for m in world.shown(telegram)] == [received()]
    assert ("NoticesRefused", {"channel": "viber", "reason": "cap_reached"}) in world.counted


def test_a_viber_chat_viber_says_is_at_its_cap_gets_the_notice_on_the_customers_telegram(world: World) -> None:
    viber, telegram = world.chat("viber"), world.chat("telegram")
    world.bind(telegram, world.bind(viber))
    world.platforms.store.spend_viber_cap(viber.chat_id)  # the bank's count knows nothing of it

    told = world.notify(viber)

    assert (told.delivered, told.outcome) == (True, "sent_elsewhere")
    assert world.shown(viber) == []
    assert [m["text"] for m in world.shown(telegram)] == [received()]
    assert ("NoticesRefused", {"channel": "viber", "reason": "cap_reached"}) in world.counted


def test_a_viber_chat_at_its_cap_with_no_other_chat_is_counted_undelivered_with_the_reason(world: World) -> None:
    viber = world.chat("viber")
    world.bind(viber)
    world.platforms.store.spend_viber_cap(viber.chat_id)

    told = world.notify(viber)

    assert (told.delivered, told.outcome) == (False, "recipient_unavailable")
    assert ("NoticesUndelivered", {}) in world.counted
    [(_, extra)] = [entry for entry in world.logged if entry[0] == "notice undelivered"]
    assert extra["reasons"] == ["viber: cap_reached: 12: Too many requests"]


def test_a_notice_sent_on_viber_is_counted_toward_its_cap(world: World) -> None:
    viber = world.chat("viber")

    world.notify(viber)
    world.notify(viber)

    item = world.windows.table.get_item(Key={"pk": f"WINDOW#{viber.key}", "sk": "WINDOW"})["Item"]
    assert int(item["bot_sent"]) == 2


def test_the_customers_message_on_viber_opens_the_way_again(world: World) -> None:
    viber = world.chat("viber")
    world.platforms.store.spend_viber_cap(viber.chat_id)
    for _ in range(100):
        world.windows.bot_sent(viber.key, datetime.now(UTC))

    world.chat("viber")  # she writes again: Viber and the bank both count from nothing

    assert world.notify(viber).outcome == "sent"
    assert [m["text"] for m in world.shown(viber)] == [received()]


# --- WhatsApp's late refusal: a failed status webhook ------------------------------------------------------
def status_webhooks(world: World, count: int = 1) -> list[Any]:
    """The failed statuses the fake posted, checked and parsed (a barrier: waits for `count`, up to 10 s)."""
    adapter, secrets = WhatsAppAdapter(), WebhookSecrets(meta_app_secret=SecretStr(SECRETS.meta_app_secret))
    deadline = time.monotonic() + 10
    while True:
        events = []
        for arrival in world.receiver.posts("/webhooks/whatsapp"):
            adapter.verify(arrival.headers, arrival.raw, secrets)  # signed as every WhatsApp webhook
            events.extend(event for event in adapter.parse(arrival.raw) if event.kind == "undelivered")
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.05)


def test_a_free_whatsapp_notice_refused_for_the_closed_window_goes_again_as_its_template(world: World) -> None:
    chat = world.chat("whatsapp")
    world.platforms.store.close_window("whatsapp", chat.chat_id)  # our record still says open
    world.notify(chat)
    [failed] = status_webhooks(world)

    service.platform_refused(failed, messages=world.api, windows=world.windows)

    [shown] = world.shown(chat)
    assert (shown["kind"], shown["text"], shown["markup"]["name"]) == ("template", received(), "mb_transfer_received")
    assert [(b["text"], b["payload"]) for b in shown["markup"]["buttons"]] == [(text("nav.menu", "en"), "g:menu")]
    assert not world.windows.is_open(chat.key, datetime.now(UTC))
    assert ("NoticesSent", {"channel": "whatsapp", "route": "outside_window"}) in world.counted


def test_the_same_refusal_twice_sends_the_template_once(world: World) -> None:
    chat = world.chat("whatsapp")
    world.platforms.store.close_window("whatsapp", chat.chat_id)
    world.notify(chat)
    [failed] = status_webhooks(world)

    service.platform_refused(failed, messages=world.api, windows=world.windows)
    service.platform_refused(failed, messages=world.api, windows=world.windows)

    assert len(world.shown(chat)) == 1


def test_a_refusal_for_another_reason_is_counted_undelivered_and_nothing_is_sent_again(world: World) -> None:
    chat = world.chat("whatsapp")
    world.platforms.store.close_window("whatsapp", chat.chat_id)
    world.notify(chat)
    [failed] = status_webhooks(world)
    other = failed.model_copy(update={"window_closed": False, "refusal": "131026: Message undeliverable"})

    service.platform_refused(other, messages=world.api, windows=world.windows)

    assert world.shown(chat) == []
    assert ("NoticesUndelivered", {}) in world.counted
    [(_, extra)] = [entry for entry in world.logged if entry[0] == "notice undelivered"]
    assert extra["reasons"] == ["whatsapp: 131026: Message undeliverable"]


def test_a_refused_notice_whose_personal_values_were_not_kept_is_counted_undelivered(world: World) -> None:
    chat = world.chat("whatsapp")
    world.platforms.store.close_window("whatsapp", chat.chat_id)
    request = NotifyRequest(
        chat_key=chat.key,
        language="en",
        message="money_request.paid",
        values={"payer": "+375 29 ••• •• 67", "amount": "25.00 BYN"},
    )
    service.notify(request, messages=world.api, customers_repository=world.customers, windows=world.windows)
    [failed] = status_webhooks(world)
    kept = world.windows.table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :notice)",
        ExpressionAttributeValues={":pk": f"WINDOW#{chat.key}", ":notice": "NOTICE#"},
    )["Items"]
    assert "+375 29 ••• •• 67" not in str(kept)

    service.platform_refused(failed, messages=world.api, windows=world.windows)

    assert world.shown(chat) == []
    assert ("NoticesUndelivered", {}) in world.counted


def test_a_refusal_of_a_message_that_is_no_notice_sends_nothing_and_counts_nothing(world: World) -> None:
    chat = world.chat("whatsapp")
    world.platforms.store.close_window("whatsapp", chat.chat_id)
    world.notify(chat)
    [failed] = status_webhooks(world)
    stranger = failed.model_copy(update={"message_id": "wamid.not-a-notice"})

    service.platform_refused(stranger, messages=world.api, windows=world.windows)

    assert world.shown(chat) == []
    assert ("NoticesUndelivered", {}) not in world.counted


# --- the live receipt: "in progress", then the receipt edits it where the platform can ----------------
RECEIPT_VALUES: dict[str, str | int] = {
    "amount": "50.00 BYN",
    "mask": "•• 1111",
    "fee": "0.50 BYN",
    "total": "50.50 BYN",
}
PICTURE = "https://receipts.example.com/r/tr_1.png"


def notified(world: World, chat: ChatRef, message: str, **fields: Any) -> Any:
    """A journey's notice step, in English, through the world's platforms and tables."""
    request = NotifyRequest(chat_key=chat.key, language="en", message=message, **fields)
    return service.notify(request, messages=world.api, customers_repository=world.customers, windows=world.windows)


def in_progress(world: World, chat: ChatRef) -> Any:
    return notified(world, chat, "transfer.sent", menu=False)


def receipt(world: World, chat: ChatRef, edit_message_id: str | None, picture_url: str | None = None) -> Any:
    return notified(
        world, chat, "transfer.done", values=RECEIPT_VALUES, picture_url=picture_url, edit_message_id=edit_message_id
    )


def test_on_telegram_the_receipt_edits_the_in_progress_message(world: World) -> None:
    chat = world.chat("telegram")
    started = in_progress(world, chat)
    told = receipt(world, chat, started.message_id)
    assert (told.outcome, told.message_id) == ("edited", started.message_id)
    shown = world.shown(chat)
    assert [(m["id"], m["text"], m["edited"]) for m in shown] == [
        (started.message_id, text("transfer.done", "en", **RECEIPT_VALUES), True)
    ]
    edits = [r for r in world.sent_calls(chat) if r["method"] == "editMessageText"]
    assert [str(r["message_id"]) for r in edits] == [started.message_id]


def test_on_telegram_the_receipts_picture_follows_the_edited_words(world: World) -> None:
    chat = world.chat("telegram")
    started = in_progress(world, chat)
    told = receipt(world, chat, started.message_id, picture_url=PICTURE)
    assert told.outcome == "edited"
    shown = world.shown(chat)
    assert [(m["id"] == started.message_id, m["kind"]) for m in shown] == [(True, "text"), (False, "photo")]
    assert shown[0]["text"] == text("transfer.done", "en", **RECEIPT_VALUES)
    assert shown[1]["media"]["url"] == PICTURE


def test_on_viber_which_cannot_edit_the_receipt_is_a_new_message(world: World) -> None:
    chat = world.chat("viber")
    started = in_progress(world, chat)
    # Nothing to edit later, so no id kept in the journey's state: a Viber token is a 19-digit number.
    assert started.delivered and started.message_id is None
    told = receipt(world, chat, started.message_id)
    assert told.outcome == "sent" and told.message_id is None
    assert [m["text"] for m in world.shown(chat)] == [
        text("transfer.sent", "en"),
        text("transfer.done", "en", **RECEIPT_VALUES),
    ]


def test_on_telegram_an_edit_refused_the_message_gone_sends_the_receipt_as_a_new_message(world: World) -> None:
    chat = world.chat("telegram")
    started = in_progress(world, chat)
    gone = world.platforms.store.find_message("telegram", chat.chat_id, started.message_id)
    assert gone is not None
    gone.deleted = True  # the customer deleted it: Telegram answers "message to edit not found"
    told = receipt(world, chat, started.message_id)
    assert told.outcome == "sent" and told.message_id != started.message_id
    assert [m["text"] for m in world.shown(chat) if not m["deleted"]][-1] == text(
        "transfer.done", "en", **RECEIPT_VALUES
    )


def test_on_telegram_a_receipt_with_no_message_to_edit_is_a_new_message(world: World) -> None:
    chat = world.chat("telegram")
    in_progress(world, chat)
    told = receipt(world, chat, None)
    assert told.outcome == "sent"
    assert [m["edited"] for m in world.shown(chat)] == [False, False]


def test_outside_whatsapps_window_the_receipt_for_an_in_progress_message_is_its_template(world: World) -> None:
    chat = world.chat("whatsapp")
    started = in_progress(world, chat)
    world.windows.close(chat.key, datetime.now(UTC))
    told = receipt(world, chat, started.message_id)
    assert told.outcome == "sent"
    assert world.sent_calls(chat)[-1]["body"]["type"] == "template"


def test_on_telegram_a_receipt_repeated_by_a_retry_is_not_sent_twice(world: World) -> None:
    chat = world.chat("telegram")
    started = in_progress(world, chat)
    receipt(world, chat, started.message_id)
    again = receipt(world, chat, started.message_id)  # Telegram: "message is not modified"
    assert again.outcome == "edited"
    assert len(world.shown(chat)) == 1


def debited(world: World, chat: ChatRef, edit_message_id: str | None) -> Any:
    """The transfer's middle stage, said only by editing the "in progress" message."""
    values = {"mask": RECEIPT_VALUES["mask"], "total": RECEIPT_VALUES["total"]}
    return notified(world, chat, "transfer.debited", values=values, edit_message_id=edit_message_id, edit_only=True)


def test_on_telegram_the_in_progress_message_says_each_stage_then_the_receipt(world: World) -> None:
    chat = world.chat("telegram")
    started = in_progress(world, chat)

    stage = debited(world, chat, started.message_id)
    after_stage = [m["text"] for m in world.shown(chat)]
    told = receipt(world, chat, started.message_id)

    assert (stage.outcome, told.outcome) == ("edited", "edited")
    stage_words = text("transfer.debited", "en", mask=RECEIPT_VALUES["mask"], total=RECEIPT_VALUES["total"])
    assert after_stage == [stage_words]
    assert [m["text"] for m in world.shown(chat)] == [text("transfer.done", "en", **RECEIPT_VALUES)]
    edits = [r for r in world.sent_calls(chat) if r["method"] == "editMessageText"]
    assert [str(r["message_id"]) for r in edits] == [started.message_id] * 2


@pytest.mark.parametrize("channel", ["viber", "whatsapp", "messenger"])
def test_where_a_message_cannot_be_edited_a_stage_sends_nothing(world: World, channel: str) -> None:
    chat = world.chat(channel)
    started = in_progress(world, chat)
    calls = len(world.sent_calls(chat))

    stage = debited(world, chat, started.message_id)

    assert (stage.delivered, stage.outcome) == (False, "not_edited")
    assert len(world.sent_calls(chat)) == calls
    assert [m["text"] for m in world.shown(chat)] == [text("transfer.sent", "en")]


def test_on_telegram_a_stage_whose_message_is_gone_sends_nothing(world: World) -> None:
    chat = world.chat("telegram")
    started = in_progress(world, chat)
    gone = world.platforms.store.find_message("telegram", chat.chat_id, started.message_id)
    assert gone is not None
    gone.deleted = True

    stage = debited(world, chat, started.message_id)

    assert stage.outcome == "not_edited"
    assert [m for m in world.shown(chat) if not m["deleted"]] == []
