"""A scripted conversation through each flow, in each language, against a fake bank.

Buttons are pressed by their catalogue key and replies checked against the catalogue text in the
session's language, so the same script proves the flow in ru, be and en.
"""

from __future__ import annotations

import re

import pytest

from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import HandOver
from messenger_bank.types import LANGUAGES
from tests.unit.conversation.chat import PAN, Chat, FakeDeps, customer_deps, refused

pytestmark = pytest.mark.parametrize("language", LANGUAGES)


def open_chat(language: str, deps: FakeDeps | None = None) -> Chat:
    chat = Chat(deps or customer_deps(), language_hint=language)
    chat.start()
    assert chat.said("menu.greeting") and chat.said("menu.main")
    return chat


def test_menu_and_language(language: str) -> None:
    chat = open_chat("ru" if language != "ru" else "en")
    chat.press_key("menu.language")
    assert chat.said("menu.choose_language")
    chat.press_key(f"language.{language}")
    assert chat.session is not None and chat.session.language == language
    assert chat.said("common.language_changed") and chat.said("menu.main")


def handed_over(chat: Chat) -> list[HandOver]:
    return [effect for effect in chat.last.effects if isinstance(effect, HandOver)]


def test_talk_to_a_person_in_help_hands_the_chat_over_and_says_so(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.help")
    assert chat.said("help.topics")
    called = len(chat.deps.operations)
    chat.press_key("help.operator")
    assert chat.said("handoff.waiting")
    assert [effect.reason for effect in handed_over(chat)] == ["asked"]
    assert chat.deps.operations[called:] == []


def test_calling_the_bank_still_gives_the_contact_centre(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.help")
    chat.press_key("help.call")
    opening = text("help.contact_centre", language).partition("{phone}")[0]
    assert opening and chat.text.startswith(opening)
    assert re.search(r"\+375 \d{2} \d{3}-\d{2}-\d{2}", chat.text), chat.text  # a number one can dial
    assert handed_over(chat) == []


def test_asking_for_a_person_in_words_hands_the_chat_over(language: str) -> None:
    chat = open_chat(language)
    chat.deps.nlu.teach("позовите оператора", "operator", language=language)
    chat.say("позовите оператора")
    assert chat.said("handoff.waiting")
    assert [effect.reason for effect in handed_over(chat)] == ["asked"]


def test_onboarding_to_the_card_issuance_journey(language: str) -> None:
    deps = customer_deps(find_customer={"customer_id": None})
    chat = open_chat(language, deps)
    chat.press_key("menu.get_card")
    chat.press_key(f"language.{language}")
    assert chat.said("onboarding.consent")
    chat.press_key("onboarding.agree")
    chat.say("+375 29 123 45 67")
    assert chat.said("onboarding.code", phone="+375291234567")
    chat.say("123456")
    chat.say("Иванов Иван Иванович")
    chat.say("17.05.1990")
    chat.say("мр1234567")
    chat.say("3170590a001pb5")
    chat.say("12.08.2015")
    assert chat.said(
        "onboarding.summary", full_name="Иванов Иван Иванович", date_of_birth="1990-05-17",
        passport_number="MP1234567", personal_id="3170590A001PB5", issue_date="2015-08-12", phone="+375291234567",
    )  # fmt: skip
    assert deps.journeys == []
    chat.press_key("onboarding.confirm")
    saved = dict(deps.operations)["save_application"]
    assert saved["passport_number"] == "MP1234567" and saved["phone_verified"] is False
    [(journey, _, payload)] = deps.journeys
    assert journey == "card_issuance"
    assert payload == {"application_id": "app_1", "chat_key": "telegram:1001", "language": language}
    assert chat.said("onboarding.issuing")
    assert chat.session is not None
    for secret in ("MP1234567", "3170590A001PB5", "Иванов"):
        assert secret not in chat.session.model_dump_json()


def test_onboarding_correction_goes_back_to_the_field(language: str) -> None:
    chat = open_chat(language, customer_deps(find_customer={}))
    chat.press_key("menu.get_card")
    chat.press_key(f"language.{language}")
    chat.press_key("onboarding.agree")
    chat.send("contact", phone="+375291234567", contact_user_id="1001")
    for typed in ("Ivanov Ivan", "17.05.1990", "MP1234567", "3170590A001PB5", "12.08.2015"):
        chat.say(typed)
    chat.press_key("onboarding.correct")
    chat.press_key("onboarding.field_passport")
    assert chat.said("onboarding.passport_number")
    chat.say("AB7654321")
    for typed in ("3170590A001PB5", "12.08.2015"):
        chat.say(typed)
    assert "AB7654321" in chat.text


def test_an_existing_customer_is_not_onboarded_twice(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.balance")
    chat.press_key("menu.get_card")
    assert chat.said("onboarding.already_customer")


def test_transfer_by_card_number(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.transfer")
    assert chat.said("transfer.recipient")
    chat.say(PAN)
    assert chat.said("transfer.amount", mask="•• 1111")
    chat.say("50")
    assert chat.said("transfer.confirm", mask="•• 1111", amount="50.00 BYN", fee="0.50 BYN", total="50.50 BYN")
    chat.press_key("common.confirm")
    assert not chat.said("transfer.sent")  # the journey says it: the message its receipt edits
    quote = dict(chat.deps.operations)["quote_transfer"]
    assert quote == {"customer_id": "cus_1", "card_token": "tok_1111abcdefgh", "amount_minor": 5000, "currency": "BYN"}
    assert chat.deps.completed[-1][1] == {"decision": "confirm"}


def test_transfer_declined(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.transfer")
    chat.say(PAN)
    chat.say("50")
    chat.press_key("common.decline")
    assert chat.said("transfer.declined")
    assert chat.deps.completed[-1][1] == {"decision": "decline"}


def test_request_money_from_another_user(language: str) -> None:
    deps = customer_deps()
    deps.nlu.teach("попроси денег", "request_money", language=language, amount="25.00 BYN")
    chat = open_chat(language, deps)
    chat.say("попроси денег")
    assert chat.said("transfer.request_phone")
    chat.say("+375 33 765 43 21")
    assert chat.said("transfer.request_confirm", phone="+375337654321", amount="25.00 BYN")
    assert "request_money" not in deps.operation_names()
    chat.press_key("common.confirm")
    assert chat.said("transfer.request_sent", phone="+375337654321", amount="25.00 BYN")


def test_top_up_from_another_banks_card(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.topup")
    chat.press_key("topup.by_card")
    chat.say("0.50")
    assert chat.said("error.amount_min", min="1.00 BYN")
    chat.say("20")
    chat.press_key("common.confirm")
    assert chat.said("topup.link_coming")
    [(journey, _, payload)] = chat.deps.journeys
    assert journey == "topup" and payload["amount_minor"] == 2000 and payload["currency"] == "BYN"


def test_pay_for_mobile(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.pay")
    chat.press_key("payment.mobile")
    chat.press("MTS")
    assert chat.said("payment.account", payee="MTS")
    chat.say("+375 29 123-45-67")
    assert chat.said("payment.amount", due="10.00 BYN")
    chat.say("10")
    assert chat.said(
        "payment.confirm", payee="MTS", account="+375291234567", amount="10.00 BYN", fee="0.00 BYN", total="10.00 BYN"
    )
    chat.press_key("common.confirm")
    assert not chat.said("payment.paying")  # the journey says it: the message its receipt edits
    assert [j[0] for j in chat.deps.journeys] == ["bill_payment"]


def test_pay_with_the_service_named_in_free_text(language: str) -> None:
    deps = customer_deps()
    deps.nlu.teach("оплатить интернет", "pay", language=language, service="internet")
    chat = open_chat(language, deps)
    chat.say("оплатить интернет")
    assert ("list_payees", {"category": "internet"}) in deps.operations
    assert chat.said("payment.payee")


def test_card_balance_block_and_unblock(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.balance")
    assert chat.said("card_services.balance_is", mask="•• 1111", balance="120.50 BYN", available="100.00 BYN")
    chat.press_key("menu.card")
    chat.press_key("card_services.block")
    chat.press_key("card_services.reason_lost")
    assert chat.said("card_services.block_confirm", mask="•• 1111")
    assert "block_card" not in chat.deps.operation_names()
    chat.press_key("common.confirm")
    assert chat.said("card_services.blocked", mask="•• 1111")
    assert ("block_card", {"customer_id": "cus_1", "card_id": "card_1", "reason": "lost"}) in chat.deps.operations
    chat.press_key("menu.card")
    chat.press_key("card_services.unblock")
    chat.press_key("common.confirm")
    assert chat.said("card_services.unblocked", mask="•• 1111")


def test_requisites_pin_and_history(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.card")
    chat.press_key("card_services.requisites")
    document = next(m.attachment for m in chat.last.replies if m.attachment)
    assert document.kind == "document" and document.url.endswith("req.pdf")
    chat.press_key("menu.card")
    chat.press_key("card_services.pin")
    [link] = [b for m in chat.last.replies for row in m.buttons for b in row if b.url]
    assert link.web_app and link.url.startswith("https://secure.example/")
    assert link.label == text("card_services.open_pin", language)
    chat.press_key("menu.card")
    chat.press_key("card_services.history")
    assert chat.said("card_services.history_is", lines="24.11 −10.00 BYN MTS")


def test_order_a_plastic_card(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.card")
    chat.press_key("card_services.plastic")
    chat.say("Minsk")
    assert chat.said("error.address")
    chat.say("г. Минск, ул. Ленина, д. 5, кв. 12")
    chat.press_key("common.confirm")
    [(journey, _, payload)] = chat.deps.journeys
    assert journey == "plastic_card_order" and payload["address_id"] == "addr_1"
    assert chat.said("card_services.plastic_ordered")


def test_programs_referral_and_partner_offer(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.programs")
    chat.press_key("programs.referral")
    assert chat.said(
        "programs.referral_is", code="ABC123", invited="2", bonus="5 BYN", invited_this_month="1", monthly_cap="5"
    )
    assert any(
        b.url == "https://t.me/bank_bot?start=ABC123" for m in chat.last.replies for row in m.buttons for b in row
    )
    chat.press_key("nav.menu")
    chat.press_key("menu.programs")
    chat.press_key("programs.partners")
    [picture] = [m.attachment for m in chat.last.replies if m.attachment is not None]
    assert picture.kind == "picture" and picture.url.endswith("/offers/0123456789abcdef0123456789abcdef.png")
    assert chat.said("programs.offers") and chat.said("programs.choose_offer")
    chat.press("Burger King")
    chat.press_key("programs.activate")
    assert chat.said("programs.activated", title="Burger King 10%", cashback="10 %")
    assert ("activate_offer", {"customer_id": "cus_1", "offer_id": "o1"}) in chat.deps.operations


def test_programs_recommend_and_cashback(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.programs")
    chat.press_key("programs.recommend")
    assert chat.said("programs.recommend_is", count="3", next_milestone="5", bonus="10 BYN")
    chat.press_key("nav.menu")
    chat.press_key("menu.programs")
    chat.press_key("programs.cashback")
    assert chat.said("programs.cashback_is", amount="3.20 BYN", categories="Fast food 10 %")


def test_cashback_categories_are_chosen_one_at_a_time_for_the_next_month(language: str) -> None:
    chat = open_chat(language)
    chat.press_key("menu.programs")
    chat.press_key("programs.choose_categories")
    assert chat.said("programs.categories_are", pick="2", month="01.2027", chosen="cinema")
    chat.press("Pharmacies")

    assert chat.said("programs.categories_chosen", month="01.2027", chosen="cinema, pharmacies")
    assert ("choose_cashback_category", {"customer_id": "cus_1", "category": "pharmacy", "language": language}) in (
        chat.deps.operations
    )


def test_a_category_beyond_the_pick_is_told_with_the_one_it_replaced(language: str) -> None:
    full = {"month": "01.2027", "pick": 2, "chosen": "cinema, pharmacies", "replaced": "beauty"}
    chat = open_chat(language, customer_deps(choose_cashback_category=full))
    chat.press_key("menu.programs")
    chat.press_key("programs.choose_categories")
    chat.press("Pharmacies")

    assert chat.said(
        "programs.category_replaced", month="01.2027", chosen="cinema, pharmacies", pick="2", replaced="beauty"
    )


def test_no_categories_to_choose_is_said(language: str) -> None:
    chat = open_chat(language, customer_deps(list_cashback_categories=refused("CategoryUnavailable")))
    chat.press_key("menu.programs")
    chat.press_key("programs.choose_categories")

    assert chat.said("programs.no_categories")
