"""Cerberus's card proof (sign-in, and the card asked again) against the sandbox through the real
client: the full card number and expiry of a live card of the phone's customer, nothing less."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from local.sandbox import Sandbox
from local.sandbox.ledger import SEEDED_CUSTOMER
from messenger_bank.errors import DomainError
from tests.integration.banking.conftest import Clients

PHONE = str(SEEDED_CUSTOMER["phone"])


def seeded_card(sandbox: Sandbox) -> tuple[str, str]:
    (card,) = sandbox.bank.cards_of(str(SEEDED_CUSTOMER["id"]))
    return str(card["pan"]), str(card["expiry"])


def test_the_full_number_and_expiry_prove_the_card(clients: Clients, sandbox: Sandbox) -> None:
    pan, expiry = seeded_card(sandbox)

    proof = clients.cerberus.prove_card(PHONE, SecretStr(pan), expiry)

    assert proof.proven and proof.customer_id == SEEDED_CUSTOMER["id"]


def test_another_number_behind_the_same_mask_proves_nothing(clients: Clients, sandbox: Sandbox) -> None:
    from messenger_bank.cardnumbers import luhn_valid

    pan, expiry = seeded_card(sandbox)
    other = next(
        candidate
        for middle in range(1_000_000)
        if (candidate := pan[:6] + f"{middle:06d}" + pan[-4:]) != pan and luhn_valid(candidate)
    )

    proof = clients.cerberus.prove_card(PHONE, SecretStr(other), expiry)

    assert not proof.proven and proof.customer_id is None


def test_a_wrong_expiry_or_another_phone_proves_nothing(clients: Clients, sandbox: Sandbox) -> None:
    pan, expiry = seeded_card(sandbox)
    month, year = expiry.split("/")
    other_expiry = f"{month}/{int(year) + 1:02d}"

    assert not clients.cerberus.prove_card(PHONE, SecretStr(pan), other_expiry).proven
    assert not clients.cerberus.prove_card("+375290000001", SecretStr(pan), expiry).proven


@pytest.mark.parametrize("number", ["4321", "4111111111111112", "4111-1111-1111-1111"])
def test_what_is_not_a_card_number_is_refused_as_a_bad_request(clients: Clients, sandbox: Sandbox, number: str) -> None:
    _, expiry = seeded_card(sandbox)

    with pytest.raises(DomainError):
        clients.cerberus.prove_card(PHONE, SecretStr(number), expiry)
