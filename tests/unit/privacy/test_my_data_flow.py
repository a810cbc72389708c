"""The conversation's side of data the customer controls (flows/my_data.yaml): "My data" in the card menu
shows what get_my_data answers; withdrawing the marketing consent; "forget me" only after a confirmation and
the card or password proven again (a sensitive operation), and then the chat is a stranger's and its session
goes after the turn (ForgetChat). Over fake operations that refuse as the deployed functions do."""

from __future__ import annotations

from typing import Any

from messenger_bank.conversation.engine import ForgetChat, OperationFailed
from tests.unit.conversation.chat import Chat, customer_deps
from tests.unit.conversation.test_sign_in_zone import in_turn

SHOWN = {"text": "• Телефон: +375 29 ***-45-67", "marketing": True}
FORGOTTEN = {"customer_id": None, "forget_chat": True, "erasure_id": "er_x", "erased": 12}


def in_my_data(**results: Any) -> Chat:
    chat = Chat(customer_deps(get_my_data=SHOWN, **results))
    chat.say("меню")
    chat.press_key("menu.card")
    chat.press_key("card_services.my_data")
    return chat


def calls(chat: Chat, name: str) -> list[dict[str, Any]]:
    return [payload for called, payload in chat.deps.operations if called == name]


def test_my_data_shows_what_the_operation_answers_for_this_chat() -> None:
    chat = in_my_data()
    assert "+375 29 ***-45-67" in chat.text
    assert [(p["customer_id"], p["chat_key"]) for p in calls(chat, "get_my_data")] == [("cus_1", "telegram:1001")]


def test_withdrawing_the_marketing_consent_says_since_when() -> None:
    chat = in_my_data(withdraw_consent={"withdrawn": True, "when": "07.12.2026 09:00 (UTC+03:00)"})
    chat.press_key("privacy.withdraw")
    assert chat.said("privacy.withdrawn", when="07.12.2026 09:00 (UTC+03:00)")
    assert [p["customer_id"] for p in calls(chat, "withdraw_consent")] == ["cus_1"]


def test_withdrawing_a_consent_not_given_changes_nothing_and_says_so() -> None:
    chat = in_my_data(withdraw_consent={"withdrawn": False, "when": "x"})
    chat.press_key("privacy.withdraw")
    assert chat.said("privacy.not_withdrawn")


def test_forgetting_is_not_called_before_the_confirmation_and_declining_forgets_nothing() -> None:
    chat = in_my_data(forget_customer=FORGOTTEN)
    chat.press_key("privacy.forget")
    assert chat.said("privacy.forget_confirm")
    chat.press_key("common.decline")
    assert calls(chat, "forget_customer") == []
    assert chat.session is not None and chat.session.customer_id == "cus_1"


def test_forgotten_the_chat_is_a_strangers_and_its_session_goes_after_the_turn() -> None:
    chat = in_my_data(forget_customer=FORGOTTEN)
    chat.press_key("privacy.forget")
    turn = chat.press_key("privacy.forget_do")
    assert chat.said("privacy.forgotten")
    assert [p["chat_key"] for p in calls(chat, "forget_customer")] == ["telegram:1001"]
    assert chat.session is not None and chat.session.customer_id is None and chat.session.session_token is None
    assert [e for e in turn.effects if isinstance(e, ForgetChat)] != []


def test_without_a_fresh_proof_forgetting_asks_for_the_card_and_forgets_nothing_until_it_is_given() -> None:
    forget = in_turn(OperationFailed("ReauthenticationRequired"), FORGOTTEN)
    chat = in_my_data(
        forget_customer=forget,
        start_reauthentication={"method": "card", "url": "https://secure.example/card?t=c1"},
    )
    chat.press_key("privacy.forget")
    turn = chat.press_key("privacy.forget_do")
    assert chat.said("sign_in.reauth_card")
    assert not any(isinstance(e, ForgetChat) for e in turn.effects)
    assert chat.session is not None and chat.session.customer_id == "cus_1"  # nothing lost

    chat.press("Продолжить")  # the card proven on the secure page: the operation carries on
    assert chat.said("privacy.forgotten")
    assert chat.session is not None and chat.session.customer_id is None


def consent_saved(key: str) -> str:
    """Onboarding from the consent screen, answered with the button `key`, to the saved application."""
    deps = customer_deps(find_customer={"customer_id": None})
    chat = Chat(deps)
    chat.say("меню")
    chat.press_key("menu.get_card")
    chat.press_key("language.ru")
    chat.press_key(key)
    chat.send("contact", phone="+375291234567", contact_user_id="1001")
    for typed in ("Иванов Иван", "17.05.1990", "MP1234567", "3170590A001PB5", "12.08.2015"):
        chat.say(typed)
    chat.press_key("onboarding.confirm")
    return str(dict(deps.operations)["save_application"]["consent"])


def test_the_marketing_consent_is_its_own_button_and_reaches_the_application() -> None:
    assert consent_saved("onboarding.agree_marketing") == "marketing"


def test_agreeing_to_the_processing_alone_gives_no_marketing_consent() -> None:
    assert consent_saved("onboarding.agree") == "agree"
