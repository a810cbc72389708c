"""Payments for services: catalogue, account check, quote, the journey's steps, saved payees."""

from __future__ import annotations

import pytest

from messenger_bank.errors import InsufficientFunds, LimitExceeded, PayeeAccountNotFound
from messenger_bank.payments.errors import NoPaymentYet, PaymentQuoteAlreadyUsed
from messenger_bank.payments.models import (
    BillPaymentState,
    CheckPayeeAccountRequest,
    CustomerRequest,
    ListPayeesRequest,
    PaymentQuoteView,
    QuotePaymentRequest,
)
from messenger_bank.payments.service import (
    check_payee_account,
    last_payment,
    list_payees,
    list_saved_payees,
    pay_bill,
    prepare_payment,
    quote_payment,
)
from messenger_bank.payments.settings import PaymentSettings
from tests.unit.payments.conftest import ACCOUNT, CUSTOMER, MTS, NOW, PHONE, World

SETTINGS = PaymentSettings(limit_per_payment_minor=50_000)


def quote(world: World, amount_minor: int, account: str = PHONE) -> PaymentQuoteView:
    return quote_payment(
        QuotePaymentRequest(
            customer_id=CUSTOMER, payee_id=MTS, account=account, amount_minor=amount_minor, currency="BYN"
        ),
        settings=SETTINGS,
        payments=world.payments,
        customers_repository=world.customers,
        billing=world.billing,  # type: ignore[arg-type]
        core=world.core,  # type: ignore[arg-type]
        clock=lambda: NOW,
    )


def journey(world: World, quote_id: str, payment_id: str = "bill_payment-abc-1") -> BillPaymentState:
    state = BillPaymentState(quote_id=quote_id, customer_id=CUSTOMER, chat_key="telegram:1", payment_id=payment_id)
    return prepare_payment(state, payments=world.payments, clock=lambda: NOW)


def pay(world: World, state: BillPaymentState) -> BillPaymentState:
    return pay_bill(state, payments=world.payments, billing=world.billing, clock=lambda: NOW)  # type: ignore[arg-type]


def test_the_catalogue_of_a_category_becomes_payee_buttons(world: World) -> None:
    answer = list_payees(ListPayeesRequest(category="mobile"), billing=world.billing)  # type: ignore[arg-type]

    assert [(p.payee_id, p.name) for p in answer.items] == [(MTS, "MTS")]


def test_an_account_check_shows_the_amount_due_when_billing_has_one(world: World) -> None:
    billing = world.billing
    utilities = check_payee_account(CheckPayeeAccountRequest(payee_id="200102", account="123456789"), billing=billing)  # type: ignore[arg-type]
    mobile = check_payee_account(CheckPayeeAccountRequest(payee_id=MTS, account=PHONE), billing=billing)  # type: ignore[arg-type]

    assert (utilities.has_amount_due, utilities.amount_due) == (True, "42.50 BYN")
    assert (mobile.has_amount_due, mobile.amount_due) == (False, "")


def test_an_account_the_payee_does_not_know_is_refused(world: World) -> None:
    with pytest.raises(PayeeAccountNotFound):
        check_payee_account(CheckPayeeAccountRequest(payee_id=MTS, account="+375290001234"), billing=world.billing)  # type: ignore[arg-type]


def test_a_quote_shows_the_total_and_keeps_the_account_in_the_table(world: World) -> None:
    answer = quote(world, 1_500)

    assert (answer.payee, answer.amount, answer.fee, answer.total) == ("MTS", "15.00 BYN", "0.00 BYN", "15.00 BYN")
    stored = world.payments.get_quote(answer.quote_id, CUSTOMER)
    assert (stored.account, stored.source_account_id) == (PHONE, ACCOUNT)


def test_limits_and_balance_are_checked_before_anything_moves(world: World) -> None:
    with pytest.raises(LimitExceeded):
        quote(world, 50_001)
    world.billing.balance_minor = 1_000
    with pytest.raises(InsufficientFunds):
        quote(world, 1_500)
    assert world.billing.paid == []


def test_the_payment_pays_once_however_often_the_step_runs(world: World) -> None:
    state = journey(world, quote(world, 1_500).quote_id)

    first = pay(world, state)
    again = pay(world, state)

    assert first.bank_payment_id == again.bank_payment_id == "op-1"
    assert [p.idempotency_key for p in world.billing.paid] == ["payment:bill_payment-abc-1:pay"]
    assert world.billing.balance_minor == 100_000 - 1_500
    assert state.account == "+375***567"  # the journey's state shows the account masked


def test_one_quote_backs_one_payment(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id
    journey(world, quote_id, "bill_payment-abc-1")

    with pytest.raises(PaymentQuoteAlreadyUsed):
        journey(world, quote_id, "bill_payment-xyz-1")


def test_a_refusal_moves_nothing(world: World) -> None:
    state = journey(world, quote(world, 1_500).quote_id)
    world.billing.balance_minor = 100

    with pytest.raises(InsufficientFunds):
        pay(world, state)
    assert world.billing.paid == []


def test_a_completed_payment_is_saved_and_can_be_repeated(world: World) -> None:
    with pytest.raises(NoPaymentYet):
        last_payment(CustomerRequest(customer_id=CUSTOMER), payments=world.payments)
    pay(world, journey(world, quote(world, 1_500).quote_id))

    saved = list_saved_payees(CustomerRequest(customer_id=CUSTOMER), settings=SETTINGS, payments=world.payments)
    last = last_payment(CustomerRequest(customer_id=CUSTOMER), payments=world.payments)

    assert [(p.payee_id, p.account) for p in saved.items] == [(MTS, PHONE)]
    assert (last.payee_id, last.account, last.amount_minor, last.amount) == (MTS, PHONE, 1_500, "15.00 BYN")
