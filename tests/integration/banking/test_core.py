"""Core banking over REST with Keycloak tokens: cards, accounts, money, idempotency, faults."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pydantic import SecretStr

from local.sandbox import Fault, Sandbox
from messenger_bank.banking import service
from messenger_bank.banking.models import iban_is_valid
from messenger_bank.banking.models.core import (
    CreditRequest,
    DebitRequest,
    DeliveryAddress,
    IssueCardRequest,
    IssuedCard,
    OrderPlasticRequest,
    RefundRequest,
    SetPinRequest,
    TransferRequest,
)
from messenger_bank.cardnumbers import is_card_number
from messenger_bank.errors import (
    BankSystemUnavailable,
    CardBlocked,
    CardNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
)
from tests.integration.banking.conftest import Clients, person


def key(label: str = "k") -> str:
    return f"{label}-{uuid.uuid4().hex}"


def new_card(clients: Clients, funds: int = 0) -> IssuedCard:
    customer = service.create_customer(person(), core=clients.core)
    card = service.issue_virtual_card(
        IssueCardRequest(customer_id=customer.customer_id, idempotency_key=key("issue")), core=clients.core
    )
    if funds:
        service.credit(
            CreditRequest(
                account_id=card.account_id, source="bonus", amount=funds, currency="BYN", idempotency_key=key("fund")
            ),
            core=clients.core,
        )
    return card


def test_a_new_customer_gets_a_card_with_a_valid_number_and_iban(clients: Clients) -> None:
    card = new_card(clients)
    assert is_card_number(card.pan.get_secret_value())
    assert iban_is_valid(card.iban) and len(card.iban) == 28
    assert card.pan.get_secret_value() not in card.model_dump_json()


def test_the_same_person_is_one_customer(clients: Clients) -> None:
    someone = person()
    first = service.create_customer(someone, core=clients.core)
    again = service.create_customer(someone, core=clients.core)
    assert (first.created, again.created) == (True, False)
    assert first.customer_id == again.customer_id


def test_issuing_twice_with_one_key_gives_one_card(clients: Clients) -> None:
    customer = service.create_customer(person(), core=clients.core)
    request = IssueCardRequest(customer_id=customer.customer_id, idempotency_key=key("issue"))
    assert service.issue_virtual_card(request, core=clients.core).card_id == (
        service.issue_virtual_card(request, core=clients.core).card_id
    )
    assert len(service.list_cards(customer.customer_id, core=clients.core)) == 1


def test_a_key_reused_with_another_body_is_a_conflict(clients: Clients) -> None:
    card = new_card(clients, funds=10_000)
    reused = key("debit")
    service.debit(
        DebitRequest(card_id=card.card_id, amount=100, currency="BYN", idempotency_key=reused), core=clients.core
    )
    with pytest.raises(IdempotencyConflict):
        service.debit(
            DebitRequest(card_id=card.card_id, amount=200, currency="BYN", idempotency_key=reused), core=clients.core
        )
    assert service.get_balance(card.account_id, core=clients.core).available == 10_000 - 100  # nothing more moved


def test_balance_requisites_and_history(clients: Clients) -> None:
    card = new_card(clients, funds=12_345)
    assert service.get_balance(card.account_id, core=clients.core).available == 12_345
    requisites = service.get_requisites(card.account_id, core=clients.core)
    assert requisites.iban == card.iban and requisites.bic == "MBNKBY2X"
    assert [h.amount for h in service.history(card.account_id, core=clients.core)] == [12_345]


def test_a_blocked_card_refuses_debits_until_unblocked(clients: Clients) -> None:
    card = new_card(clients, funds=1_000)
    assert service.block_card(card.card_id, core=clients.core).status == "blocked"
    with pytest.raises(CardBlocked):
        service.debit(
            DebitRequest(card_id=card.card_id, amount=100, currency="BYN", idempotency_key=key()), core=clients.core
        )
    assert service.unblock_card(card.card_id, core=clients.core).status == "active"


def test_a_pin_travels_encrypted_and_is_set(clients: Clients) -> None:
    card = new_card(clients)
    request = service.encrypt_pin(card.card_id, SecretStr("4321"), service.pin_key(core=clients.core))
    service.set_pin(request, core=clients.core)
    assert service.get_card(card.card_id, core=clients.core).pin_set


def test_a_pin_block_for_another_card_is_refused(clients: Clients) -> None:
    card, other = new_card(clients), new_card(clients)
    request = service.encrypt_pin(other.card_id, SecretStr("4321"), service.pin_key(core=clients.core))
    forged = SetPinRequest(card_id=card.card_id, encrypted_pin=request.encrypted_pin, key_id=request.key_id)
    with pytest.raises(OperationRejected):
        service.set_pin(forged, core=clients.core)


def test_a_plastic_card_is_ordered_once(clients: Clients) -> None:
    card = new_card(clients)
    request = OrderPlasticRequest(
        card_id=card.card_id,
        address=DeliveryAddress(city="Minsk", street="Nezavisimosti 1"),
        idempotency_key=key("plastic"),
    )
    first = service.order_plastic_card(request, core=clients.core)
    assert service.order_plastic_card(request, core=clients.core).order_id == first.order_id
    assert service.plastic_order_status(first.order_id, core=clients.core).status == "ordered"


def test_a_debit_beyond_the_balance_is_insufficient_funds(clients: Clients) -> None:
    card = new_card(clients, funds=500)
    with pytest.raises(InsufficientFunds):
        service.debit(
            DebitRequest(card_id=card.card_id, amount=501, currency="BYN", idempotency_key=key()), core=clients.core
        )


def test_a_debit_beyond_the_per_operation_limit_is_refused(clients: Clients, sandbox: Sandbox) -> None:
    card = new_card(clients, funds=sandbox.config.limit_per_operation + 1)
    with pytest.raises(LimitExceeded):
        service.debit(
            DebitRequest(
                card_id=card.card_id,
                amount=sandbox.config.limit_per_operation + 1,
                currency="BYN",
                idempotency_key=key(),
            ),
            core=clients.core,
        )


def test_an_unknown_card_is_not_found(clients: Clients) -> None:
    with pytest.raises(CardNotFound):
        service.get_card("card_doesnotexist", core=clients.core)


def test_debit_credit_and_refund_move_money_exactly_once(clients: Clients, sandbox: Sandbox) -> None:
    payer, payee = new_card(clients, funds=10_000), new_card(clients)
    taken = service.debit(
        DebitRequest(card_id=payer.card_id, amount=2_500, currency="BYN", idempotency_key=key()), core=clients.core
    )
    service.credit(
        CreditRequest(
            card_id=payee.card_id, debit_id=taken.operation_id, amount=2_000, currency="BYN", idempotency_key=key()
        ),
        core=clients.core,
    )
    service.refund(RefundRequest(debit_id=taken.operation_id, idempotency_key=key()), core=clients.core)
    with pytest.raises(OperationRejected):  # nothing is left of the debit
        service.refund(RefundRequest(debit_id=taken.operation_id, idempotency_key=key()), core=clients.core)
    assert service.get_balance(payer.account_id, core=clients.core).available == 8_000
    assert service.get_balance(payee.account_id, core=clients.core).available == 2_000
    assert sandbox.ledger()["total"] == 0


def test_a_credit_to_a_card_its_bank_refuses_is_card_not_found(clients: Clients) -> None:
    payer = new_card(clients, funds=1_000)
    taken = service.debit(
        DebitRequest(card_id=payer.card_id, amount=100, currency="BYN", idempotency_key=key()), core=clients.core
    )
    with pytest.raises(CardNotFound):
        service.credit(
            CreditRequest(
                pan=SecretStr("4000000000000002"),
                debit_id=taken.operation_id,
                amount=100,
                currency="BYN",
                idempotency_key=key(),
            ),
            core=clients.core,
        )


def test_a_failure_after_commit_is_retried_with_the_same_key_and_moves_money_once(
    clients: Clients, sandbox: Sandbox
) -> None:
    a, b = new_card(clients, funds=10_000), new_card(clients)
    sandbox.faults.set("core", "transfer", Fault(after_commit_rate=1.0))
    request = TransferRequest(
        from_account_id=a.account_id,
        to_account_id=b.account_id,
        amount=1_000,
        currency="BYN",
        idempotency_key=key("transfer"),
    )
    with pytest.raises(BankSystemUnavailable):  # every answer is lost, though the first attempt committed
        service.transfer(request, core=clients.core)
    sandbox.faults.clear()
    service.transfer(request, core=clients.core)  # a later retry (a state machine's) replays the first answer
    assert service.get_balance(a.account_id, core=clients.core).available == 9_000
    assert service.get_balance(b.account_id, core=clients.core).available == 1_000


def test_a_timeout_before_commit_moves_nothing_and_a_retry_moves_it_once(sandbox: Sandbox) -> None:
    clients = Clients(sandbox, timeout=httpx.Timeout(0.3, connect=1.0))
    a = new_card(clients, funds=10_000)
    sandbox.faults.set("core", "debit", Fault(timeout_rate=0.5, hang_seconds=0.6))
    succeeded = 0
    for _ in range(4):
        try:
            service.debit(
                DebitRequest(card_id=a.card_id, amount=100, currency="BYN", idempotency_key=key()), core=clients.core
            )
            succeeded += 1
        except BankSystemUnavailable:
            pass  # three hangs in a row: nothing was committed
    sandbox.faults.clear()
    assert service.get_balance(a.account_id, core=clients.core).available == 10_000 - 100 * succeeded


def _cvv_by_the_documented_rule(sandbox: Sandbox, pan: str, expiry: str) -> str:
    """local/sandbox/README.md: HMAC-SHA256(key, "<pan>|<MM/YY>"), its first 8 bytes big-endian, mod 1000."""
    import hashlib
    import hmac

    key = (sandbox.state_dir / "keys" / "card-verification.key").read_bytes()
    digest = hmac.new(key, f"{pan}|{expiry}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1000:03d}"


def test_a_cards_details_are_its_number_expiry_and_the_cvv_of_the_documented_rule(clients: Clients) -> None:
    card, other = new_card(clients), new_card(clients)

    details = clients.core.card_details(card.card_id)
    again = clients.core.card_details(card.card_id)

    assert details.pan.get_secret_value() == card.pan.get_secret_value()
    assert details.expiry == card.expiry
    cvv = details.cvv.get_secret_value()
    assert cvv == _cvv_by_the_documented_rule(clients.sandbox, card.pan.get_secret_value(), card.expiry)
    assert again.cvv.get_secret_value() == cvv  # computed, not drawn anew
    assert "cvv" not in {column for row in clients.sandbox.bank.cards_of(card.customer_id) for column in row}
    assert clients.core.card_details(other.card_id).pan.get_secret_value() == other.pan.get_secret_value()


def test_a_blocked_cards_details_are_refused(clients: Clients) -> None:
    card = new_card(clients)
    service.block_card(card.card_id, core=clients.core)

    with pytest.raises(CardBlocked):
        clients.core.card_details(card.card_id)


def test_an_unknown_cards_details_are_refused(clients: Clients) -> None:
    with pytest.raises(CardNotFound):
        clients.core.card_details("card_nobody")
