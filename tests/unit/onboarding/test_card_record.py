"""IssueVirtualCard: the card the bank issued is kept as the customer's virtual Visa, issued when the customer was
registered, shown by its mask; one issued card is counted once for the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.onboarding.issuance import issue_virtual_card
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.registration import register_customer
from messenger_bank.onboarding.service import save_application, verify_applicant

from .conftest import Bank, form

Metrics = Callable[[], dict[str, tuple[str, float]]]


def registered() -> IssuanceState:
    application = form()
    saved = save_application(application)
    state = IssuanceState(application_id=saved.application_id, chat_key=application.chat_key)
    return register_customer(verify_applicant(state))


def test_the_issued_card_is_kept_as_the_customers_virtual_visa_from_their_registration(
    table: Any, bank: Bank, customers: CustomersRepository
) -> None:
    state = registered()
    assert state.customer_id is not None
    customer = customers.get(state.customer_id)
    assert customer is not None

    issued = issue_virtual_card(state)

    [kept] = customers.cards(state.customer_id)
    assert (kept.card_id, kept.mask, kept.expiry) == ("card-1", "411111******1111", "12/29")
    assert (kept.kind, kept.scheme, kept.status, kept.issued_at) == ("virtual", "visa", "active", customer.created_at)
    assert issued.card is not None and (issued.card.card_id, issued.card.mask) == ("card-1", "411111******1111")


def test_an_issued_card_is_counted_once(table: Any, bank: Bank, emitted_metrics: Metrics) -> None:
    state = registered()
    assert "CardsIssued" not in emitted_metrics()

    issue_virtual_card(state)

    assert emitted_metrics().get("CardsIssued") == ("Count", 1.0)
