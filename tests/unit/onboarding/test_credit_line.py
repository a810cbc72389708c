"""Card issuance asks Cerberus's scoring for the credit limit and opens the card's account with it; a
refused scoring still gives the card, a debit one; the card-issued message says which."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.onboarding.issuance import issue_virtual_card
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.registration import register_customer
from messenger_bank.onboarding.service import verify_applicant

from .conftest import HIGH_CREDIT_LIMIT, Bank, form
from .test_card_issuance_steps import applied

NBSP = "\u00a0"


def issued(bank: Bank, limit: int | None, language: str = "en") -> IssuanceState:
    registered = register_customer(verify_applicant(applied(form()))).model_copy(update={"language": language})
    if limit is not None:
        bank.cerberus.credit_limits[bank.core.customers[form().personal_id]] = limit
    return issue_virtual_card(registered)


@pytest.mark.parametrize(
    ("case", "limit", "opened", "line"),
    [
        ("a high limit", None, HIGH_CREDIT_LIMIT, f"Credit line: 1,000.00{NBSP}BYN, ready to spend."),
        ("a low limit", 10_000, 10_000, f"Credit line: 100.00{NBSP}BYN, ready to spend."),
        ("the smallest limit", 1, 1, f"Credit line: 0.01{NBSP}BYN, ready to spend."),
        ("a refused scoring", 0, 0, "A debit card: no credit line could be opened for now; top it up to spend."),
    ],
)
def test_the_account_is_opened_with_the_limit_the_scoring_grants_and_the_message_says_it(
    table: Any, bank: Bank, case: str, limit: int | None, opened: int, line: str
) -> None:
    state = issued(bank, limit)

    assert state.card is not None, case
    (card,) = bank.core.cards.values()
    assert (card.credit_limit, state.card.credit_limit, state.card.credit_line) == (opened, opened, line), case


def test_the_credit_line_is_told_in_the_journeys_language(table: Any, bank: Bank) -> None:
    state = issued(bank, None, language="ru")

    assert state.card is not None
    assert state.card.credit_line == f"Кредитный лимит: 1{NBSP}000,00{NBSP}BYN, можно тратить сразу."


def test_a_retried_issuance_scores_again_and_gets_the_same_card(table: Any, bank: Bank) -> None:
    registered = register_customer(verify_applicant(applied(form())))

    first, again = issue_virtual_card(registered), issue_virtual_card(registered)

    assert first.card == again.card and len(bank.core.cards) == 1
