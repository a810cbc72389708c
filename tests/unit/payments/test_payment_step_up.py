"""Bill payments under the step-up policy (spending/): 100.00 BYN a day free of a code, 300.00 at most
(POLICY); the quote says when a code is needed, Pay refuses without it and counts each payment once."""

from __future__ import annotations

import pytest

from messenger_bank.errors import InsufficientFunds
from messenger_bank.payments.models import BillPaymentState, PaymentQuoteView, QuotePaymentRequest
from messenger_bank.payments.service import pay_bill, prepare_payment, quote_payment
from messenger_bank.payments.settings import PaymentSettings
from messenger_bank.spending.errors import CodeRequired, DailyLimitExceeded
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.service import bank_day
from messenger_bank.spending.settings import SpendingSettings
from tests.unit.payments.conftest import CUSTOMER, MTS, NOW, PHONE, World

SETTINGS = PaymentSettings(limit_per_payment_minor=50_000)
POLICY = SpendingSettings(free_per_day_minor=10_000, limit_per_day_minor=30_000)


def quote(world: World, amount_minor: int) -> PaymentQuoteView:
    return quote_payment(
        QuotePaymentRequest(
            customer_id=CUSTOMER, payee_id=MTS, account=PHONE, amount_minor=amount_minor, currency="BYN"
        ),
        settings=SETTINGS, payments=world.payments, customers_repository=world.customers,
        billing=world.billing, core=world.core, policy=POLICY, clock=lambda: NOW,  # type: ignore[arg-type]
    )  # fmt: skip


def pay(world: World, amount_minor: int, payment_id: str, *, code_checked: bool = False) -> BillPaymentState:
    answer = quote(world, amount_minor)
    state = prepare_payment(
        BillPaymentState(quote_id=answer.quote_id, customer_id=CUSTOMER, chat_key="telegram:1", payment_id=payment_id),
        payments=world.payments,
        clock=lambda: NOW,
    )
    if code_checked:
        counter = SpendingRepository(world.payments.table)
        counter.put_challenge(answer.quote_id, CUSTOMER, "otp-1", expires_at=int(NOW.timestamp()) + 600)
        counter.mark_checked(answer.quote_id, now=int(NOW.timestamp()))
    return pay_bill(state, payments=world.payments, billing=world.billing, policy=POLICY, clock=lambda: NOW)  # type: ignore[arg-type]


def spent(world: World) -> int:
    return SpendingRepository(world.payments.table).spent(CUSTOMER, bank_day(NOW))


def test_a_payment_reaching_the_free_amount_exactly_needs_no_code(world: World) -> None:
    answer = quote(world, 10_000)

    assert answer.otp_required is False


def test_a_payment_one_kopeck_past_the_free_amount_needs_a_code_and_the_journey_knows_it(world: World) -> None:
    answer = quote(world, 10_001)
    state = prepare_payment(
        BillPaymentState(quote_id=answer.quote_id, customer_id=CUSTOMER, chat_key="telegram:1", payment_id="p-1"),
        payments=world.payments,
        clock=lambda: NOW,
    )

    assert (answer.otp_required, state.otp_required) == (True, True)


def test_small_payments_add_up_to_a_code(world: World) -> None:
    pay(world, 6_000, "p-1")

    assert quote(world, 4_001).otp_required is True


def test_a_payment_past_the_free_amount_without_a_checked_code_pays_nothing(world: World) -> None:
    pay(world, 6_000, "p-1")

    with pytest.raises(CodeRequired):
        pay(world, 4_001, "p-2")
    assert ([p.amount for p in world.billing.paid], spent(world)) == ([6_000], 6_000)


def test_with_a_checked_code_the_payment_goes_through(world: World) -> None:
    pay(world, 6_000, "p-1")
    pay(world, 4_001, "p-2", code_checked=True)

    assert ([p.amount for p in world.billing.paid], spent(world)) == ([6_000, 4_001], 10_001)


def test_past_the_daily_limit_the_quote_is_refused(world: World) -> None:
    pay(world, 20_000, "p-1", code_checked=True)

    with pytest.raises(DailyLimitExceeded):
        quote(world, 10_001)


def test_a_retried_pay_step_counts_once(world: World) -> None:
    answer = quote(world, 6_000)
    state = prepare_payment(
        BillPaymentState(quote_id=answer.quote_id, customer_id=CUSTOMER, chat_key="telegram:1", payment_id="p-1"),
        payments=world.payments,
        clock=lambda: NOW,
    )
    for _ in range(2):
        pay_bill(state, payments=world.payments, billing=world.billing, policy=POLICY, clock=lambda: NOW)  # type: ignore[arg-type]

    assert spent(world) == 6_000


def test_a_payment_billing_refuses_gives_its_amount_back(world: World) -> None:
    answer = quote(world, 6_000)
    state = prepare_payment(
        BillPaymentState(quote_id=answer.quote_id, customer_id=CUSTOMER, chat_key="telegram:1", payment_id="p-1"),
        payments=world.payments,
        clock=lambda: NOW,
    )
    world.billing.balance_minor = 5_999

    with pytest.raises(InsufficientFunds):
        pay_bill(state, payments=world.payments, billing=world.billing, policy=POLICY, clock=lambda: NOW)  # type: ignore[arg-type]
    assert spent(world) == 0
