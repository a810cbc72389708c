"""Each rule of a bill payment, tested from a valid quote or step with one thing changed, on both sides of
every boundary: the limit, the balance, the quote's life and owner, one quote one payment, the key
reused with another body. Amounts are worked out by hand (payments carry no fee: total = amount)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from messenger_bank.customers.models import Card
from messenger_bank.errors import (
    CardNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
    PayeeAccountNotFound,
    PayeeNotFound,
)
from messenger_bank.payments.errors import PaymentQuoteAlreadyUsed, PaymentQuoteNotFound
from messenger_bank.payments.models import BillPaymentState, CustomerRequest, PaymentQuoteView, QuotePaymentRequest
from messenger_bank.payments.service import (
    last_payment,
    list_saved_payees,
    pay_bill,
    prepare_payment,
    quote_payment,
)
from messenger_bank.payments.settings import PaymentSettings
from tests.unit.payments.conftest import ACCOUNT, CARD, CUSTOMER, MTS, NOW, PHONE, World

SETTINGS = PaymentSettings(limit_per_payment_minor=50_000, quote_ttl_seconds=1800)
UTILITIES = "200102"


def quote(
    world: World,
    amount_minor: int,
    *,
    payee_id: str = MTS,
    account: str = PHONE,
    currency: str = "BYN",
    settings: PaymentSettings = SETTINGS,
    at: timedelta = timedelta(0),
) -> PaymentQuoteView:
    return quote_payment(
        QuotePaymentRequest(
            customer_id=CUSTOMER, payee_id=payee_id, account=account, amount_minor=amount_minor, currency=currency
        ),
        settings=settings,
        payments=world.payments,
        customers_repository=world.customers,
        billing=world.billing,  # type: ignore[arg-type]
        core=world.core,  # type: ignore[arg-type]
        clock=lambda: NOW + at,
    )


def claim(
    world: World,
    quote_id: str,
    *,
    payment_id: str = "bill_payment-abc-1",
    customer_id: str = CUSTOMER,
    seconds: int = 0,
) -> BillPaymentState:
    state = BillPaymentState(quote_id=quote_id, customer_id=customer_id, chat_key="telegram:1", payment_id=payment_id)
    return prepare_payment(state, payments=world.payments, clock=lambda: NOW + timedelta(seconds=seconds))


def pay(world: World, state: BillPaymentState, at: timedelta = timedelta(0)) -> BillPaymentState:
    return pay_bill(state, payments=world.payments, billing=world.billing, clock=lambda: NOW + at)  # type: ignore[arg-type]


# --- the quote ------------------------------------------------------------------------------------------------
def test_an_amount_exactly_at_the_per_payment_limit_is_quoted(world: World) -> None:
    assert quote(world, 50_000).total_minor == 50_000


def test_an_amount_one_kopeck_above_the_per_payment_limit_is_refused(world: World) -> None:
    with pytest.raises(LimitExceeded) as refused:
        quote(world, 50_001)
    assert refused.value.details["limit"] == "per_payment"


def test_a_balance_equal_to_the_amount_is_enough(world: World) -> None:
    world.billing.balance_minor = 1_500

    assert quote(world, 1_500).total == "15.00 BYN"


def test_a_balance_one_kopeck_below_the_amount_is_insufficient(world: World) -> None:
    world.billing.balance_minor = 1_499

    with pytest.raises(InsufficientFunds):
        quote(world, 1_500)


def test_a_payment_carries_no_fee(world: World) -> None:
    answer = quote(world, 1_234)

    assert (answer.amount_minor, answer.fee_minor, answer.total_minor) == (1_234, 0, 1_234)


def test_a_payment_in_another_currency_is_refused_before_billing_is_asked(world: World) -> None:
    world.billing.check_account = None  # type: ignore[assignment,method-assign]  # asking it would fail

    with pytest.raises(OperationRejected) as refused:
        quote(world, 1_500, currency="USD")
    assert refused.value.details["code"] == "currency_not_supported"


def test_a_service_code_missing_from_the_catalogue_is_payee_not_found(world: World) -> None:
    with pytest.raises(PayeeNotFound):
        quote(world, 1_500, payee_id="999999")


def test_an_account_the_payee_does_not_know_is_refused_at_the_quote(world: World) -> None:
    with pytest.raises(PayeeAccountNotFound):
        quote(world, 1_500, account="+375290001234")


def test_a_customer_whose_card_is_blocked_has_nothing_to_pay_from(world: World) -> None:
    world.customers.put_card(
        Card(card_id=CARD, customer_id=CUSTOMER, mask="400011******0001", expiry="03/31", issued_at=NOW,
             status="blocked")
    )  # fmt: skip

    with pytest.raises(CardNotFound):
        quote(world, 1_500)


def test_the_virtual_card_pays_before_an_older_plastic_one(world: World) -> None:
    world.customers.put_card(
        Card(card_id="card-plastic", customer_id=CUSTOMER, mask="400011******0002", expiry="03/31", kind="plastic",
             issued_at=NOW - timedelta(days=30))
    )  # fmt: skip

    stored = world.payments.get_quote(quote(world, 1_500).quote_id, CUSTOMER)

    assert (stored.source_card_id, stored.source_account_id) == (CARD, ACCOUNT)


# --- the quote's life and owner --------------------------------------------------------------------------
def test_a_quote_can_start_its_payment_in_the_last_second_before_it_expires(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id

    assert claim(world, quote_id, seconds=1_799).total == "15.00 BYN"


def test_a_quote_cannot_start_a_payment_once_it_expires(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id

    with pytest.raises(PaymentQuoteNotFound):
        claim(world, quote_id, seconds=1_800)


def test_another_customers_quote_cannot_start_a_payment_nor_spoil_it(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id

    with pytest.raises(PaymentQuoteNotFound):
        claim(world, quote_id, customer_id="cus-other")
    assert claim(world, quote_id).quote_id == quote_id


def test_a_quote_claimed_by_one_payment_cannot_back_a_second(world: World) -> None:
    quote_id = quote(world, 1_500).quote_id
    claim(world, quote_id, payment_id="bill_payment-abc-1")

    with pytest.raises(PaymentQuoteAlreadyUsed):
        claim(world, quote_id, payment_id="bill_payment-xyz-1")
    assert claim(world, quote_id, payment_id="bill_payment-abc-1").quote_id == quote_id  # its own retry: fine


# --- paying ----------------------------------------------------------------------------------------------------
def test_the_payment_pays_the_quoted_amount_to_the_quoted_account_from_the_quoted_account(world: World) -> None:
    pay(world, claim(world, quote(world, 1_500).quote_id))

    [paid] = world.billing.paid
    assert (paid.service_code, paid.account, paid.amount, paid.payer_account_id, paid.idempotency_key) == (
        MTS, PHONE, 1_500, ACCOUNT, "payment:bill_payment-abc-1:pay",
    )  # fmt: skip
    assert world.billing.balance_minor == 100_000 - 1_500


def test_a_payment_id_reused_with_another_quote_is_a_conflict_and_pays_nothing_more(world: World) -> None:
    pay(world, claim(world, quote(world, 1_500).quote_id))
    other = claim(world, quote(world, 2_000).quote_id)  # same payment id, another quote

    with pytest.raises(IdempotencyConflict):
        pay(world, other)
    assert world.billing.balance_minor == 100_000 - 1_500
    assert last_payment(CustomerRequest(customer_id=CUSTOMER), payments=world.payments).amount_minor == 1_500


def test_a_refused_payment_saves_no_payee(world: World) -> None:
    state = claim(world, quote(world, 1_500).quote_id)
    world.billing.balance_minor = 1_499

    with pytest.raises(InsufficientFunds):
        pay(world, state)
    assert (
        list_saved_payees(CustomerRequest(customer_id=CUSTOMER), settings=SETTINGS, payments=world.payments).items == []
    )


def test_the_last_payment_is_the_most_recent_and_the_list_keeps_to_its_length(world: World) -> None:
    pay(world, claim(world, quote(world, 1_500).quote_id, payment_id="p-1"))
    utilities = quote(world, 4_250, payee_id=UTILITIES, account="123456789", at=timedelta(minutes=1))
    pay(world, claim(world, utilities.quote_id, payment_id="p-2", seconds=60), at=timedelta(minutes=1))

    last = last_payment(CustomerRequest(customer_id=CUSTOMER), payments=world.payments)
    one = PaymentSettings(saved_payees_shown=1)
    shown = list_saved_payees(CustomerRequest(customer_id=CUSTOMER), settings=one, payments=world.payments)

    assert (last.payee_id, last.account, last.amount) == (UTILITIES, "123456789", "42.50 BYN")
    assert [p.payee_id for p in shown.items] == [UTILITIES]
