"""The secure page's words come from the message catalogue, escaped, in the page's language."""

from __future__ import annotations

import pytest

from messenger_bank.securepage.html import form_page, message_page


@pytest.mark.parametrize(
    ("language", "title"),
    [("ru", "Новый PIN-код карты"), ("be", "Новы PIN-код карткі"), ("en", "New card PIN")],
)
def test_the_pin_form_is_titled_in_its_language(language: str, title: str) -> None:
    assert f"<h1>{title}</h1>" in form_page("pin", language)  # type: ignore[arg-type]


def test_the_attempts_left_are_filled_in() -> None:
    page = form_page("pin", "en", error="bad_pin", remaining=2)
    assert "A PIN is exactly 4 digits. Attempts left: 2." in page


def test_a_quote_in_a_text_is_escaped() -> None:
    # The English "Continue" is in typographic quotes; the Russian one in «», which HTML keeps as they are.
    assert "&quot;" not in message_page("confirm_done", "en", ok=True)
    assert "«Продолжить»" in message_page("confirm_done", "ru", ok=True)
