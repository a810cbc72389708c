"""Card issuance step: the digital card, one per customer (a Lambda; see onboarding/service.py).

Apart from the application's steps so that only this step's function loads the programme's terms (read from
YAML), and from the card's picture (onboarding/picture.py) so that it loads no picture models (issue 20).
"""

from __future__ import annotations

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import IssueCardRequest
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import Card
from messenger_bank.money import format_money
from messenger_bank.observability import logger, metrics
from messenger_bank.onboarding.models import IssuanceState, IssuedCardView
from messenger_bank.programs.terms import format_percent, programs
from messenger_bank.types import Language

VIRTUAL_PRODUCT = "visa-digital"


def _cashback_range(language: Language) -> dict[str, str]:
    """The programme's lowest and highest cashback rates, for the card-issued message."""
    lowest, highest = programs().rate_range()
    return {"cashback_from": format_percent(lowest, language), "cashback_to": format_percent(highest, language)}


def warm_issuing() -> None:
    """IssueVirtualCard's first-call costs, ahead (a journey's warm-up): Cerberus' and the core's clients, the bank's
    token, the customers' table, the catalogue the card's terms are worded from."""
    from messenger_bank.tables import customers_table

    bank.warm(bank.cerberus_client, bank.core_client, token=True)
    customers_table()
    text("issuance.no_credit_line", "ru")


def issue_virtual_card(state: IssuanceState) -> IssuanceState:
    """One digital card per customer: the bank's idempotency key is the customer, not the application,
    so two applications of one person (two messengers, a double press) get the same card.

    The card's account is opened with the credit limit Cerberus's scoring grants; a refused scoring
    still gives the card, a debit one (limit 0)."""
    if state.customer_id is None:
        raise ValueError("issue_virtual_card needs the registered customer")
    customer = customers.customer_by_id(state.customer_id)
    scoring = bank.score_credit(customer.bank_customer_id)
    logger.info("credit scored", extra={"customer_id": customer.customer_id, "decision": scoring.decision})
    issued = bank.issue_virtual_card(
        IssueCardRequest(
            customer_id=customer.bank_customer_id,
            product=VIRTUAL_PRODUCT,
            credit_limit=scoring.credit_limit,
            idempotency_key=f"virtual-card-{customer.bank_customer_id}",
        )
    )
    customers.record_card(
        Card(
            card_id=issued.card_id,
            customer_id=customer.customer_id,
            mask=issued.masked_pan,
            kind="virtual",
            scheme="visa",
            expiry=issued.expiry,
            issued_at=customer.created_at,
        )
    )
    metrics.add_metric(name="CardsIssued", unit="Count", value=1)
    card = IssuedCardView(
        card_id=issued.card_id,
        mask=issued.masked_pan,
        expiry=issued.expiry,
        product=issued.product,
        cashback_category=issued.cashback_category,
        credit_limit=issued.credit_limit,
        credit_line=credit_line(issued.credit_limit, scoring.currency, state.language),
        **_cashback_range(state.language),
    )
    return state.model_copy(update={"card": card})


def credit_line(limit: int, currency: str, language: Language) -> str:
    """What the card-issued message says of the credit: the limit granted, or that the card is a debit one."""
    if not limit:
        return text("issuance.no_credit_line", language)
    return text("issuance.credit_line", language, limit=format_money(limit, currency, language))
