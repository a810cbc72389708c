"""Money as a customer reads it, and currencies named in words, against literal expected texts."""

from __future__ import annotations

import pytest

from messenger_bank.money import HOME_CURRENCY, currency_named, format_money

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("minor", "currency", "language", "shown"),
    [
        (1250, "BYN", "ru", f"12,50{NBSP}BYN"),
        (1250, "BYN", "be", f"12,50{NBSP}BYN"),
        (1250, "BYN", "en", f"12.50{NBSP}BYN"),
        (99_999, "BYN", "ru", f"999,99{NBSP}BYN"),  # below a thousand: no group
        (100_000, "BYN", "ru", f"1{NBSP}000,00{NBSP}BYN"),  # a thousand: grouped
        (100_000, "BYN", "en", f"1,000.00{NBSP}BYN"),
        (12_345_050, "USD", "ru", f"123{NBSP}450,50{NBSP}USD"),
        (5, "EUR", "en", f"0.05{NBSP}EUR"),
        (0, "BYN", "be", f"0,00{NBSP}BYN"),
        (-1000, "BYN", "ru", f"−10,00{NBSP}BYN"),
        (1500, "JPY", "en", f"1,500{NBSP}JPY"),  # no minor unit
        (1500, "XYZ", "en", f"15.00{NBSP}XYZ"),  # unknown: two decimals
    ],
)
def test_an_amount_is_shown_in_the_customers_language(minor: int, currency: str, language: str, shown: str) -> None:
    assert format_money(minor, currency, language) == shown  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("minor", "shown"),
    [(1250, "12.50 BYN"), (99_999, "999.99 BYN"), (100_000, "1000.00 BYN"), (1, "0.01 BYN"), (-1000, "-10.00 BYN")],
)
def test_with_no_language_known_an_amount_is_written_as_people_type_it(minor: int, shown: str) -> None:
    assert format_money(minor, "BYN") == shown


@pytest.mark.parametrize(
    ("word", "following", "named"),
    [
        ("руб", None, ("BYN", 1)),
        ("рублей", None, ("BYN", 1)),
        ("рублёў", None, ("BYN", 1)),
        ("р.", None, ("BYN", 1)),
        ("rub", None, ("BYN", 1)),  # the Belarusian translit of "рубль"
        ("Rub", None, ("BYN", 1)),
        ("RUB", None, ("RUB", 1)),  # the ISO code, in capitals
        ("RUR", None, ("RUB", 1)),
        ("₽", None, ("RUB", 1)),
        ("российских", "рублей", ("RUB", 2)),
        ("рос", "руб", ("RUB", 2)),
        ("расійскіх", "рублёў", ("RUB", 2)),
        ("russian", "rubles", ("RUB", 2)),
        ("белорусских", "рублей", ("BYN", 2)),
        ("российских", None, None),  # an adjective alone names nothing
        ("byn", None, ("BYN", 1)),
        ("BYN", None, ("BYN", 1)),
        ("br", None, ("BYN", 1)),
        ("$", None, ("USD", 1)),
        ("долларов", None, ("USD", 1)),
        ("dollars", None, ("USD", 1)),
        ("баксов", None, ("USD", 1)),
        ("€", None, ("EUR", 1)),
        ("евро", None, ("EUR", 1)),
        ("еўра", None, ("EUR", 1)),
        ("EUR", None, ("EUR", 1)),
        ("маме", None, None),
        ("", None, None),
    ],
)
def test_a_currency_named_in_words(word: str, following: str | None, named: tuple[str, int] | None) -> None:
    assert currency_named(word, following) == named


def test_the_home_currency_is_the_belarusian_rouble() -> None:
    assert HOME_CURRENCY == "BYN"
