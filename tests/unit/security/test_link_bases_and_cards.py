"""A link's page may be plain http only on the local cloud (127.0.0.1 or localhost); a PIN link carries the card it
is for, and a link for another page carries none."""

from __future__ import annotations

import pytest

from messenger_bank.security.links import inspect_link, make_link, token_of
from tests.unit.security.conftest import LINK_KEY

CHAT = "telegram:123456"
CARD = "card-1"


@pytest.mark.parametrize("base", ["http://127.0.0.1:3000/secure/pin", "http://localhost:3000/secure/pin"])
def test_the_local_cloud_may_serve_its_pages_over_plain_http(base: str) -> None:
    link = make_link(base, "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY)

    assert link.startswith(base + "?t=")


def test_a_pin_link_carries_its_card() -> None:
    token = token_of(
        make_link("https://api.example.com/secure/pin", "cust-1", CHAT, "change_pin", card_id=CARD, key=LINK_KEY)
    )

    assert inspect_link(token, key=LINK_KEY).card_id == CARD


def test_a_password_link_carries_no_card() -> None:
    token = token_of(
        make_link("https://api.example.com/secure/password", "cust-1", CHAT, "change_password", key=LINK_KEY)
    )

    assert inspect_link(token, key=LINK_KEY).card_id is None
