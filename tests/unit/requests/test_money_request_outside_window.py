"""A payer who has not written for a day gets the money request as its approved template (WhatsApp) or with its
Messenger tag: the template's fields are who asks and for how much, its two quick replies pay or decline this
request, and it is an account update (money asked of them). Names as the templates file submitted to Meta has them
(notices/whatsapp_templates.json: mb_money_request_incoming, with the parameters requester and amount)."""

from __future__ import annotations

from dataclasses import dataclass, field

from messenger_bank.channels.models import ChatRef, OutboundMessage, OutsideWindow, SentMessage
from tests.unit.requests.conftest import World
from tests.unit.requests.test_money_request_messages import REQUESTER_SHOWN, Chats, ask, speaks


@dataclass
class QuietChats(Chats):
    """The payer's chats, its window closed: what would go out instead of the free message is kept."""

    outside: list[OutsideWindow | None] = field(default_factory=list)

    def send_notice(
        self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow, *, window_open: bool
    ) -> tuple[SentMessage, str]:
        self.outside.append(outside)
        return SentMessage(chat=chat, message_ids=("m1",)), "template"


def test_a_payer_outside_the_window_gets_the_requests_template_with_its_two_answers(world: World) -> None:
    speaks(world, "c_1", "be")
    chats = QuietChats()

    asked = ask(world, chats)

    [outside] = chats.outside
    assert outside is not None
    assert (outside.template, outside.language, outside.tag) == ("mb_money_request_incoming", "be_BY", "ACCOUNT_UPDATE")
    assert outside.parameters == {"requester": REQUESTER_SHOWN, "amount": "12.34 BYN"}
    assert outside.button_payloads == (
        f"g:go:money_request:open:pay.{asked.request_id}",
        f"g:go:money_request:open:decline.{asked.request_id}",
    )
