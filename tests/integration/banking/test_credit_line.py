"""A card with a credit line, over REST against the sandbox: Cerberus's scoring cases (high, low,
refused), the account opened with the limit, the funds rule ``balance >= -credit_limit`` at both of its
sides for debits, transfers and the ledger's own check, and a top-up that repays the debt first."""

from __future__ import annotations

import uuid

import pytest

from local.sandbox import Sandbox
from messenger_bank.banking import service
from messenger_bank.banking.models.core import (
    CreditRequest,
    DebitRequest,
    IssueCardRequest,
    IssuedCard,
    Operation,
    RefundRequest,
    TransferRequest,
)
from messenger_bank.errors import CardLimitAboveMaximum, InsufficientFunds, OperationRejected
from tests.integration.banking.conftest import Clients, person

LIMIT = 100_000  # the sandbox's high limit: 1 000.00 BYN


def key(label: str = "k") -> str:
    return f"{label}-{uuid.uuid4().hex}"


def credit_card(clients: Clients, limit: int = LIMIT, funds: int = 0) -> IssuedCard:
    customer = service.create_customer(person(), core=clients.core)
    card = service.issue_virtual_card(
        IssueCardRequest(customer_id=customer.customer_id, credit_limit=limit, idempotency_key=key("issue")),
        core=clients.core,
    )
    if funds:
        top_up(clients, card, funds)
    return card


def top_up(clients: Clients, card: IssuedCard, amount: int) -> Operation:
    return service.credit(
        CreditRequest(
            account_id=card.account_id, source="acquiring", amount=amount, currency="BYN", idempotency_key=key("top")
        ),
        core=clients.core,
    )


def debit(clients: Clients, card: IssuedCard, amount: int) -> str:
    request = DebitRequest(card_id=card.card_id, amount=amount, currency="BYN", idempotency_key=key("debit"))
    return service.debit(request, core=clients.core).operation_id


# --- Cerberus's scoring ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "last_name", "decision", "limit"),
    [
        ("anyone: the high limit", "Ivanova", "approved", 100_000),
        ("a low score", "Modest", "approved", 10_000),
        ("a refused score", "Debtor", "refused", 0),
        ("names are compared as the bank's screening compares them", "DEBTOR", "refused", 0),
    ],
)
def test_the_scoring_grants_the_documented_limits(
    clients: Clients, case: str, last_name: str, decision: str, limit: int
) -> None:
    customer = service.create_customer(person(last_name=last_name), core=clients.core)

    scoring = service.score_credit(customer.customer_id, cerberus=clients.cerberus)

    assert (scoring.decision, scoring.credit_limit, scoring.currency) == (decision, limit, "BYN"), case


def test_a_scoring_of_someone_not_a_customer_is_refused_as_not_found(clients: Clients) -> None:
    with pytest.raises(OperationRejected):
        service.score_credit("cus_nobody", cerberus=clients.cerberus)


# --- the account opened with the limit ---------------------------------------------------------------------
def test_the_card_account_is_opened_with_the_limit_and_reports_it(clients: Clients) -> None:
    card = credit_card(clients)

    balance = service.get_balance(card.account_id, core=clients.core)

    assert card.credit_limit == LIMIT
    assert (balance.ledger_balance, balance.credit_limit, balance.holds, balance.available) == (0, LIMIT, 0, LIMIT)


@pytest.mark.parametrize(("limit", "allowed"), [(1_000_000, True), (1_000_001, False)])
def test_core_banking_opens_no_credit_line_above_its_maximum(clients: Clients, limit: int, allowed: bool) -> None:
    customer = service.create_customer(person(), core=clients.core)
    request = IssueCardRequest(customer_id=customer.customer_id, credit_limit=limit, idempotency_key=key("issue"))
    if allowed:
        assert service.issue_virtual_card(request, core=clients.core).credit_limit == limit
    else:
        with pytest.raises(CardLimitAboveMaximum):
            service.issue_virtual_card(request, core=clients.core)


# --- the funds rule: balance >= -credit_limit ---------------------------------------------------------------
@pytest.mark.parametrize(("funds", "limit"), [(0, LIMIT), (1_200, LIMIT), (0, 1), (500, 0)])
def test_a_debit_may_take_own_funds_and_the_whole_credit_line_exactly(
    clients: Clients, sandbox: Sandbox, funds: int, limit: int
) -> None:
    card = credit_card(clients, limit=limit, funds=funds)

    debit(clients, card, funds + limit)

    assert sandbox.bank.balance(card.account_id) == -limit
    assert service.get_balance(card.account_id, core=clients.core).available == 0


