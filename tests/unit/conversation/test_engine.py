"""The engine, one behaviour per test: step types, global commands, safety rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messenger_bank.conversation import catalogue
from messenger_bank.conversation.engine import OperationFailed, PrepareJourney, take_turn
from messenger_bank.conversation.sessions import Session
from messenger_bank.conversation.validation import contains_card_number
from tests.unit.conversation.chat import NOW, PAN, Chat, FakeDeps, customer_deps


def transfer_chat(**overrides: object) -> Chat:
    chat = Chat(customer_deps(**overrides))
    chat.start()
    chat.press("Перевод")
    return chat


def at_transfer_confirmation() -> Chat:
    chat = transfer_chat()
    chat.say(PAN)
    chat.say("50")
    assert chat.position == ("transfer", "confirm")
    return chat


# ---- greeting, language, routing


def test_a_start_greets_in_the_platform_language_and_shows_the_menu() -> None:
    chat = Chat(language_hint="en")
    turn = chat.start()
    assert turn.replies[0].text.startswith("Hello!")
    assert "Get a card" in " ".join(chat.labels())
    assert chat.position == ("menu", "main")


def test_a_typed_command_says_nothing_of_the_language_the_hint_does() -> None:
    for command in ("/start", "menu", "меню"):
        deps = FakeDeps()
        deps.nlu.teach(command, "greeting", language="en" if command != "меню" else "ru")
        chat = Chat(deps, language_hint="be")
        chat.say(command)
        assert chat.session is not None and chat.session.language == "be", command


def test_the_language_is_guessed_from_the_first_message() -> None:
    deps = FakeDeps()
    deps.nlu.teach("прывітанне", "greeting", language="be")
    chat = Chat(deps, language_hint="ru")
    chat.say("прывітанне")
    assert chat.session is not None and chat.session.language == "be"
    assert chat.text.startswith("Вітаем!")


def test_a_referral_code_from_the_start_link_is_kept_across_flows() -> None:
    chat = Chat()
    chat.start(referral="ABC123")
    chat.press("Получить карту")
    assert chat.session is not None and chat.session.data.values["referral"] == "ABC123"


def test_a_start_the_webhook_already_welcomed_says_nothing_more_and_keeps_its_referral() -> None:
    chat = Chat()
    welcomed = chat.start(referral="ABC123", welcomed=True)
    assert welcomed.replies == ()
    chat.send("button", button="g:go:onboarding")  # the welcome's own button, from the webhook's answer
    assert chat.session is not None and chat.session.data.values["referral"] == "ABC123"
    assert "языке" in chat.text


def test_a_newcomer_starting_onboarding_has_the_card_issuance_prepared_once() -> None:
    chat = Chat()
    chat.start()
    assert not any(isinstance(e, PrepareJourney) for e in chat.last.effects), "the menu prepares nothing"
    chat.press("Получить карту")
    assert [e for e in chat.last.effects if isinstance(e, PrepareJourney)] == [PrepareJourney("card_issuance")]
    chat.press("Русский")  # a step further in the same flow: the journey is not prepared again
    assert chat.position == ("onboarding", "consent")
    assert not any(isinstance(e, PrepareJourney) for e in chat.last.effects)


def test_a_start_not_welcomed_is_greeted_with_the_menu() -> None:
    chat = Chat()
    chat.start(welcomed=False)
    assert catalogue.text("menu.main", "ru") in chat.text


def test_free_text_is_routed_to_the_flow_of_its_intent() -> None:
    deps = customer_deps()
    deps.nlu.teach("сколько денег на карте", "balance")
    chat = Chat(deps)
    chat.say("сколько денег на карте")
    assert "Баланс: 120.50 BYN" in chat.text
    assert ("get_balance", {"customer_id": "cus_1", "card_id": "card_1"}) in deps.operations


def test_below_the_threshold_the_bot_says_it_did_not_understand_and_shows_the_menu() -> None:
    deps = FakeDeps()
    deps.nlu.teach("ммм", "transfer", confidence=0.3)
    chat = Chat(deps)
    chat.say("ммм")
    assert "не понял" in chat.text
    assert chat.position == ("menu", "main")
    assert deps.journeys == [] and deps.operations == []


def test_something_the_bank_does_not_do_is_answered_kindly_with_what_the_bot_can_do() -> None:
    # Given a question about football, which the NLU recognises as out of scope
    deps = customer_deps()
    deps.nlu.teach_out_of_scope("кто выиграл матч")
    chat = Chat(deps)
    # When it is asked at the top level
    chat.say("кто выиграл матч")
    # Then the bot says it cannot help with that, then what it can do (the help topics), never "did not understand"
    assert catalogue.text("common.out_of_scope", "ru") in chat.text
    assert catalogue.text("help.topics", "ru") in chat.text
    assert "не понял" not in chat.text
    assert chat.position == ("help", "topics")
    # And nothing is asked of the bank
    assert deps.journeys == [] and deps.operations == []


@pytest.mark.parametrize("language", ["ru", "be", "en"])
def test_the_out_of_scope_answer_is_in_the_language_of_the_chat(language: str) -> None:
    deps = FakeDeps()
    deps.nlu.teach_out_of_scope("news", language=language)
    chat = Chat(deps, language_hint=language)
    chat.say("news")
    assert chat.text.startswith(catalogue.text("common.out_of_scope", language))


def test_an_unrecognised_text_that_is_not_out_of_scope_still_says_it_did_not_understand() -> None:
    # Given gibberish the NLU neither understands nor recognises as out of scope (one change from the test above)
    deps = FakeDeps()
    deps.nlu.teach("ыфва", None, confidence=0.9)
    chat = Chat(deps)
    chat.say("ыфва")
    assert "не понял" in chat.text
    assert chat.position == ("menu", "main")


def test_a_service_that_needs_a_card_offers_one_to_a_stranger() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {"customer_id": None}}))
    chat.start()
    chat.press("Баланс")
    assert chat.position == ("menu", "no_customer")
    assert "Получить карту" in chat.labels()[0]


# ---- say / ask / choose / branch / call / start_journey / wait / goto / end


def test_say_with_next_continues_without_waiting() -> None:
    chat = Chat()
    turn = chat.start()
    assert [m.text[:5] for m in turn.replies] == ["Здрав", "Что в"]


def test_ask_re_asks_with_the_validator_message_on_bad_input() -> None:
    chat = transfer_chat()
    chat.say(PAN)
    chat.say("пятьдесят")
    assert chat.position == ("transfer", "amount")
    assert chat.text.startswith("Напишите сумму цифрами")
    assert "Сколько перевести на карту •• 1111?" in chat.text


def test_ask_takes_amount_and_card_number_from_nlu_entities() -> None:
    deps = customer_deps()
    text = f"переведи 50 руб на {PAN}"
    deps.nlu.teach(text, "transfer", amount="50.00 BYN", card_number=PAN)
    chat = Chat(deps)
    chat.start()
    turn = chat.say(text)
    assert chat.position == ("transfer", "confirm")
    assert "Перевести 50.00 BYN на карту •• 1111?" in chat.text
    assert [e.message_id for e in turn.effects] == ["m2"]


def test_a_card_number_is_tokenised_deleted_and_never_kept_or_repeated() -> None:
    chat = transfer_chat()
    turn = chat.say("4111 1111 1111 1111")
    assert chat.deps.tokenised == [PAN]
    assert turn.effects and turn.effects[0].message_id == "m3"
    assert chat.session is not None
    dumped = chat.session.model_dump_json()
    assert PAN not in dumped and "4111 1111" not in dumped
    assert chat.session.data.values["card"] == {"token": "tok_1111abcdefgh", "mask": "•• 1111"}
    assert PAN not in chat.everything_said()


@pytest.mark.parametrize(
    "typed",
    [
        "4222 2222 2222 2",  # 13 digits: an old Visa
        "3782 822463 10005",  # 15 digits: Amex
        "6222020000000000000",  # 19 digits: UnionPay (ungrouped, so no shorter part of it counts)
    ],
)
def test_a_card_number_of_13_to_19_digits_is_deleted_wherever_it_is_typed(typed: str) -> None:
    chat = Chat(customer_deps())
    chat.start()
    turn = chat.say(f"моя карта {typed}")  # in the menu, not at a card-number step
    assert [(type(e).__name__, e.message_id) for e in turn.effects] == [("DeleteMessage", "m2")]


@pytest.mark.parametrize(
    "typed",
    [
        "4222 2222 2222",  # 12 digits, Luhn-valid: too short for a card
        "4222 2222 2222 3",  # 13 digits, the check digit wrong
        "3782 822463 10006",  # 15 digits, the check digit wrong
    ],
)
def test_a_number_that_is_not_a_card_number_is_not_deleted(typed: str) -> None:
    chat = Chat(customer_deps())
    chat.start()
    turn = chat.say(f"моя карта {typed}")
    assert list(turn.effects) == []


def test_choose_accepts_a_button_a_word_or_an_intent() -> None:
    deps = customer_deps()
    deps.nlu.teach("хочу попросить у друга", "request_money")
    for answer in ("С любой карты", "картой"):
        chat = Chat(deps)
        chat.start()
        chat.press("Пополнить")
        chat.say(answer)
        assert chat.position == ("topup", "amount")
    chat = Chat(deps)
    chat.start()
    chat.press("Пополнить")
    chat.say("хочу попросить у друга")
    assert chat.position == ("transfer", "request_phone")


def test_choose_re_asks_when_nothing_matches() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.press("Пополнить")
    chat.say("синий")
    assert chat.position == ("topup", "method")
    assert chat.text.startswith("Пожалуйста, выберите")


def test_choose_from_data_uses_session_scoped_buttons_and_skips_a_single_item() -> None:
    cards = {"items": [{"card_id": "card_1", "mask": "•• 1111"}, {"card_id": "card_2", "mask": "•• 2222"}]}
    chat = Chat(customer_deps(list_cards=cards))
    chat.start()
    chat.press("Баланс")
    assert chat.labels()[:2] == ["•• 1111", "•• 2222"]
    assert all(p.startswith("s:") for p in (chat.payload("1111"), chat.payload("2222")))
    chat.press("2222")
    assert ("get_balance", {"customer_id": "cus_1", "card_id": "card_2"}) in chat.deps.operations
    single = Chat(customer_deps())
    single.start()
    single.press("Баланс")
    assert "Карта •• 1111" in single.text and single.position == ("menu", "main")


def test_choose_from_data_accepts_the_last_digits_typed() -> None:
    cards = {"items": [{"card_id": "card_1", "mask": "•• 1111"}, {"card_id": "card_2", "mask": "•• 2222"}]}
    chat = Chat(customer_deps(list_cards=cards))
    chat.start()
    chat.press("Баланс")
    chat.say("2222")
    assert ("get_balance", {"customer_id": "cus_1", "card_id": "card_2"}) in chat.deps.operations


def test_branch_on_data_skips_the_code_when_the_messenger_shared_the_own_phone() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {}}))
    chat.start()
    chat.press("Получить карту")
    chat.press("Русский")
    chat.press("Согласен")
    chat.send("contact", phone="+375291234567", contact_user_id="1001")
    assert chat.position == ("onboarding", "full_name")
    assert "send_otp" not in chat.deps.operation_names()


def test_a_typed_phone_is_confirmed_with_a_one_time_code() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {}, "verify_otp": {"valid": False}}))
    chat.start()
    chat.press("Получить карту")
    chat.press("Русский")
    chat.press("Согласен")
    chat.say("+375 29 123-45-67")
    assert chat.position == ("onboarding", "code")
    chat.say("123456")
    assert "Код неверный" in chat.text and chat.position == ("onboarding", "code")
    assert chat.session is not None and "code" not in chat.session.data.values


def test_someone_elses_contact_is_refused() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {}}))
    chat.start()
    chat.press("Получить карту")
    chat.press("Русский")
    chat.press("Согласен")
    chat.send("contact", phone="+375291234567", contact_user_id="999")
    assert chat.position == ("onboarding", "phone")
    assert "своим номером" in chat.text


def test_call_stores_the_result_and_a_named_domain_error_leads_to_its_step() -> None:
    chat = transfer_chat(quote_transfer=OperationFailed("InsufficientFunds"))
    chat.say(PAN)
    chat.say("50")
    assert "недостаточно денег" in chat.text
    assert chat.position == ("transfer", "amount")
    assert chat.deps.journeys == []


def test_an_unexpected_domain_error_apologises_and_returns_to_the_menu() -> None:
    chat = transfer_chat(quote_transfer=OperationFailed("SomethingNew"))
    chat.say(PAN)
    chat.say("50")
    assert "что-то пошло не так" in chat.text
    assert chat.position == ("menu", "main")


def test_start_journey_passes_references_and_a_name_derived_from_the_session() -> None:
    chat = at_transfer_confirmation()
    [(name, execution, payload)] = chat.deps.journeys
    assert name == "transfer" and execution.startswith("transfer-") and len(execution) <= 80
    assert payload == {"quote_id": "q1", "customer_id": "cus_1", "chat_key": "telegram:1001", "language": "ru"}


def test_a_messenger_id_that_passes_a_luhn_check_still_starts_a_journey() -> None:
    # Page-scoped ids are 16 digits: some pass the card-number check, but they are the platform's, not typed.
    chat = Chat(customer_deps(), channel="messenger", chat_id="4111111111111111")
    chat.start()
    chat.press("Перевод")
    chat.say(PAN)
    chat.say("50")

    [(_, _, payload)] = chat.deps.journeys
    assert payload["chat_key"] == "messenger:4111111111111111"


def test_a_replayed_turn_starts_the_journey_under_the_same_name() -> None:
    chat = transfer_chat()
    chat.say(PAN)
    before = chat.session
    event_turn = chat.say("50")
    replay = take_turn(event_turn_event(chat), before, chat.deps, now=chat.now, flows=chat.flows)
    assert (
        replay.session.data.values["transfer"]["execution"] == event_turn.session.data.values["transfer"]["execution"]
    )


def test_a_journeys_name_has_no_digits_but_its_count_so_it_never_reads_as_a_card_number() -> None:
    """The run part comes from a digest; spelled in hex it can be sixteen digits that pass Luhn, and then the
    execution name, the quote and the session all hold what any card-number scan flags."""
    chat = at_transfer_confirmation()
    journey, _, rest = chat.deps.journeys[0][1].partition("-")
    run, _, starts = rest.rpartition("-")
    assert (journey, len(run), set(run) <= set("abcdefghijklmnop"), starts.isdigit()) == ("transfer", 16, True, True)


def event_turn_event(chat: Chat):  # type: ignore[no-untyped-def]
    from messenger_bank.channels.models import InboundEvent

    return InboundEvent(
        chat=chat.chat, update_id=str(chat._update), kind="text", user_id="1001", text="50",
        message_id=f"m{chat._update}", sent_at=chat.now,
    )  # fmt: skip


def test_wait_confirm_completes_the_journeys_task_with_the_options_outcome() -> None:
    chat = at_transfer_confirmation()
    execution = chat.deps.journeys[0][1]
    chat.press("Подтвердить")
    assert chat.deps.completed == [(f"{execution}:confirm", {"decision": "confirm"})]
    assert chat.position == ("transfer", "sent")


def test_wait_for_a_code_sends_the_typed_code_as_the_outcome() -> None:
    quote = {"quote_id": "q1", "fee": "1.00 BYN", "total": "901.00 BYN", "otp_required": True}
    chat = transfer_chat(quote_transfer=quote)
    chat.say(PAN)
    chat.say("900")
    chat.press("Подтвердить")
    assert chat.position == ("transfer", "code")
    chat.say("12")
    assert chat.position == ("transfer", "code") and "В коде 6 цифр" in chat.text
    chat.say("654321")
    assert chat.deps.completed[-1][1] == {"code": "654321"}


def test_goto_continues_in_another_flow() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.press("Пополнить")
    chat.press("Попросить у друга")
    assert chat.position == ("transfer", "request_phone")


def test_end_says_its_message_and_shows_the_menu() -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.press("Программы")
    chat.press("Кэшбэк")
    assert "Кэшбэк в этом месяце: 3.20 BYN" in chat.text
    assert chat.position == ("menu", "main")


# ---- global commands


@pytest.mark.parametrize("how", ["button", "word", "slash", "intent"])
def test_cancel_works_from_anywhere(how: str) -> None:
    chat = at_transfer_confirmation()
    chat.deps.nlu.teach("не хочу ничего", "cancel")
    {
        "button": lambda: chat.send("button", button="g:cancel"),
        "word": lambda: chat.say("Отмена"),
        "slash": lambda: chat.say("/cancel"),
        "intent": lambda: chat.say("не хочу ничего"),
    }[how]()
    assert "Отменено" in chat.text
    assert chat.position == ("menu", "main")
    execution = chat.deps.journeys[0][1]
    assert chat.deps.completed == [(f"{execution}:confirm", {"decision": "cancel"})]


def test_back_returns_to_the_previous_question() -> None:
    chat = transfer_chat()
    chat.say(PAN)
    chat.press("Назад")
    assert chat.position == ("transfer", "recipient")
    chat.press("Назад")
    assert chat.position == ("menu", "main")


def test_menu_and_help_work_from_the_middle_of_a_flow() -> None:
    chat = transfer_chat()
    chat.say("меню")
    assert chat.position == ("menu", "main")
    chat = transfer_chat()
    chat.say("/help")
    assert chat.position == ("help", "topics")


@pytest.mark.parametrize("how", ["button", "command", "intent"])
def test_the_language_changes_at_any_time_and_the_question_is_asked_again(how: str) -> None:
    chat = transfer_chat()
    chat.deps.nlu.teach("change the language", "language")
    if how == "button":
        chat.send("button", button="g:lang:en")
    elif how == "command":
        chat.say("English")
    else:
        chat.say("change the language")
        chat.press("English")
    assert chat.session is not None and chat.session.language == "en"
    if how != "intent":
        assert chat.text.startswith("Done, I will speak English.")
        assert chat.position == ("transfer", "recipient")


def test_a_wrong_answer_that_is_really_another_request_is_routed_there() -> None:
    deps = customer_deps()
    deps.nlu.teach("покажи баланс", "balance")
    chat = transfer_chat()
    chat.deps = deps
    chat.say("покажи баланс")
    assert "Баланс: 120.50 BYN" in chat.text


@pytest.mark.parametrize("language", ["ru", "be", "en"])
@pytest.mark.parametrize(("media", "key"), [("voice", "common.media"), ("sticker", "common.sticker")])
def test_media_mid_step_is_answered_in_the_chats_language_and_the_question_asked_again(
    language: str, media: str, key: str
) -> None:
    chat = Chat(customer_deps(), language_hint=language)
    chat.start()
    asked = chat.send("button", button="g:go:transfer").replies
    assert chat.position == ("transfer", "recipient")

    turn = chat.send("media", media=media)

    assert turn.replies[0].text == catalogue.text(key, language)
    assert [(m.text, m.buttons) for m in turn.replies[1:]] == [(m.text, m.buttons) for m in asked]
    assert chat.position == ("transfer", "recipient")


def test_a_voice_message_at_a_confirmation_confirms_nothing() -> None:
    chat = at_transfer_confirmation()
    chat.send("media", media="voice")
    assert chat.said("common.media")
    assert chat.deps.completed == [] and chat.position == ("transfer", "confirm")


# ---- sessions


def test_an_expired_session_restarts_gracefully_keeping_the_language_and_version() -> None:
    chat = transfer_chat()
    chat.send("button", button="g:lang:en")
    assert chat.session is not None
    chat.now += timedelta(minutes=31)
    chat.say(PAN)
    assert chat.last.replies[0].text == "We have not talked for a while, so let's start over."
    assert chat.session.language == "en"
    assert chat.position == ("menu", "main")
    assert chat.last.session.version == 3  # the read version, for the conditional write


def test_a_new_session_expires_after_the_idle_time() -> None:
    chat = Chat()
    turn = chat.start()
    assert turn.session.expires_at == int((chat.now + timedelta(minutes=30)).timestamp())
    assert turn.session.version == 0


def test_an_unsubscribed_chat_gets_no_reply_and_leaves_its_flow() -> None:
    chat = transfer_chat()
    turn = chat.send("unsubscribed")
    assert turn.replies == () and chat.position == (None, None)


# ---- money never moves without an explicit confirmation


def test_a_transfer_journey_is_not_confirmed_until_the_customer_presses_confirm() -> None:
    chat = at_transfer_confirmation()
    assert chat.deps.completed == []
    chat.say("может быть")
    assert chat.deps.completed == [] and chat.position == ("transfer", "confirm")


@pytest.mark.parametrize(
    ("menu", "steps", "journey"),
    [
        ("Оплатить", ["Мобильная", "MTS", "+375291234567", "10"], "bill_payment"),
        ("Пополнить", ["С любой карты", "20"], "topup"),
    ],
)
def test_a_payment_or_top_up_starts_only_after_confirm(menu: str, steps: list[str], journey: str) -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.press(menu)
    for step in steps:
        if any(step in label for label in chat.labels()):
            chat.press(step)
        else:
            chat.say(step)
    assert chat.deps.journeys == []
    assert "Подтвердить" in " ".join(chat.labels())
    chat.press("Подтвердить")
    assert [j[0] for j in chat.deps.journeys] == [journey]


# ---- buttons cannot be tampered with


@pytest.mark.parametrize(
    "payload",
    ["s:999:0", "s:abc", "card:card_of_someone_else", "s:1:0;card_2", "g:go:transfer:start", "g:go:nowhere", "g:rm"],
)
def test_a_forged_button_payload_is_refused(payload: str) -> None:
    cards = {"items": [{"card_id": "card_1", "mask": "•• 1111"}, {"card_id": "card_2", "mask": "•• 2222"}]}
    chat = Chat(customer_deps(list_cards=cards))
    chat.start()
    chat.press("Баланс")
    chat.send("button", button=payload)
    assert "кнопка уже не действует" in chat.text
    assert "get_balance" not in chat.deps.operation_names()
    assert chat.deps.journeys == []


def test_a_button_of_an_older_message_is_refused() -> None:
    cards = {"items": [{"card_id": "card_1", "mask": "•• 1111"}, {"card_id": "card_2", "mask": "•• 2222"}]}
    chat = Chat(customer_deps(list_cards=cards))
    chat.start()
    chat.press("Баланс")
    old = chat.payload("2222")
    chat.say("непонятное")  # the prompt is shown again with fresh keys
    chat.send("button", button=old)
    assert chat.said("common.step_finished")
    assert "get_balance" not in chat.deps.operation_names()


def test_a_double_press_of_confirm_completes_the_task_once() -> None:
    chat = at_transfer_confirmation()
    payload = chat.payload("Подтвердить")
    chat.send("button", button=payload)
    chat.send("button", button=payload)
    assert len(chat.deps.completed) == 1
    assert len(chat.deps.journeys) == 1


def test_item_keys_map_to_the_session_list_only() -> None:
    cards = {"items": [{"card_id": "card_1", "mask": "•• 1111"}, {"card_id": "card_2", "mask": "•• 2222"}]}
    chat = Chat(customer_deps(list_cards=cards))
    chat.start()
    chat.press("Баланс")
    assert chat.session is not None
    epoch = chat.session.epoch
    chat.send("button", button=f"s:{epoch}:7")
    assert "кнопка уже не действует" in chat.text


def test_every_button_payload_fits_telegrams_limit() -> None:
    chat = Chat(customer_deps())
    chat.start()
    for label in ("Карта", "Назад", "Программы", "Назад"):
        chat.press(label)
        for message in chat.last.replies:
            for row in message.buttons:
                for button in row:
                    assert button.payload is None or len(button.payload.encode()) <= 64


def test_a_session_never_stores_a_card_number_from_any_step() -> None:
    session = Session(chat_key="telegram:1", expires_at=int((NOW + timedelta(hours=1)).timestamp()))
    deps = customer_deps()
    chat = Chat(deps)
    chat.session = session
    chat.say(f"мой номер {PAN}")
    assert PAN not in chat.session.model_dump_json()
    assert chat.last.effects


# ---- robustness


def test_a_session_pointing_at_a_step_that_no_longer_exists_restarts_at_the_menu() -> None:
    chat = transfer_chat()
    assert chat.session is not None
    chat.session = chat.session.model_copy(
        update={"step": "removed_step", "buttons": {"0": {"kind": "next", "flow": "transfer", "step": "gone"}}}
    )
    chat.say("50")
    assert chat.position == ("menu", "main")
    chat.session = chat.session.model_copy(
        update={"buttons": {"0": {"kind": "next", "flow": "transfer", "step": "gone"}}}
    )
    chat.send("button", button=f"s:{chat.session.epoch}:0")
    assert chat.position == ("menu", "main")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.sampled_from(["Перевод", "Пополнить", "Оплатить", "Карта", "Программы", "Получить карту", "Помощь"]),
    typed=st.lists(
        st.one_of(st.text(max_size=40), st.sampled_from([PAN, "4111 1111 1111 1111", "50", "назад", "меню"])),
        max_size=4,
    ),
    known=st.booleans(),
)
def test_any_text_anywhere_gets_an_answer_and_no_card_number_is_kept(start: str, typed: list[str], known: bool) -> None:
    chat = Chat(customer_deps() if known else customer_deps(find_customer={}))
    chat.start()
    chat.press(start)
    for text in typed:
        turn = chat.say(text)
        assert turn.replies or chat.position == (None, None)
        assert chat.session is not None
        assert not contains_card_number(chat.session.model_dump_json())
        assert not any(contains_card_number(m.text) for m in turn.replies)


@pytest.mark.parametrize("typed", [f"ул. Ленина 5, кв. {PAN}", "г. Минск, 4111 1111 1111 1111 д. 5"])
def test_a_card_number_typed_where_it_does_not_belong_is_refused_and_not_kept(typed: str) -> None:
    chat = Chat(customer_deps())
    chat.start()
    chat.press("Карта")
    chat.press("Пластиковая карта")
    turn = chat.say(typed)
    assert chat.position == ("card_services", "address")
    assert "не присылайте сюда номер карты" in chat.text
    assert turn.effects and not contains_card_number(chat.session.model_dump_json())  # type: ignore[union-attr]


def test_on_whatsapp_the_senders_own_number_is_the_proven_phone() -> None:
    chat = Chat(FakeDeps(results={"find_customer": {}}), channel="whatsapp", chat_id="375291234567")
    chat.start()
    chat.press("Получить карту")
    chat.press("Русский")
    chat.press("Согласен")
    assert chat.position == ("onboarding", "full_name")
    assert chat.session is not None
    assert chat.session.data.values["phone"] == "+375291234567" and chat.session.data.values["phone_verified"] is True
    assert "send_otp" not in chat.deps.operation_names()


def test_an_expired_session_answers_an_old_button_with_the_notice_and_the_menu() -> None:
    chat = at_transfer_confirmation()
    payload = chat.payload("Подтвердить")
    chat.now += timedelta(hours=2)
    chat.send("button", button=payload)
    assert chat.last.replies[0].text == "Мы давно не общались, начнём сначала."
    assert chat.position == ("menu", "main")
    assert chat.deps.completed == []


def test_an_expired_session_still_serves_the_request_in_the_new_message() -> None:
    deps = customer_deps()
    deps.nlu.teach("баланс", "balance")
    chat = Chat(deps)
    chat.start()
    chat.now += timedelta(hours=2)
    chat.say("баланс")
    assert chat.last.replies[0].text.startswith("Мы давно не общались")
    assert "Баланс: 120.50 BYN" in chat.text


def test_leaving_a_confirmation_through_a_menu_button_declines_the_journeys_task() -> None:
    chat = at_transfer_confirmation()
    execution = chat.deps.journeys[0][1]
    chat.send("button", button="g:go:card_services")
    assert chat.deps.completed == [(f"{execution}:confirm", {"decision": "cancel"})]
