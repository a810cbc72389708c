"""Top-up, step 2 (statemachines/topup.asl.yaml, AwaitPayment): the wait is parked, then the payment link goes to
the chat. The one top-up step that writes to a chat: apart from topup/service.py so that the start, the credit and
the acquirer's callback load no messenger's client (issue 20)."""

from __future__ import annotations

from collections.abc import Callable

from messenger_bank.channels import message_api
from messenger_bank.channels.client import MessageAPI, RecipientUnavailable
from messenger_bank.channels.models import Button, OutboundMessage
from messenger_bank.conversation.catalogue import text
from messenger_bank.journeys import service as journeys
from messenger_bank.notices.service import chat_of
from messenger_bank.observability import logger
from messenger_bank.topup.models import LinkSent, ParkTopUpRequest


def park_topup_wait(
    request: ParkTopUpRequest,
    *,
    park: Callable[..., None] = journeys.park,
    messages: MessageAPI | None = None,
) -> LinkSent:
    """Park the token, then send the payment link as a URL button (3-D Secure happens on that page)."""
    if request.payment_url is None:
        raise ValueError("AwaitPayment needs the payment link")
    park(request.reference, request.task_token, chat_key=request.chat_key)
    message = OutboundMessage(
        text=text("topup.link", request.language, amount=request.amount, mask=request.mask),
        buttons=((Button(label=text("topup.pay_button", request.language), url=request.payment_url),),),
    )
    result = (messages or message_api()).send(chat_of(request.chat_key), message)
    delivered = not isinstance(result, RecipientUnavailable)
    logger.info("top-up waits for the acquirer", extra={"reference": request.reference, "delivered": delivered})
    return LinkSent(reference=request.reference, delivered=delivered)
