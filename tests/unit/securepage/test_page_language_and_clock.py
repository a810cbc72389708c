"""The page answers in the language the browser asks for (its form, and the page that says it is done), and judges a
Telegram Web App's data fresh by the page's own clock (``Collaborators.now``), not by the machine's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from messenger_bank.http import HttpRequest
from messenger_bank.securepage.service import Collaborators, handle
from tests.unit.securepage.conftest import ALICE_CARD, ALICE_TELEGRAM, event, link_token
from tests.unit.securepage.test_page import PIN_FORM, init_data

ENGLISH = {"content-type": "application/x-www-form-urlencoded", "accept-language": "en-GB,en;q=0.9"}
# Long before the machine's clock: Web App data signed then is stale by now, fresh at the page's own time.
SIGNED_AT = 1_600_000_000


def in_english(request: HttpRequest) -> HttpRequest:
    return request.model_copy(update={"headers": ENGLISH})


def test_the_form_is_in_the_language_the_browser_asks_for(deps: Collaborators) -> None:
    answer = handle(in_english(event("GET", "pin", token=link_token(), card=ALICE_CARD)), deps)

    assert answer.status == 200
    assert '<html lang="en">' in answer.body and "<h1>New card PIN</h1>" in answer.body


def test_the_done_page_is_in_the_language_the_browser_asks_for(deps: Collaborators) -> None:
    answer = handle(in_english(event("POST", "pin", token=link_token(), card=ALICE_CARD, form=PIN_FORM)), deps)

    assert answer.status == 200
    assert '<html lang="en">' in answer.body and "PIN changed" in answer.body


@pytest.mark.parametrize(("age", "status"), [(60, 200), (601, 403)], ids=["a-minute-old", "past-ten-minutes"])
def test_web_app_data_is_judged_fresh_by_the_pages_clock(deps: Collaborators, age: int, status: int) -> None:
    at_the_pages_time = replace(deps, now=float(SIGNED_AT + age))
    form = {**PIN_FORM, "init_data": init_data(5550001, auth_date=SIGNED_AT)}

    answer = handle(
        event("POST", "pin", token=link_token(chat=ALICE_TELEGRAM), card=ALICE_CARD, form=form), at_the_pages_time
    )

    assert answer.status == status
