"""Entities: amounts in three languages, Luhn-checked card numbers, Belarusian phones, services."""

from __future__ import annotations

import pytest

from messenger_bank.cardnumbers import luhn_valid
from messenger_bank.conversation.nlu import Entity, understand
from messenger_bank.conversation.nlu.entities import extract


def values(text: str, kind: str) -> list[str]:
    return [entity.value for entity in extract(text).entities if entity.type == kind]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("переведи 50 рублей", "50.00 BYN"),
        ("сто рублей маме", "100.00 BYN"),
        ("две тысячи рублей", "2000.00 BYN"),
        ("перевести 1 000 руб", "1000.00 BYN"),
        ("отправь 20 долларов", "20.00 USD"),
        ("100 российских рублей", "100.00 RUB"),
        ("10,5 евро", "10.50 EUR"),
        ("pereved 50 rublei", "50.00 BYN"),
        ("пяцьдзясят рублёў", "50.00 BYN"),
        ("перавядзі дзве тысячы рублёў", "2000.00 BYN"),
        ("пераклад 100 еўра", "100.00 EUR"),
        ("10.50 byn", "10.50 BYN"),
        ("$20", "20.00 USD"),
        ("send 1,000 USD", "1000.00 USD"),
        ("twenty five dollars", "25.00 USD"),
        ("a hundred euros", "100.00 EUR"),
        ("one hundred and fifty dollars", "150.00 USD"),
        ("100 RUB", "100.00 RUB"),
        ("закинь 30р на мтс", "30.00 BYN"),
        ("5к рублей", "5000.00 BYN"),
        ("переведи 50", "50.00 BYN"),
    ],
)
def test_an_amount_is_read_with_its_currency(text: str, amount: str) -> None:
    # Given a text naming an amount in words or digits, When entities are extracted
    found = values(text, "amount")
    # Then the amount has two decimals and its ISO code, BYN when none is named
    assert found == [amount]


@pytest.mark.parametrize(
    ("text", "amount", "defect"),
    [
        ("скинь пятихатку", "500.00 BYN", "a slang sum without a currency is not read as money"),
        ("кинь косарь сестре", "1000.00 BYN", "косарь is not a thousand"),
        ("перекинь сотку", "100.00 BYN", "сотка is not a hundred"),
        ("две сотки", "200.00 BYN", "a number before сотки does not multiply it"),
        ("три косаря", "3000.00 BYN", "a number before косаря does not multiply it"),
        ("2 косаря", "2000.00 BYN", "digits before косаря do not multiply it"),
        ("5 тыщ", "5000.00 BYN", "тыщ is not a thousand"),
        ("оплати инет на полтос", "50.00 BYN", "полтос is not fifty"),
        ("закинь пятерку на мобилу", "5.00 BYN", "пятерка is not five"),
        ("кінь пяцісотку сябру", "500.00 BYN", "Belarusian slang is not read"),
        ("send my bro 2k", "2000.00 BYN", "k glued to digits is not a thousand"),
        ("1.5k", "1500.00 BYN", "a decimal with k is not a thousand and a half"),
        ("wire a grand to mum", "1000.00 BYN", "a grand is not a thousand"),
        ("send a tenner", "10.00 BYN", "a tenner is not ten"),
    ],
)
def test_sums_said_in_slang_are_amounts(text: str, amount: str, defect: str) -> None:
    assert values(text, "amount") == [amount], defect


@pytest.mark.parametrize(
    "text", ["50 р", "50р", "50 р.", "50 руб", "50 рублей", "50 byn", "50 BYN", "50 бел. руб.", "50 br"]
)
def test_every_way_of_writing_the_belarusian_rouble_is_one_currency(text: str) -> None:
    assert values(text, "amount") == ["50.00 BYN"]


@pytest.mark.parametrize(
    ("text", "defect"),
    [
        ("закинь 10 р на а1", "the 1 of the operator А1 (Cyrillic А) is read as an amount"),
        ("top up A1 with 10 r", "the 1 of the operator A1 (Latin A) is read as an amount"),
    ],
)
def test_a_digit_inside_a_name_is_not_an_amount(text: str, defect: str) -> None:
    assert values(text, "amount") == ["10.00 BYN"], defect
    assert values(text, "service") == ["mobile"], defect


