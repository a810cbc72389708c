"""A bank system down, in the chat: said plainly and at once with what does not answer, the last balance with
its time, "tell me when it's back" recorded, and no money flow entered while a system it needs is open."""

from __future__ import annotations

from messenger_bank.conversation.catalogue import text
from messenger_bank.errors import BankSystemUnavailable
from tests.unit.conversation.chat import Chat, customer_deps

CORE_NAME = text("outage.system.core", "ru")
LAST = {
    "known": True,
    "items": [{"mask": "•• 1111", "available": "12.00 BYN", "read_at": "24.11.2026 14:55 (UTC+03:00)"}],
    "text": "•• 1111: доступно 12.00 BYN на 24.11.2026 14:55 (UTC+03:00)",
}
NOTHING_KEPT = {"known": False, "items": [], "text": ""}


def core_down_chat(*, opened: bool, last: dict[str, object] = LAST) -> Chat:
    deps = customer_deps(
        list_cards=BankSystemUnavailable("core list_cards: HTTP 503"),
        get_balance=BankSystemUnavailable("core balance: HTTP 503"),
        quote_transfer=BankSystemUnavailable("core balance: HTTP 503"),
        last_balances=last,
    )
    deps.outages = {"core": opened}
    chat = Chat(deps)
    chat.start()
    return chat


def test_a_balance_asked_while_core_banking_fails_shows_the_last_one_with_its_time() -> None:
    chat = core_down_chat(opened=False)
    chat.press("Баланс")
    assert chat.said("outage.balance_down", systems=CORE_NAME, balances=LAST["text"])
    assert ("last_balances", {"customer_id": "cus_1", "language": "ru"}) in chat.deps.operations


def test_without_a_kept_balance_it_says_only_what_is_down() -> None:
    chat = core_down_chat(opened=False, last=NOTHING_KEPT)
    chat.press("Баланс")
    assert chat.said("outage.down", systems=CORE_NAME)
    assert "доступно" not in chat.text


def test_tell_me_when_its_back_records_the_chat_for_the_systems_named() -> None:
    chat = core_down_chat(opened=False)
    chat.press("Баланс")
    chat.press_key("outage.tell_me")
    assert ("tell_when_back", {"chat_key": "telegram:1001", "systems": ["core"], "language": "ru"}) in (
        chat.deps.operations
    )
    assert chat.said("outage.will_tell", systems=CORE_NAME)


def test_a_transfer_is_not_entered_while_core_bankings_breaker_is_open() -> None:
    chat = core_down_chat(opened=True)
    chat.press("Перевод")
    assert chat.said("outage.down", systems=CORE_NAME)
    assert chat.position[0] == "outage"
    assert chat.deps.journeys == []
    assert "quote_transfer" not in chat.deps.operation_names()


def test_a_transfer_is_entered_while_core_banking_only_failed_lately_and_refused_at_its_quote() -> None:
    # Not open yet: the flow starts; the quote fails, and the outage message comes before any confirmation.
    chat = core_down_chat(opened=False)
    chat.press("Перевод")
    assert chat.position == ("transfer", "recipient")
    chat.say("4111 1111 1111 1111")
    chat.say("50")
    assert chat.said("outage.down", systems=CORE_NAME)
    assert chat.deps.journeys == []


def test_a_payment_is_not_entered_while_billing_is_open_and_names_billing() -> None:
    chat = core_down_chat(opened=False)
    chat.deps.outages = {"billing": True}
    chat.press("Оплатить")
    assert chat.said("outage.down", systems=text("outage.system.billing", "ru"))


def test_a_flow_that_needs_nothing_down_is_entered_as_usual() -> None:
    chat = core_down_chat(opened=False)
    chat.deps.outages = {"billing": True}
    chat.press("Перевод")
    assert chat.position == ("transfer", "recipient")


def test_a_failure_no_breaker_has_seen_names_the_banks_systems_and_cannot_be_waited_for() -> None:
    chat = core_down_chat(opened=False)
    chat.deps.outages = {}
    chat.press("Баланс")
    assert chat.said("outage.balance_down", systems=text("outage.system.bank", "ru"), balances=LAST["text"])
    chat.press_key("outage.tell_me")
    assert "tell_when_back" not in chat.deps.operation_names()
    assert chat.said("outage.try_later")
