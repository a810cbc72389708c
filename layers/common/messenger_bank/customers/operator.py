"""An operator's masked view of one customer (GET /internal/customers/{customer_id}), with no personal data.

Cards appear as masks (first six / last four at most, as stored), channels by name only (no messenger
ids), no phone, name, passport or personal number. The caller is the operator the Keycloak authorizer let
through (``HttpRequest.caller``); a request that did not pass the authorizer is refused here too, so a
route wired without it fails closed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import cards_of, customer_by_id
from messenger_bank.errors import CustomerNotFound
from messenger_bank.http import HttpAnswer, json_answer
from messenger_bank.observability import logger
from messenger_bank.types import Channel, Language, MaskedPan

_CUSTOMER_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class MaskedCard(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    card_id: str
    mask: MaskedPan
    kind: str
    scheme: str
    status: str
    issued_at: datetime


class OperatorView(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: str
    bank_customer_id: str
    language: Language
    created_at: datetime
    channels: list[Channel]
    cards: list[MaskedCard]


def operator_view(customer_id: str, repository: CustomersRepository | None = None) -> OperatorView:
    repository = repository or CustomersRepository()
    customer = customer_by_id(customer_id, repository=repository)
    return OperatorView(
        customer_id=customer.customer_id,
        bank_customer_id=customer.bank_customer_id,
        language=customer.language,
        created_at=customer.created_at,
        channels=sorted({identity.channel for identity in repository.identities(customer_id)}),
        cards=[
            MaskedCard(
                card_id=card.card_id,
                mask=card.mask,
                kind=card.kind,
                scheme=card.scheme,
                status=card.status,
                issued_at=card.issued_at,
            )
            for card in cards_of(customer_id, repository=repository)
        ],
    )


def lookup(operator: str, customer_id: str, repository: CustomersRepository | None = None) -> HttpAnswer:
    """``GET /internal/customers/{customer_id}`` by ``operator`` (who the authorizer let through) → the masked view."""
    if not operator:
        return json_answer(403, {"message": "Forbidden"}, cache_control="no-store")
    if not _CUSTOMER_ID.match(customer_id):
        return json_answer(400, {"message": "malformed customer id"}, cache_control="no-store")
    try:
        view = operator_view(customer_id, repository)
    except CustomerNotFound:
        return json_answer(404, {"message": "Not Found"}, cache_control="no-store")
    logger.info("operator lookup", extra={"operator": operator, "customer_id": customer_id})
    return json_answer(200, view.model_dump(mode="json"), cache_control="no-store")
