"""The card details page (``/secure/details``): the full number, expiry and CVV, shown once to the card's owner right
after a proof of the card or the bank password. The valid case: Alice's details link from her Viber chat, for her
active card, a proof a minute old; each other case changes one thing from it and names what must happen."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from messenger_bank.http import HttpAnswer
from messenger_bank.securepage.html import CONTENT_SECURITY_POLICY, DETAILS_SHOWN_SECONDS, HIDE_SCRIPT, SCRIPT
from messenger_bank.securepage.service import Collaborators, handle
from messenger_bank.security._hs256 import chat_binding
from messenger_bank.security.session_tokens import sensitive_max_age
from tests.support.pan_oracle import pans_in
from tests.unit.securepage.conftest import (
    ALICE,
    ALICE_CARD,
    ALICE_CHAT,
    ALICE_TELEGRAM,
    BOB_CARD,
    CARD_SECRETS,
    event,
    link_token,
)
from tests.unit.securepage.test_page import init_data

PURPOSE = "show_card_details"
PAN, EXPIRY, CVV = CARD_SECRETS[ALICE_CARD]


@pytest.fixture
def proven(deps: Collaborators) -> Callable[..., None]:
    """Alice's chat proved the card or the bank password `ago` before the page's clock (deps.now)."""
    deps.now = time.time()

    def prove(ago: timedelta = timedelta(minutes=1), chat: str = ALICE_CHAT) -> None:
        at = datetime.fromtimestamp(deps.now or 0, UTC) - ago
        deps.customers.record_authentication(ALICE, chat_binding(chat), at)  # type: ignore[union-attr]

    return prove


def details_link(**kw: Any) -> str:
    return link_token(PURPOSE, **kw)


def open_details(deps: Collaborators, token: str, form: dict[str, str] | None = None, **kw: Any) -> HttpAnswer:
    """The customer presses Show on the page (a POST with only the Web App data, if any)."""
    return handle(event("POST", "details", token=token, form=form or {}, **kw), deps)


def shows_details(answer: HttpAnswer, secrets: tuple[str, str, str] = (PAN, EXPIRY, CVV)) -> bool:
    pan, expiry, cvv = secrets
    grouped = " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))
    return grouped in answer.body and f'id="card-expiry">{expiry}<' in answer.body and f">{cvv}<" in answer.body


def outcome(answer: HttpAnswer) -> str | None:
    found = re.search(r'data-outcome="([a-z_]+)"', answer.body)
    return found[1] if found else None


# --- the valid case -----------------------------------------------------------------------------------
def test_the_owner_sees_number_expiry_and_cvv_once_in_a_page_nobody_keeps(
    deps: Collaborators, proven: Callable[..., None]
) -> None:
    proven()

    answer = open_details(deps, details_link())

    assert (answer.status, outcome(answer)) == (200, "details_shown")
    assert shows_details(answer)
    assert answer.headers["cache-control"] == "no-store" and answer.headers["pragma"] == "no-cache"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert deps.core.details_given == [ALICE_CARD]  # type: ignore[union-attr]


def test_the_values_are_only_inside_what_the_script_takes_off_the_page_after_a_minute(
    deps: Collaborators, proven: Callable[..., None]
) -> None:
    proven()

    body = open_details(deps, details_link()).body

    removed = re.search(r'<div id="card-details" data-seconds="(\d+)">(.*?)</div>', body, re.S)
    assert removed and int(removed[1]) == DETAILS_SHOWN_SECONDS == 60
    rest = body.replace(removed[0], "")
    assert pans_in(rest) == [] and CVV not in rest and EXPIRY not in rest
    assert re.findall(r"<script>(.*?)</script>", body, re.S) == [HIDE_SCRIPT]
    assert 'getElementById("card-details")' in HIDE_SCRIPT and "shown.remove()" in HIDE_SCRIPT
    digest = base64.b64encode(hashlib.sha256(HIDE_SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in CONTENT_SECURITY_POLICY


def test_showing_the_page_asks_for_a_press_and_gives_nothing_nor_uses_the_link(
    deps: Collaborators, proven: Callable[..., None]
) -> None:
    proven()
    token = details_link()

    shown = [handle(event("GET", "details", token=token), deps) for _ in range(2)]

    assert [s.status for s in shown] == [200, 200]
    assert not shows_details(shown[0]) and 'id="submit"' in shown[0].body
    assert re.findall(r"<script>(.*?)</script>", shown[0].body, re.S) == [SCRIPT]
    assert deps.core.details_given == []  # type: ignore[union-attr]
    assert shows_details(open_details(deps, token))


# --- each one thing changed ---------------------------------------------------------------------------
def test_a_used_link_shows_nothing_the_second_time(deps: Collaborators, proven: Callable[..., None]) -> None:
    proven()
    token = details_link()
    open_details(deps, token)

    again, looked = open_details(deps, token), handle(event("GET", "details", token=token), deps)

    assert (again.status, outcome(again)) == (410, "used")
    assert (looked.status, outcome(looked)) == (410, "used")
    assert not shows_details(again) and pans_in(again.body) == []
    assert deps.core.details_given == [ALICE_CARD]  # type: ignore[union-attr]


def test_an_expired_link_shows_nothing(deps: Collaborators, proven: Callable[..., None]) -> None:
    proven()

    answer = open_details(deps, details_link(now=datetime.now(UTC) - timedelta(minutes=6)))

    assert (answer.status, outcome(answer)) == (410, "expired")
    assert deps.core.details_given == []  # type: ignore[union-attr]


def test_a_link_naming_another_customers_card_shows_nothing(deps: Collaborators, proven: Callable[..., None]) -> None:
    proven()

    answer = open_details(deps, details_link(card_id=BOB_CARD))

    assert (answer.status, outcome(answer)) == (403, "not_yours")
    assert not shows_details(answer, CARD_SECRETS[BOB_CARD])
    assert deps.core.details_given == []  # type: ignore[union-attr]


def test_another_card_beside_the_link_shows_nothing(deps: Collaborators, proven: Callable[..., None]) -> None:
    proven()

    answer = open_details(deps, details_link(), card=BOB_CARD)

    assert (answer.status, outcome(answer)) == (403, "invalid")
    assert deps.core.details_given == []  # type: ignore[union-attr]


def test_without_a_proof_nothing_is_shown_and_the_link_is_not_used_up(
    deps: Collaborators, proven: Callable[..., None]
) -> None:
    token = details_link()

    refused = open_details(deps, token)
    proven()
    after_the_proof = open_details(deps, token)

    assert (refused.status, outcome(refused)) == (403, "reauth")
    assert not shows_details(refused)
    assert shows_details(after_the_proof)


@pytest.mark.parametrize(("extra", "shown"), [(timedelta(0), True), (timedelta(seconds=1), False)])
def test_a_proof_counts_for_the_sensitive_window_and_not_a_second_more(
    deps: Collaborators, proven: Callable[..., None], extra: timedelta, shown: bool
) -> None:
    proven(ago=sensitive_max_age() + extra)

    answer = open_details(deps, details_link())

    assert shows_details(answer) is shown
    assert answer.status == (200 if shown else 403)


def test_a_proof_from_another_chat_of_the_customer_does_not_count(
    deps: Collaborators, proven: Callable[..., None]
) -> None:
    proven(chat=ALICE_TELEGRAM)

    answer = open_details(deps, details_link())

    assert (answer.status, outcome(answer)) == (403, "reauth")


def test_a_blocked_card_shows_nothing(deps: Collaborators, proven: Callable[..., None]) -> None:
    proven()
    deps.core.blocked.add(ALICE_CARD)  # type: ignore[union-attr]

    answer = open_details(deps, details_link())

    assert (answer.status, outcome(answer)) == (409, "card_blocked")
    assert not shows_details(answer)


def test_a_pin_link_does_not_open_the_details(deps: Collaborators, proven: Callable[..., None]) -> None:
    proven()

    answer = open_details(deps, link_token("change_pin"))

    assert (answer.status, outcome(answer)) == (403, "invalid")
    assert deps.core.details_given == []  # type: ignore[union-attr]


def test_a_telegram_link_without_its_web_app_data_shows_nothing(
    deps: Collaborators, proven: Callable[..., None]
) -> None:
    proven(chat=ALICE_TELEGRAM)
    token = details_link(chat=ALICE_TELEGRAM)

    bare = open_details(deps, token)
    from_the_chat = open_details(deps, token, form={"init_data": init_data(5550001)})

    assert (bare.status, outcome(bare)) == (403, "invalid")
    assert shows_details(from_the_chat)


def test_a_bank_failure_shows_nothing(deps: Collaborators, proven: Callable[..., None]) -> None:
    proven()
    deps.core.failing = True  # type: ignore[union-attr]

    answer = open_details(deps, details_link())

    assert (answer.status, outcome(answer)) == (502, "bank_down")


def test_no_log_line_holds_the_number_or_the_cvv(
    deps: Collaborators, proven: Callable[..., None], printed_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    proven()

    answer = open_details(deps, details_link())
    lines = printed_logs()

    assert shows_details(answer)
    assert any(line.get("message") == "secure page: card details shown" for line in lines)
    # The time stamps go: their milliseconds are three digits too.
    printed = json.dumps([{key: value for key, value in line.items() if key != "timestamp"} for line in lines])
    assert pans_in(printed) == [] and PAN not in printed
    assert not re.search(rf"(?<!\d){CVV}(?!\d)", printed)
