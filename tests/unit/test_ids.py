"""Ids the bank makes up hold no digits, so no run of them can read as a card number."""

from __future__ import annotations

import re

from messenger_bank.ids import in_letters, random_id


def test_each_hex_digit_has_its_own_letter() -> None:
    assert in_letters("0123456789abcdef") == "abcdefghijklmnop"


def test_a_random_id_is_twice_its_bytes_in_letters_a_to_p() -> None:
    made = random_id(12)
    assert re.fullmatch(r"[a-p]{24}", made), made


def test_random_ids_differ() -> None:
    assert len({random_id(8) for _ in range(100)}) == 100


def test_a_money_request_made_with_a_random_id_fits_its_buttons_reference() -> None:
    """The Pay and Decline buttons carry `pay.<id>` / `decline.<id>`: an id the service makes must fit both."""
    from pydantic import TypeAdapter

    from messenger_bank.requests.models import Ref, RequestId

    made = f"mr{random_id(12)}"
    assert TypeAdapter(RequestId).validate_python(made) == made
    for action in ("pay", "decline"):
        assert TypeAdapter(Ref).validate_python(f"{action}.{made}") == f"{action}.{made}"
