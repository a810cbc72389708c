"""Notices the platform refuses after the bank has decided to send them, through the whole local cloud:
WhatsApp accepts a free-form notice after the customer's 24 h window and refuses it later in a signed
`failed` status webhook (131047), so the bank sends it again as its approved template; Viber refuses the
101st message to a user within an hour without a reply, so the notice goes to the customer's Telegram.
The notice is a plastic card's status (core banking's event, posted by the test)."""

from __future__ import annotations

import time

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, Person, onboard, since
from tests.e2e.test_bound_chats import sign_in_on_viber
from tests.e2e.test_plastic_card import advance_at_the_bank, bank_token, order_to_the_address, tracked_order
from tests.e2e.test_sign_in import after, new_customer

pytestmark = pytest.mark.e2e

PRODUCED = "изготовлена"


def post_event(cloud: LocalCloud, order_id: str, status: str) -> None:
    """What core banking pushes on a status change; patient, as the events function may start cold here."""
    assert cloud.api is not None
    answer = httpx.post(
        f"{cloud.api.base_url}/internal/plastic-events",
        json={"order_id": order_id, "status": status},
        headers={"Authorization": f"Bearer {bank_token(cloud)}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text


def window_until(cloud: LocalCloud, chat: Chat) -> int:
    """When the bank's record says the chat's 24 h window closes (epoch seconds)."""
    assert cloud.stack is not None
    item = cloud.client("dynamodb").get_item(
        TableName=str(cloud.stack.physical["CustomersTable"]),
        Key={"pk": {"S": f"WINDOW#{chat.chat_key}"}, "sk": {"S": "WINDOW"}},
        ConsistentRead=True,
    )["Item"]
    return int(item["open_until"]["N"])


def test_a_whatsapp_notice_refused_late_for_the_closed_window_comes_again_as_its_template(cloud: LocalCloud) -> None:
    person = Person()
    chat = Chat(cloud, "whatsapp", f"79{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")
    chat.press("Меню")
    chat.wait_for("Что вы хотите сделать?")
    order_to_the_address(chat)
    order_id = tracked_order(cloud, chat)["order_id"]
    assert advance_at_the_bank(cloud, order_id) == "produced"
    # WhatsApp's clock says a day has passed; the bank's record of the window still says open.
    cloud.platforms.platforms.store.close_window("whatsapp", chat.chat_id)
    assert window_until(cloud, chat) > time.time()
    before = len(chat.messages())

    post_event(cloud, order_id, "produced")

    told = since(chat, before, PRODUCED, timeout_s=40)
    assert (told["kind"], told["markup"]["name"]) == ("template", "mb_plastic_produced")
    refused = [r for r in cloud.platforms.recorded("whatsapp", chat.chat_id) if r.get("failed")]
    assert [(r["failed"]["code"], r["failed"]["webhook_status"]) for r in refused] == [(131047, 200)]
    assert window_until(cloud, chat) <= time.time()  # WhatsApp's word closed the bank's record too
    assert sum(PRODUCED in str(m.get("text") or "") for m in chat.messages()) == 1


def test_a_viber_chat_at_vibers_cap_gets_nothing_and_the_customers_telegram_the_notice(cloud: LocalCloud) -> None:
    telegram, person, _, expiry = new_customer(cloud, "telegram", prefix="93")
    viber = sign_in_on_viber(cloud, person, expiry, prefix="94")
    telegram.wait_for("только что вошли в Viber")
    after(viber, lambda: viber.say("меню"), "Что вы хотите сделать?")
    order_to_the_address(viber)
    order_id = tracked_order(cloud, viber)["order_id"]
    assert advance_at_the_bank(cloud, order_id) == "produced"
    # As if 100 messages had gone to the Viber chat within the hour without a reply (the bank never counted them).
    cloud.platforms.platforms.store.spend_viber_cap(viber.chat_id)
    mark = viber.mark()
    before = len(telegram.messages())

    post_event(cloud, order_id, "produced")

    since(telegram, before, PRODUCED, timeout_s=40)
    shown = viber.barrier(mark)  # the barrier is the customer writing: Viber's count starts again after it
    assert not any(PRODUCED in said for said in shown.texts), shown.texts
    refused = [r for r in cloud.platforms.recorded("viber", viber.chat_id) if PRODUCED in str(r["body"])]
    assert refused == []  # Viber refused it: nothing was accepted, nothing shown