@pytest.mark.parametrize(("funds", "limit"), [(0, LIMIT), (1_200, LIMIT), (0, 1), (500, 0)])
def test_a_debit_one_kopeck_beyond_the_credit_line_is_insufficient_funds_and_moves_nothing(
    clients: Clients, sandbox: Sandbox, funds: int, limit: int
) -> None:
    card = credit_card(clients, limit=limit, funds=funds)

    with pytest.raises(InsufficientFunds):
        debit(clients, card, funds + limit + 1)

    assert sandbox.bank.balance(card.account_id) == funds


def test_a_second_debit_that_would_pass_the_limit_is_refused_after_the_first_used_credit(
    clients: Clients, sandbox: Sandbox
) -> None:
    card = credit_card(clients)
    debit(clients, card, LIMIT - 100)

    with pytest.raises(InsufficientFunds):
        debit(clients, card, 101)
    debit(clients, card, 100)

    assert sandbox.bank.balance(card.account_id) == -LIMIT


@pytest.mark.parametrize(("amount", "allowed"), [(LIMIT, True), (LIMIT + 1, False)])
def test_a_transfer_may_spend_into_credit_up_to_the_limit(
    clients: Clients, sandbox: Sandbox, amount: int, allowed: bool
) -> None:
    payer, payee = credit_card(clients), credit_card(clients, limit=0)
    request = TransferRequest(
        from_account_id=payer.account_id,
        to_account_id=payee.account_id,
        amount=amount,
        currency="BYN",
        idempotency_key=key("transfer"),
    )
    if allowed:
        service.transfer(request, core=clients.core)
    else:
        with pytest.raises(InsufficientFunds):
            service.transfer(request, core=clients.core)

    moved = amount if allowed else 0
    assert (sandbox.bank.balance(payer.account_id), sandbox.bank.balance(payee.account_id)) == (-moved, moved)


def test_the_ledgers_own_check_holds_the_line_whatever_the_caller_checked(sandbox: Sandbox, clients: Clients) -> None:
    """``post`` refuses what ``check_debit`` would: one kopeck past -limit, even from a caller that skipped it."""
    card = credit_card(clients, limit=500)
    bank = sandbox.bank
    with bank.write() as db:
        bank.post(db, "debit", [(card.account_id, -500), ("BANK-TRANSIT", 500)], 500)
    with pytest.raises(Exception, match="does not cover"), bank.write() as db:
        bank.post(db, "debit", [(card.account_id, -1), ("BANK-TRANSIT", 1)], 1)
    assert bank.balance(card.account_id) == -500


# --- repaying --------------------------------------------------------------------------------------------
def test_a_top_up_repays_the_debt_first_and_the_rest_is_own_funds(clients: Clients, sandbox: Sandbox) -> None:
    card = credit_card(clients)
    debit(clients, card, 30_000)

    partly = top_up(clients, card, 20_000)  # less than the debt: all of it repays
    halfway = service.get_balance(card.account_id, core=clients.core)
    rest = top_up(clients, card, 11_200)  # the rest of the debt, and 12.00 of own funds
    repaid = service.get_balance(card.account_id, core=clients.core)
    beyond = top_up(clients, card, 500)  # no debt left: none of it repays

    assert (partly.credit_repaid, partly.credit_still_used) == (20_000, 10_000)
    assert (rest.credit_repaid, rest.credit_still_used) == (10_000, 0)
    assert (beyond.credit_repaid, beyond.balance_after) == (0, 1_700)

    assert (halfway.own_funds, halfway.credit_used, halfway.available) == (0, 10_000, LIMIT - 10_000)
    assert (repaid.own_funds, repaid.credit_used, repaid.available) == (1_200, 0, LIMIT + 1_200)
    ledger = sandbox.ledger()
    assert ledger["total"] == 0 and ledger["unbalanced_operations"] == 0 and ledger["accounts_over_limit"] == []


def test_a_refund_of_a_debit_taken_on_credit_gives_the_credit_back(clients: Clients, sandbox: Sandbox) -> None:
    card = credit_card(clients)
    taken = debit(clients, card, LIMIT)

    service.refund(RefundRequest(debit_id=taken, idempotency_key=key("refund")), core=clients.core)

    assert service.get_balance(card.account_id, core=clients.core).available == LIMIT


def test_the_ledger_names_accounts_in_credit_and_none_over_their_limit(clients: Clients, sandbox: Sandbox) -> None:
    card = credit_card(clients)
    debit(clients, card, 1)

    ledger = sandbox.ledger()

    assert card.account_id in ledger["negative_customer_accounts"]
    assert ledger["accounts_over_limit"] == [] and ledger["total"] == 0
