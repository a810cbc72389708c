"""The words on pictures come from the message catalogue, every label in every language."""

from __future__ import annotations

import pytest

from messenger_bank.conversation.catalogue import catalogue
from messenger_bank.images.labels import SECTION, Labels, labels
from messenger_bank.types import LANGUAGES, Language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_is_in_the_catalogue(language: Language) -> None:
    missing = [name for name in Labels.__annotations__ if f"{SECTION}.{name}" not in catalogue()[language]]
    assert missing == []


@pytest.mark.parametrize(
    ("language", "title", "total"),
    [("ru", "Квитанция", "Итого"), ("be", "Квітанцыя", "Усяго"), ("en", "Receipt", "Total")],
)
def test_a_receipt_reads_in_the_customers_language(language: Language, title: str, total: str) -> None:
    words = labels(language)
    assert (words["receipt_title"], words["total"]) == (title, total)
