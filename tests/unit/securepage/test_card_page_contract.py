"""The card pages' contract beyond their outcomes: the metrics alarms count, and the table, client, limits and clock
the page is handed (the kept sign-in, the wrong cards and the used link are read and written there, never in a
default table or on the wall clock)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from html import escape

import boto3
import pytest

from messenger_bank.configuration import forget_settings
from messenger_bank.conversation.catalogue import text
from messenger_bank.security import links
from messenger_bank.security.links import SecuritySettings
from tests.support.aws import create_table
from tests.unit.securepage.test_card_pages import (
    RIGHT,
    SAME_MASK,
    VIBER_CHAT,
    Bank,
    bank,
    bound,
    card_link,
    outcome,
    post,
    sign_in_link,
)

__all__ = ["bank"]  # the fixture, shared with test_card_pages

Metrics = Callable[[], dict[str, tuple[str, float]]]
WRONG = {"card_number": SAME_MASK, "card_expiry": "07/29"}


# --- metrics --------------------------------------------------------------------------------------------------------
def test_a_wrong_card_is_counted_a_wrong_entry(bank: Bank, emitted_metrics: Metrics) -> None:
    token = sign_in_link(bank)
    before = emitted_metrics()  # what making the link counted

    assert post(bank, token, WRONG).status == 422
    assert emitted_metrics() == {**before, "SecurePageWrongEntry": ("Count", 1.0), "SignInRefused": ("Count", 1.0)}


def test_the_card_again_is_counted_reauthenticated(bank: Bank, emitted_metrics: Metrics) -> None:
    assert post(bank, sign_in_link(bank)).status == 200
    customer_id = bound(bank)
    assert customer_id is not None
    token = card_link(bank, customer_id)
    before = emitted_metrics()  # the sign-in's

    assert post(bank, token, page="card").status == 200
    assert emitted_metrics() == {**before, "Reauthenticated": ("Count", 1.0)}


# --- the table, the limits and the clock the page is handed ----------------------------------------------------------
PAGE_TABLE = "page-table"


@pytest.fixture
def own_table(bank: Bank) -> Bank:
    """The page's own table, in a region of its own, locking after two wrong cards; the environment names another.

    The chat keeps the sign-in in the table its environment names: here, the page's (set while the link is made)."""
    client = boto3.client("dynamodb", region_name="eu-west-3")
    create_table(client, "SecurityTable", name=PAGE_TABLE)
    deps = replace(
        bank.deps,
        dynamodb=client,
        table_name=PAGE_TABLE,
        config=SecuritySettings(table_name=PAGE_TABLE, max_attempts=2, lock_minutes=60),
    )
    return Bank(deps, bank.customers, bank.cerberus)


def page_link(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as made_in_the_pages_table:
        made_in_the_pages_table.setenv("SECURITY_TABLE", PAGE_TABLE)
        forget_settings()
        links.settings.cache_clear()
        token = sign_in_link(bank, dynamodb=bank.deps.dynamodb)
    forget_settings()  # the environment read once names its own table again, not the page's
    links.settings.cache_clear()
    assert links.settings().table_name != PAGE_TABLE
    return token


def test_a_sign_in_goes_to_the_table_and_limits_the_page_is_given(
    own_table: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = page_link(own_table, monkeypatch)

    answers = [post(own_table, token, WRONG), post(own_table, token), post(own_table, token)]

    assert [a.status for a in answers] == [422, 200, 410]
    assert bound(own_table) is not None


def test_the_page_locks_after_the_wrong_cards_its_limit_allows(
    own_table: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = page_link(own_table, monkeypatch)

    answers = [post(own_table, token, WRONG) for _ in range(2)]

    assert [a.status for a in answers] == [422, 429] and outcome(answers[1]) == "locked"
    assert bound(own_table) is None


def test_the_card_again_counts_on_the_table_and_limits_the_page_is_given(
    own_table: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert post(own_table, page_link(own_table, monkeypatch)).status == 200
    customer_id = bound(own_table)
    assert customer_id is not None

    answers = [post(own_table, card_link(own_table, customer_id), WRONG, "card") for _ in range(2)]
    right = post(own_table, card_link(own_table, customer_id), page="card")

    assert [a.status for a in answers] == [422, 429] and right.status == 429


def test_a_kept_sign_in_is_read_on_the_pages_clock(bank: Bank) -> None:
    # The page's clock past the kept sign-in's end (the link's five minutes and the hour a used link is kept).
    token = sign_in_link(bank)
    late = replace(bank.deps, now=time.time() + 2 * 3600)

    answer = post(Bank(late, bank.customers, bank.cerberus), token, RIGHT)

    assert answer.status == 403 and outcome(answer) == "invalid" and bound(bank, VIBER_CHAT) is None


# --- what the page says -----------------------------------------------------------------------------------------------
def test_a_typed_card_that_is_no_card_number_is_named_in_the_pages_language(bank: Bank) -> None:
    answer = post(bank, sign_in_link(bank), {"card_number": "4321", "card_expiry": "07/29"})  # Russian, as asked

    assert answer.status == 422 and bank.cerberus.asked == 0
    assert f'<p class="error" role="alert">{escape(text("secure_page.bad_card", "ru"))}</p>' in answer.body


def test_a_wrong_card_is_named_in_the_pages_language_with_the_attempts_left(bank: Bank) -> None:
    answer = post(bank, sign_in_link(bank), WRONG)

    wrong, left = escape(text("secure_page.wrong_card", "ru")), escape(text("secure_page.remaining", "ru", n=2))
    assert answer.status == 422 and f'<p class="error" role="alert">{wrong} {left}</p>' in answer.body


@pytest.mark.parametrize("page", ["signin", "card"])
def test_a_proven_card_is_told_as_a_success_in_the_pages_language(bank: Bank, page: str) -> None:
    answer = post(bank, sign_in_link(bank))
    if page == "card":
        customer_id = bound(bank)
        assert customer_id is not None
        answer = post(bank, card_link(bank, customer_id), page="card")

    done = escape(text(f"secure_page.{page}_done_text", "ru"))
    assert answer.status == 200 and f'<p class="ok">{done}</p>' in answer.body