@pytest.mark.parametrize(
    "text",
    ["история за 3 месяца", "кэшбэк 5%", "заказать 2 карты", "history for 2 weeks"],
)
def test_numbers_that_count_time_percent_or_cards_are_not_amounts(text: str) -> None:
    assert values(text, "amount") == []


def test_number_words_without_a_currency_are_not_amounts() -> None:
    # Given number words with no currency ("one card"), When extracted, Then no amount is found
    assert values("дайте одну карту", "amount") == []


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "карта 4111 1111 1111 1111, 50 р",
        "на 4111-1111-1111-1111 50 byn",
        "4111 1111 1111 1111.",
    ],
)
def test_a_luhn_valid_card_number_is_returned_as_its_digits(text: str) -> None:
    assert values(text, "card_number") == ["4111111111111111"]


def test_a_luhn_invalid_card_number_is_rejected_and_never_read_as_an_amount() -> None:
    # Given a 16-digit number whose check digit is wrong
    extraction = extract("переведи на 4111 1111 1111 1112")
    # Then it is neither a card number nor an amount
    assert extraction.entities == ()
    assert "1112" not in extraction.masked


def test_a_card_number_followed_by_an_amount_yields_both() -> None:
    assert [(e.type, e.value) for e in extract("4111 1111 1111 1111 50 byn").entities] == [
        ("card_number", "4111111111111111"),
        ("amount", "50.00 BYN"),
    ]


def test_luhn_check_accepts_known_test_numbers_and_rejects_a_changed_digit() -> None:
    assert luhn_valid("5555555555554444")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111121")


@pytest.mark.parametrize(
    "text",
    [
        "+375 29 123-45-67",
        "+375291234567",
        "375 (29) 123 45 67",
        "80 29 1234567",
        "8 (029) 123-45-67",
        "8029 123 45 67",
        "(029) 123-45-67",
        "мой номер 29 123 45 67",
        "+375 (29) 123-45-67",
        "8-029-123-45-67",
        "80291234567",
        "029 1234567",
        "0291234567",
        "29-123-45-67",
        "291234567",
    ],
)
def test_a_belarusian_phone_is_normalised_to_e164(text: str) -> None:
    assert values(text, "phone") == ["+375291234567"]


@pytest.mark.parametrize("text", ["+375 17 123-45-67", "+7 912 123-45-67"])
def test_a_phone_outside_the_mobile_operators_is_not_a_phone_entity(text: str) -> None:
    assert values(text, "phone") == []


def test_a_phone_number_is_not_mistaken_for_an_amount() -> None:
    assert [e.type for e in extract("пополнить +375 44 765-43-21 на 10 р").entities] == ["phone", "amount"]


@pytest.mark.parametrize(
    ("text", "services"),
    [
        ("оплатить коммуналку и интернет", ["utilities", "internet"]),
        ("аплаціць тэлебачанне", ["tv"]),
        ("pay for my bus pass", ["transport"]),
        ("закинуть на мтс", ["mobile"]),
        ("oplatit internet", ["internet"]),
        ("закинь на велком", ["mobile"]),
        ("пополни лайф", ["mobile"]),
        ("pay life:)", ["mobile"]),
        ("пополнить а1", ["mobile"]),
        ("оплатить байфлай", ["internet"]),
        ("белтелеком", ["internet"]),
        ("beltelecom bill", ["internet"]),
        ("атлант телеком", ["internet"]),
        ("космос тв", ["tv"]),
        ("pay kosmos", ["tv"]),
        ("оплатить zala", ["tv"]),
        ("voka", ["tv"]),
        ("продлить проездной", ["transport"]),
        ("аплаціць праязны", ["transport"]),
        ("metro pass", ["transport"]),
        ("заплаціць за святло", ["utilities"]),
        ("за свет и воду", ["utilities"]),
    ],
)
def test_payment_services_are_named_in_any_language(text: str, services: list[str]) -> None:
    assert values(text, "service") == services


def test_understand_returns_entities_in_reading_order() -> None:
    understanding = understand("pereved 50 rublei na 4111 1111 1111 1111")
    assert understanding.entities == (
        Entity(type="amount", value="50.00 BYN"),
        Entity(type="card_number", value="4111111111111111"),
    )
