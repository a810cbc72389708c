"""Secure-page links bound to their chat and card (issue 16, deliverable 6): the channel, the chat and the
card are signed into the link; a Telegram link is used only with its chat's Web App data; links live five
minutes. Each case is the valid request with one thing changed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from messenger_bank.securepage.service import Collaborators
from messenger_bank.security import _hs256
from messenger_bank.security.errors import LinkExpired
from messenger_bank.security.links import LINK_TTL, attempts_status, inspect_link, make_link, token_of
from tests.unit.securepage.conftest import ALICE, ALICE_CARD, ALICE_TELEGRAM, BOB_CARD, link_token
from tests.unit.securepage.test_page import PIN_FORM, init_data, post_pin
from tests.unit.security.conftest import LINK_KEY

BASE = "https://api.example.com/secure/pin"
VIBER_CHAT = "viber:alice-5550001"


def telegram_link(**kw: object) -> str:
    return link_token(chat=ALICE_TELEGRAM, **kw)  # type: ignore[arg-type]


def test_a_telegram_link_with_its_chats_web_app_data_sets_the_pin(deps: Collaborators) -> None:
    assert post_pin(deps, telegram_link(), {**PIN_FORM, "init_data": init_data(5550001)}).status == 200
    assert len(deps.core.pins) == 1


def test_a_telegram_link_without_web_app_data_is_refused_and_kept(deps: Collaborators) -> None:
    token = telegram_link()

    answer = post_pin(deps, token)  # the link copied out of the chat and opened in any browser

    assert answer.status == 403 and 'data-outcome="invalid"' in answer.body
    assert deps.core.pins == []
    assert post_pin(deps, token, {**PIN_FORM, "init_data": init_data(5550001)}).status == 200


def test_a_telegram_link_with_another_chats_web_app_data_is_refused(deps: Collaborators) -> None:
    answer = post_pin(deps, telegram_link(), {**PIN_FORM, "init_data": init_data(5550002)})

    assert answer.status == 403 and deps.core.pins == []


def test_a_link_opened_from_another_telegram_chat_is_refused_before_its_entries_count(deps: Collaborators) -> None:
    # Whoever holds a forwarded link cannot spend the customer's attempts (and lock her out) with wrong PINs.
    mistyped = {"pin": "48", "pin_confirm": "48", "init_data": init_data(5550002)}

    answer = post_pin(deps, telegram_link(), mistyped)

    assert answer.status == 403 and 'data-outcome="invalid"' in answer.body
    assert attempts_status(ALICE, "change_pin", config=deps.config, dynamodb=deps.dynamodb).failures == 0


def test_a_viber_link_needs_no_web_app_data_but_refuses_telegrams(deps: Collaborators) -> None:
    # Viber has no signed Web App data: its link stays bound by the signed chat, channel and card only.
    assert post_pin(deps, link_token(chat=VIBER_CHAT), {**PIN_FORM, "init_data": init_data(5550001)}).status == 403
    assert post_pin(deps, link_token(chat=VIBER_CHAT)).status == 200


def test_a_link_for_another_card_sets_nothing(deps: Collaborators) -> None:
    answer = post_pin(deps, link_token(chat=VIBER_CHAT), card=BOB_CARD)

    assert answer.status == 403 and deps.core.pins == []


def test_the_channel_chat_and_card_are_signed_into_the_link() -> None:
    claims = inspect_link(
        token_of(make_link(BASE, ALICE, ALICE_TELEGRAM, "change_pin", card_id=ALICE_CARD, key=LINK_KEY)),
        key=LINK_KEY,
        chat_key=ALICE_TELEGRAM,
    )

    assert (claims.channel, claims.card_id, claims.needs_init_data) == ("telegram", ALICE_CARD, True)
    assert claims.for_chat(ALICE_TELEGRAM) and not claims.for_chat("telegram:5550002")
    assert not claims.for_chat("viber:5550001")  # the same id on another channel is another chat


@pytest.mark.parametrize(
    ("purpose", "card"),
    [("change_pin", None), ("change_password", ALICE_CARD), ("confirm_password", ALICE_CARD)],
)
def test_a_pin_link_names_its_card_and_no_other_link_does(purpose: str, card: str | None) -> None:
    with pytest.raises(ValueError, match="card"):
        make_link(BASE, ALICE, ALICE_TELEGRAM, purpose, card_id=card, key=LINK_KEY)  # type: ignore[arg-type]


@pytest.mark.parametrize("chat", ["5550001", ":5550001", "telegram:", ""])
def test_a_link_needs_a_chat_with_its_channel(chat: str) -> None:
    with pytest.raises(ValueError, match="chat"):
        make_link(BASE, ALICE, chat, "change_password", key=LINK_KEY)


def test_a_link_lives_five_minutes_and_no_longer() -> None:
    assert timedelta(minutes=5) == LINK_TTL
    make_link(BASE, ALICE, VIBER_CHAT, "change_password", ttl=LINK_TTL, key=LINK_KEY)
    with pytest.raises(ValueError, match="5 minutes"):
        make_link(BASE, ALICE, VIBER_CHAT, "change_password", ttl=LINK_TTL + timedelta(seconds=1), key=LINK_KEY)


@pytest.mark.parametrize(("age_s", "valid"), [(-1, True), (+1, False)])
def test_a_link_is_refused_one_second_after_its_five_minutes(age_s: int, valid: bool) -> None:
    # Issued (five minutes + the verifier's clock leeway ± 1 s) ago: just inside, just past its end.
    age = LINK_TTL + timedelta(seconds=_hs256.LEEWAY_SECONDS + age_s)
    issued = datetime.fromtimestamp(int(time.time()), UTC) - age
    token = token_of(make_link(BASE, ALICE, VIBER_CHAT, "change_password", key=LINK_KEY, now=issued))

    if valid:
        assert inspect_link(token, key=LINK_KEY).customer_id == ALICE
    else:
        with pytest.raises(LinkExpired):
            inspect_link(token, key=LINK_KEY)
