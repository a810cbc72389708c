"""The engine with the embedded NLU instead of the fake: free text in three languages, typos included."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.conversation import nlu  # the project's own module: not importing is a failure, not a skip
from tests.unit.conversation.chat import PAN, Chat, customer_deps


class RealNluDeps:
    """The fake bank with the real `understand`."""

    def __init__(self) -> None:
        self.fake = customer_deps()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fake, name)

    def understand(self, text: str) -> Any:
        return nlu.understand(text)


def chat_with_real_nlu() -> Chat:
    return Chat(RealNluDeps(), language_hint=None)  # type: ignore[arg-type]


def test_a_transfer_typed_in_one_sentence_reaches_the_confirmation_with_the_card_tokenised() -> None:
    chat = chat_with_real_nlu()
    turn = chat.say(f"перевести 50 рублей на {PAN}")
    assert chat.position == ("transfer", "confirm")
    assert turn.effects and PAN not in chat.session.model_dump_json()  # type: ignore[union-attr]
    assert chat.deps.completed == []


@pytest.mark.parametrize(
    ("text", "position"), [("balans", ("menu", "main")), ("заблакуй картку", ("card_services", "block_reason"))]
)
def test_transliterated_and_belarusian_requests_are_routed(text: str, position: tuple[str, str]) -> None:
    chat = chat_with_real_nlu()
    chat.say(text)
    assert chat.position == position


def test_the_first_message_sets_the_language() -> None:
    chat = chat_with_real_nlu()
    chat.say("hello")
    assert chat.session is not None and chat.session.language == "en"


@pytest.mark.parametrize(
    ("text", "defect"),
    [
        ("what's the cvv of my card", "a CVV question is not the card details (it was not understood before)"),
        ("покажи полный номер карты", "the full card number in Russian is taken for requisites or a transfer"),
        ("тэрмін дзеяння карткі", "the card's expiry in Belarusian is not the card details"),
    ],
)
def test_asking_for_the_cards_own_details_gives_the_secure_link_never_the_details(text: str, defect: str) -> None:
    chat = chat_with_real_nlu()
    chat.say(text)
    links = [payload for name, payload in chat.deps.operations if name == "create_secure_link"]
    assert [link["purpose"] for link in links] == ["details"], defect
    assert PAN not in chat.everything_said(), defect


@pytest.mark.parametrize("text", ["how much do i owe the bank", "минимальный платеж по кредиту", "калі гасіць крэдыт"])
def test_asking_what_is_owed_on_the_credit_line_gives_the_statement(text: str) -> None:
    chat = chat_with_real_nlu()
    chat.say(text)
    assert [name for name, _ in chat.deps.operations][-1] == "get_statement", chat.deps.operations


@pytest.mark.parametrize(
    ("text", "language"), [("какие новости в мире", "ru"), ("хто выйграў футбол", "be"), ("who won the game", "en")]
)
def test_a_question_the_bank_cannot_answer_is_answered_with_what_the_bot_can_do(text: str, language: str) -> None:
    chat = chat_with_real_nlu()
    chat.say(text)
    assert chat.position == ("help", "topics")
    assert chat.deps.operations == [] and chat.deps.journeys == []
