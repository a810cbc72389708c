"""A PIN or password form shows its own words and nothing else (the card forms: test_page_markup): the title, the
intro, one label per field (two when the page asks twice, to catch a typo; one to confirm the bank password), the
hidden mismatch notice and the button, in that order. The words are read from the catalogue here."""

from __future__ import annotations

import pytest

from messenger_bank.conversation.catalogue import text
from messenger_bank.securepage.html import Purpose, form_page
from tests.unit.securepage.test_page_markup import shown_text

SHOWN = {
    "pin": ["pin_title", "pin_intro", "pin", "pin_confirm", "mismatch", "submit"],
    "password": ["password_title", "password_intro", "password", "password_confirm", "mismatch", "submit"],
    "confirm": ["confirm_title", "confirm_intro", "confirm", "mismatch", "confirm_submit"],
}


@pytest.mark.parametrize("purpose", SHOWN)
def test_a_pin_or_password_form_shows_its_words_and_nothing_else(purpose: Purpose) -> None:
    assert shown_text(form_page(purpose, "ru")) == [text(f"secure_page.{key}", "ru") for key in SHOWN[purpose]]
