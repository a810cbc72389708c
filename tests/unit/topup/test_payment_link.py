"""AwaitPayment (`park_topup_wait`): the wait is parked under `<top-up>:acquirer` before the payment link goes to
the customer's chat as a URL button in their language; a chat that cannot be written to is reported, not an
error; without a link nothing is parked and nothing is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from messenger_bank.channels.client import RecipientUnavailable
from messenger_bank.channels.models import ChatRef, OutboundMessage, SentMessage
from messenger_bank.topup.link import park_topup_wait
from messenger_bank.topup.models import LinkSent, ParkTopUpRequest
from tests.unit.topup.test_topup import TOPUP_ID

LINK = "https://acquirer.example/pay/pay_1"
CHAT = ChatRef(channel="telegram", chat_id="42")


@dataclass
class Chat:
    """What happened, in order: a wait parked, a message sent; the chat answers as the platform would."""

    reachable: bool = True
    events: list[tuple[str, Any]] = field(default_factory=list)

    def park(self, reference: str, task_token: str, *, chat_key: str) -> None:
        self.events.append(("parked", (reference, task_token, chat_key)))

    def send(self, chat: ChatRef, message: OutboundMessage) -> SentMessage | RecipientUnavailable:
        self.events.append(("sent", (chat, message)))
        if not self.reachable:
            return RecipientUnavailable(chat=chat, reason="blocked")
        return SentMessage(chat=chat, message_ids=("m1",))

    @property
    def sent(self) -> list[OutboundMessage]:
        return [what[1] for kind, what in self.events if kind == "sent"]


def request(**changes: Any) -> ParkTopUpRequest:
    valid: dict[str, Any] = {
        "customer_id": "cus-1",
        "amount_minor": 2_500,
        "currency": "BYN",
        "chat_key": "telegram:42",
        "language": "en",
        "topup_id": TOPUP_ID,
        "card_id": "card-1",
        "mask": "•• 0001",
        "amount": "25.00 BYN",
        "payment_id": "pay_1",
        "payment_url": LINK,
        "task_token": "token-1",
    }
    return ParkTopUpRequest.model_validate({**valid, **changes})


def await_payment(chat: Chat, **changes: Any) -> LinkSent:
    return park_topup_wait(request(**changes), park=chat.park, messages=chat)  # type: ignore[arg-type]


def test_the_wait_is_parked_under_the_top_up_and_its_chat_before_the_link_is_sent() -> None:
    chat = Chat()

    await_payment(chat)

    assert [kind for kind, _ in chat.events] == ["parked", "sent"]
    assert chat.events[0] == ("parked", (f"{TOPUP_ID}:acquirer", "token-1", "telegram:42"))
    assert chat.events[1][1][0] == CHAT


def test_the_link_is_one_pay_button_under_the_amount_and_card_in_the_customers_language() -> None:
    chat = Chat()

    await_payment(chat)

    [message] = chat.sent
    assert message.text.startswith("Top-up of the card •• 0001 by 25.00 BYN.")
    [[button]] = message.buttons
    assert (button.label, button.url) == ("💳 Pay", LINK)


@pytest.mark.parametrize(("language", "label"), [("ru", "💳 Оплатить"), ("be", "💳 Аплаціць")])
def test_the_link_speaks_the_customers_language(language: str, label: str) -> None:
    chat = Chat()

    await_payment(chat, language=language)

    [message] = chat.sent
    assert message.buttons[0][0].label == label
    assert "•• 0001" in message.text and "25.00 BYN" in message.text and "Top-up" not in message.text


@pytest.mark.parametrize(("reachable", "delivered"), [(True, True), (False, False)])
def test_the_answer_says_under_which_reference_it_waits_and_whether_the_link_arrived(
    reachable: bool, delivered: bool
) -> None:
    assert await_payment(Chat(reachable=reachable)) == LinkSent(reference=f"{TOPUP_ID}:acquirer", delivered=delivered)


def test_without_a_payment_link_nothing_is_parked_and_nothing_is_sent() -> None:
    chat = Chat()

    with pytest.raises(ValueError, match="payment link"):
        await_payment(chat, payment_url=None)
    assert chat.events == []
