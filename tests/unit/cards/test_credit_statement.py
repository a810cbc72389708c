"""The card's monthly statement in the chat and as a PDF: what the customer reads (amount due, minimum
payment and its date, the bank's terms), the PDF's selectable figures (read as the requisites PDF's
tests read them), nothing due without credit in use, no one else's card, and the terms as configuration
(template.yaml's Credit* parameters, the functions' settings and core banking's sandbox agree)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from local.cloud.template import load_template_text
from local.sandbox.config import CreditTerms as CoreBankingTerms
from messenger_bank.cards.credit_statement import StatementPage, statement_pdf
from messenger_bank.cards.models import GetStatementRequest, StatementResult
from messenger_bank.cards.service import get_statement
from messenger_bank.cards.settings import CreditTerms
from messenger_bank.configuration import forget_settings
from messenger_bank.security.errors import NotYourCard
from tests.unit.cards.conftest import BUCKET, World
from tests.unit.test_template import ROOT

NBSP = "\u00a0"
TODAY = date(2026, 12, 6)


def ask(world: World, customer_id: str, card_id: str, **extra: Any) -> StatementResult:
    return get_statement(
        GetStatementRequest(customer_id=customer_id, card_id=card_id, language=extra.pop("language", "en")),
        settings=world.settings,
        s3_client=world.s3,
        today=TODAY,
        **{**world.kw, **extra},
    )


def stored_pdf(world: World) -> bytes:
    (stored,) = world.s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    body: bytes = world.s3.get_object(Bucket=BUCKET, Key=stored["Key"])["Body"].read()
    return body


def selectable(pdf: bytes) -> list[str]:
    return [found.decode() for found in re.findall(rb"\(([^()]*)\) Tj", pdf)]


def test_a_card_spent_into_credit_is_told_the_amount_due_the_minimum_and_its_date(world: World) -> None:
    customer_id, (card_id,) = world.customer(1, money=-30_000)
    world.core.statement_debts["acc_1_0"] = 30_000

    result = ask(world, customer_id, card_id, terms=CreditTerms())

    assert result.due
    assert (result.amount_due_minor, result.minimum_payment_minor) == (30_000, 1_500)
    assert (result.amount_due, result.minimum_payment) == (f"300.00{NBSP}BYN", f"15.00{NBSP}BYN")
    assert result.due_date == "25/01/2027"  # December's last day + 25 days of grace
    assert result.period == "01/12/2026 – 31/12/2026"
    assert (result.interest_rate, result.late_fee) == (f"24{NBSP}%", f"5.00{NBSP}BYN")
    assert ("statement", "acc_1_0:2026-12") in world.core.calls  # the month running
    assert BUCKET in result.document_url and "Signature" in result.document_url


def test_the_pdf_carries_the_amount_due_the_minimum_and_the_date_as_text(world: World) -> None:
    customer_id, (card_id,) = world.customer(1, money=-30_000)
    world.core.statement_debts["acc_1_0"] = 30_000

    ask(world, customer_id, card_id, language="ru")

    pdf = stored_pdf(world)
    assert pdf.startswith(b"%PDF-1.")
    assert selectable(pdf) == ["300,00 BYN", "15,00 BYN", "25.01.2027"]


def test_a_card_without_credit_in_use_has_nothing_due(world: World) -> None:
    customer_id, (card_id,) = world.customer(1, money=5_000)

    result = ask(world, customer_id, card_id)

    assert not result.due
    assert (result.amount_due_minor, result.minimum_payment_minor) == (0, 0)
    assert selectable(stored_pdf(world)) == ["0.00 BYN", "0.00 BYN", "25/01/2027"]


def test_another_customers_card_is_refused(world: World) -> None:
    _, (card_id,) = world.customer(1)
    intruder, _ = world.customer(2)

    with pytest.raises(NotYourCard):
        ask(world, intruder, card_id)
    assert not any(call[0] == "statement" for call in world.core.calls)


def test_the_terms_told_are_the_configured_ones(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIT_INTEREST_PERCENT_PER_YEAR", "29.9")
    monkeypatch.setenv("CREDIT_LATE_FEE_MINOR", "750")
    forget_settings()
    customer_id, (card_id,) = world.customer(1, money=-30_000)
    world.core.statement_debts["acc_1_0"] = 30_000

    result = ask(world, customer_id, card_id)

    assert (result.interest_rate, result.late_fee) == (f"29.9{NBSP}%", f"7.50{NBSP}BYN")
    forget_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [("CREDIT_GRACE_DAYS", "0"), ("CREDIT_GRACE_DAYS", "29"), ("CREDIT_MINIMUM_PERCENT", "0")],
)
def test_terms_core_banking_cannot_apply_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable.removeprefix("CREDIT_").lower()):
        CreditTerms()


def test_the_pdf_prints_every_line_it_is_given_in_each_language() -> None:
    for language in ("ru", "be", "en"):
        page = StatementPage(
            language=language,
            period="01.12.2026 – 31.12.2026",
            issued_on=TODAY,
            opening_balance="0,00 BYN",
            closing_balance="-300,00 BYN",
            credit_limit="1 000,00 BYN",
            interest="0,00 BYN",
            fees="0,00 BYN",
            amount_due="300,00 BYN",
            minimum_payment="15,00 BYN",
            due_date="25.01.2027",
            terms="terms",
            lines=("06.12.2026 −300,00 BYN · debit",),
        )
        assert selectable(statement_pdf(page)) == ["300,00 BYN", "15,00 BYN", "25.01.2027"], language


def test_the_terms_have_one_set_of_defaults_in_the_template_the_functions_and_core_banking() -> None:
    parameters = load_template_text((ROOT / "template.yaml").read_text())["Parameters"]
    template = {name: Decimal(str(spec["Default"])) for name, spec in parameters.items() if name.startswith("Credit")}
    ours, core = CreditTerms(), CoreBankingTerms()
    assert template == {
        "CreditGraceDays": Decimal(ours.grace_days),
        "CreditMinimumPercent": ours.minimum_percent,
        "CreditMinimumFloorMinor": Decimal(ours.minimum_floor_minor),
        "CreditInterestPercentPerYear": ours.interest_percent_per_year,
        "CreditLateFeeMinor": Decimal(ours.late_fee_minor),
    }
    assert (core.grace_days, core.minimum_percent, core.minimum_floor) == (
        ours.grace_days,
        ours.minimum_percent,
        ours.minimum_floor_minor,
    )
    assert (core.interest_percent_per_year, core.late_fee) == (ours.interest_percent_per_year, ours.late_fee_minor)
