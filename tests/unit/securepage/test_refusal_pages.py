"""A page that refuses says so as an error, never in a success's colours, and in the reader's language: every refusal
the page answers (a bad request, an unknown page, a link without a token, a used, expired or forged link, a locked
customer, another customer's card, card details without a fresh proof or of a blocked card, the bank down) shows its
outcome's words in the error style, in Russian for a Russian reader (the catalogue's fallback is English, so a
refusal that lost the reader's language would show English). The words are the catalogue's, read here; the markup is
written out, not read from html.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape

import pytest

from messenger_bank.conversation.catalogue import text
from messenger_bank.http import HttpAnswer, HttpRequest
from messenger_bank.securepage.html import message_page
from messenger_bank.securepage.service import Collaborators, handle
from messenger_bank.security._hs256 import chat_binding
from messenger_bank.security.links import make_link, token_of
from tests.unit.securepage.conftest import ALICE, ALICE_CARD, ALICE_CHAT, BOB_CARD, event, link_token

BASE = "https://api.example.com/secure/pin"


def error_paragraph(kind: str) -> str:
    return f'<p class="error">{escape(text(f"secure_page.{kind}_text", "ru"))}</p>'


def refused(deps: Collaborators, case: str) -> HttpAnswer:
    if case == "bad_request":
        return handle(HttpRequest(method="PUT", path_parameters={"purpose": "pin"}), deps)
    if case == "unknown_page":
        return handle(event("GET", "cvv", token=link_token()), deps)
    if case == "no_token":
        return handle(event("GET", "pin"), deps)
    pin = {"pin": "4829", "pin_confirm": "4829"}
    token = link_token()
    if case == "expired_link":
        token = link_token(now=datetime.now(UTC) - timedelta(minutes=10))
        return handle(event("POST", "pin", token=token, card=ALICE_CARD, form=pin), deps)
    if case == "forged_link":
        forged = make_link(BASE, ALICE, ALICE_CHAT, "change_pin", key=b"not the bank's key" * 2, card_id=ALICE_CARD)
        return handle(event("POST", "pin", token=token_of(forged), card=ALICE_CARD, form=pin), deps)
    if case == "locked":
        mismatch = {"pin": "4829", "pin_confirm": "4820"}
        for _ in range(3):
            handle(event("POST", "pin", token=link_token(), card=ALICE_CARD, form=mismatch), deps)
        return handle(event("POST", "pin", token=token, card=ALICE_CARD, form=pin), deps)
    if case == "not_yours":
        return handle(event("POST", "pin", token=link_token(card_id=BOB_CARD), card=BOB_CARD, form=pin), deps)
    if case in ("no_recent_proof", "card_blocked"):
        if case == "card_blocked":  # a proof a minute old, the card blocked since
            at = datetime.now(UTC) - timedelta(minutes=1)
            deps.customers.record_authentication(ALICE, chat_binding(ALICE_CHAT), at)  # type: ignore[union-attr]
            deps.core.blocked.add(ALICE_CARD)
        return handle(event("POST", "details", token=link_token("show_card_details"), form={}), deps)
    if case == "bank_down":
        deps.core.failing = True
        return handle(event("POST", "pin", token=token, card=ALICE_CARD, form=pin), deps)
    handle(event("POST", "pin", token=token, card=ALICE_CARD, form=pin), deps)
    return handle(event("POST", "pin", token=token, card=ALICE_CARD, form=pin), deps)


@pytest.mark.parametrize(
    ("case", "status", "kind"),
    [
        ("bad_request", 405, "bad_request"),
        ("unknown_page", 404, "invalid"),
        ("no_token", 400, "invalid"),
        ("used_link", 410, "used"),
        ("expired_link", 410, "expired"),
        ("forged_link", 403, "invalid"),
        ("locked", 429, "locked"),
        ("not_yours", 403, "not_yours"),
        ("no_recent_proof", 403, "reauth"),
        ("card_blocked", 409, "card_blocked"),
        ("bank_down", 502, "bank_down"),
    ],
)
def test_a_refusal_is_shown_as_an_error(deps: Collaborators, case: str, status: int, kind: str) -> None:
    answer = refused(deps, case)

    assert answer.status == status
    assert f'data-outcome="{kind}"' in answer.body
    assert error_paragraph(kind) in answer.body
    assert 'class="ok"' not in answer.body


def test_an_outcome_page_is_an_error_unless_told_it_is_a_success() -> None:
    page = message_page("expired", "en")

    assert f'<p class="error">{escape(text("secure_page.expired_text", "en"))}</p>' in page
    assert 'class="ok"' not in page
