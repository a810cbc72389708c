"""The card-issued message promises the cashback the programme gives: from its lowest rate to its highest
(categories, enabled partners and their offers in terms.yaml), never the "1 % on everything" it once said."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from messenger_bank.conversation.catalogue import text
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.onboarding.issuance import issue_virtual_card
from messenger_bank.onboarding.models import ApplicationForm, IssuanceState
from messenger_bank.onboarding.registration import register_customer
from messenger_bank.onboarding.service import (
    save_application,
    verify_applicant,
)
from messenger_bank.programs.settings import DEFAULT_PROGRAMS_FILE
from messenger_bank.programs.terms import load_programs

from .conftest import Bank, form


def rates_in_the_document() -> list[Decimal]:
    """Every rate terms.yaml gives, read as plain YAML (not through the programme's loader)."""
    document = yaml.safe_load(DEFAULT_PROGRAMS_FILE.read_text(encoding="utf-8"))
    rates = [Decimal(str(c["rate_percent"])) for c in document["categories"].values()]
    for partner in document["partners"].values():
        if partner.get("enabled", True):
            rates += [Decimal(str(r)) for r in partner["rates"].values()]
            rates += [Decimal(str(o["cashback_percent"])) for o in partner.get("offers", [])]
    return rates


def applied(application: ApplicationForm) -> IssuanceState:
    saved = save_application(application)
    return IssuanceState(application_id=saved.application_id, chat_key=application.chat_key)


def test_the_issued_card_carries_the_programmes_lowest_and_highest_rate(
    table: Any, bank: Bank, customers: CustomersRepository
) -> None:
    issued = issue_virtual_card(register_customer(verify_applicant(applied(form()))))

    rates = rates_in_the_document()
    assert issued.card is not None
    assert (issued.card.cashback_from, issued.card.cashback_to) == (f"{min(rates)} %", f"{max(rates)} %")
    assert (issued.card.cashback_from, issued.card.cashback_to) == ("2 %", "33 %")


@pytest.mark.parametrize("language", ["ru", "be", "en"])
def test_the_card_issued_message_says_the_range_and_no_flat_rate(language: str) -> None:
    said = text(
        "issuance.card_issued", language, mask="•• 0017", expiry="03/31", cashback_from="2 %", cashback_to="33 %"
    )

    assert "2 %" in said and "33 %" in said
    assert "1 %" not in said


def test_a_disabled_partners_rates_are_not_promised() -> None:
    document = yaml.safe_load(DEFAULT_PROGRAMS_FILE.read_text(encoding="utf-8"))
    assert load_programs(document).rate_range() == (Decimal(2), Decimal(33))
    document["partners"]["gamearena"]["enabled"] = False  # the only 33 %

    assert load_programs(document).rate_range() == (Decimal(2), Decimal(20))
