"""Every kind of operation the bank reports reads as a word of the customer's language in the history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

import pytest

from messenger_bank.banking.models.core import HistoryEntry, Operation
from messenger_bank.cards.service import history_line
from messenger_bank.conversation.catalogue import catalogue
from messenger_bank.types import LANGUAGES, Language

BANK_KINDS = get_args(Operation.model_fields["kind"].annotation)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_the_bank_reports_has_a_word_in_every_language(language: Language) -> None:
    named = {key.removeprefix("history.kind.") for key in catalogue()[language] if key.startswith("history.kind.")}
    assert sorted(set(BANK_KINDS) - named) == []


@pytest.mark.parametrize(("language", "word"), [("ru", "оплата"), ("be", "аплата"), ("en", "payment")])
def test_a_payment_for_services_reads_as_a_payment(language: Language, word: str) -> None:
    entry = HistoryEntry(
        operation_id="op_1",
        kind="bill_payment",
        amount=-1_500,
        currency="BYN",
        counterparty="MTS +37***567",
        created_at=datetime(2025, 11, 24, 12, 0, tzinfo=UTC),
    )

    assert f" · {word} · MTS +37***567" in history_line(entry, language)
