"""Card services: a one-time link to the PIN, card details or bank-password page (operation create_secure_link).

Apart from the other card operations (cards/service.py) because a link is a signed token: the links' module, its
signing key's reader and the chat's binding load only in the functions that make one (this operation, sign-in), not
in every card function's init (issue 20).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from messenger_bank.banking import service as bank
from messenger_bank.cards.models import CreateSecureLinkRequest, SecureLinkResult
from messenger_bank.cards.service import CoreBank, _customer, owned_card
from messenger_bank.cards.settings import CardsSettings, cards_settings
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import CardBlocked
from messenger_bank.observability import logger
from messenger_bank.security import links
from messenger_bank.security.errors import NotYourCard

LINK_PURPOSES: Final[dict[str, links.LinkPurpose]] = {
    "pin": "change_pin",
    "password": "change_password",
    "confirm": "confirm_password",
    "card": "confirm_card",
    "details": "show_card_details",
}


def create_secure_link(
    request: CreateSecureLinkRequest,
    *,
    core: CoreBank | None = None,
    customers: CustomersRepository | None = None,
    settings: CardsSettings | None = None,
    key: bytes | None = None,
    now: datetime | None = None,
) -> SecureLinkResult:
    """A one-time link to the PIN or card details page (for one of the customer's cards) or the bank-password page.

    The link's token names the customer, the channel and chat, the purpose and the card (signed: the page
    acts on no other card), and the page checks the card's owner again before it sets a PIN or shows the card.
    A blocked card's details are not shown (``CardBlocked``, before a link is made).
    """
    customers = customers or CustomersRepository()
    if not request.chat_key.startswith(f"{request.channel}:"):
        raise NotYourCard("the link is asked for another chat")
    page = (settings or cards_settings()).page_url().rstrip("/") + f"/{request.purpose}"
    purpose = LINK_PURPOSES[request.purpose]
    if purpose in links.CARD_LINKS:
        _, card = owned_card(request.customer_id, request.card_id, core=core or bank.core_client(), customers=customers)
        if request.purpose == "details" and card.status != "active":
            raise CardBlocked("a blocked card's details are not shown")
    else:
        _customer(request.customer_id, customers)
    minutes = (settings or cards_settings()).secure_link_minutes
    url = links.make_link(
        page,
        request.customer_id,
        request.chat_key,
        purpose,
        ttl=timedelta(minutes=minutes),
        card_id=request.card_id if purpose in links.CARD_LINKS else None,
        key=key,
        now=now,
    )
    logger.info("secure link made", extra={"customer_id": request.customer_id, "purpose": request.purpose})
    return SecureLinkResult(url=url, expires_in=minutes * 60)
