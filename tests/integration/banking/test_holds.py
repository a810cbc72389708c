"""Holds over the real protocols: core banking's balance answers what the card network's authorizations hold,
the wrapper's ``Balance`` takes them off what is available, and the directory lists the network's
authorizations endpoint."""

from __future__ import annotations

import httpx

from local.sandbox import Sandbox
from messenger_bank.banking import service
from messenger_bank.banking.models.core import CreditRequest, IssueCardRequest
from tests.integration.banking.conftest import Clients, person


def test_the_balance_reads_the_holds_until_the_authorization_is_cleared(sandbox: Sandbox) -> None:
    clients = Clients(sandbox)
    customer = service.create_customer(person(), core=clients.core)
    card = service.issue_virtual_card(
        IssueCardRequest(
            customer_id=customer.customer_id, credit_limit=10_000, idempotency_key=f"h-{customer.customer_id}"
        ),
        core=clients.core,
    )
    service.credit(
        CreditRequest(
            account_id=card.account_id,
            source="bonus",
            amount=1_200,
            currency="BYN",
            idempotency_key=f"h-{card.card_id}",
        ),
        core=clients.core,
    )
    authorizations = sandbox.directory()["systems"]["network"]["authorizations_url"]
    held = httpx.post(
        authorizations,
        json={"card_id": card.card_id, "amount_minor": 2_500, "currency": "BYN", "mcc": "5541", "merchant": "Shell"},
        headers={"Idempotency-Key": f"h-auth-{card.card_id}"},
    )
    assert held.status_code == 200, held.text

    balance = clients.core.balance(card.account_id)
    assert (balance.ledger_balance, balance.credit_limit, balance.holds) == (1_200, 10_000, 2_500)
    assert balance.available == 1_200 + 10_000 - 2_500

    cleared = httpx.post(
        f"{authorizations}/{held.json()['authorization_id']}/clearing",
        json={"amount_minor": 2_400},
        headers={"Idempotency-Key": f"h-clear-{card.card_id}"},
    )
    assert cleared.status_code == 200, cleared.text
    after = clients.core.balance(card.account_id)
    assert (after.ledger_balance, after.holds, after.available) == (1_200 - 2_400, 0, 1_200 + 10_000 - 2_400)
