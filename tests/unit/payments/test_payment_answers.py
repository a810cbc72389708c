"""What the payment operations and the pay step answer, field by field: the account check, the account as the
journey shows it (masked past six characters), the saved payee's button label (64 characters at most), the paid
state (billing's payment id and receipt number) and the one metric a payment counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from messenger_bank.payments.errors import PaymentQuoteNotFound
from messenger_bank.payments.models import (
    CheckPayeeAccountRequest,
    CustomerRequest,
    PayeeAccountCheck,
    SavedPayee,
    mask_account,
)
from messenger_bank.payments.service import check_payee_account, list_saved_payees
from messenger_bank.payments.settings import PaymentSettings
from tests.unit.payments.conftest import CUSTOMER, MTS, NOW, PHONE, World
from tests.unit.payments.test_payments import journey, pay, quote

Metrics = Callable[[], dict[str, tuple[str, float]]]


@pytest.mark.parametrize(
    ("payee_id", "account", "answer"),
    [
        ("200102", "123456789", PayeeAccountCheck(
            payee_id="200102", account="123456789", holder="4567 subscriber", has_amount_due=True,
            amount_due="42.50 BYN", amount_due_minor=4_250,
        )),
        (MTS, PHONE, PayeeAccountCheck(
            payee_id=MTS, account=PHONE, holder="4567 subscriber", has_amount_due=False, amount_due="",
            amount_due_minor=None,
        )),
    ],
)  # fmt: skip
def test_the_account_check_answers_the_payee_the_holder_and_what_is_due_in_text_and_in_kopecks(
    world: World, payee_id: str, account: str, answer: PayeeAccountCheck
) -> None:
    request = CheckPayeeAccountRequest(payee_id=payee_id, account=account)

    assert check_payee_account(request, billing=world.billing) == answer  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("account", "shown"),
    [
        ("12345", "12345"),
        ("123456", "123456"),  # six characters: shown whole, there is nothing to hide behind ***
        ("1234567", "1234***567"),  # seven: masked
        (PHONE, "+375***567"),
    ],
)
def test_an_account_is_masked_past_six_characters(account: str, shown: str) -> None:
    assert mask_account(account) == shown


def saved(world: World, name: str) -> None:
    world.payments.save_payee(
        SavedPayee(
            customer_id=CUSTOMER, payee_id=MTS, name=name, category="mobile", account=PHONE, last_amount_minor=1_500,
            currency="BYN", last_paid_at=NOW,
        )
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("MTS", "MTS · +375291234567"),
        ("N" * 80, "N" * 64),  # a button holds 64 characters
        ("N" * 48, "N" * 48 + " · +375291234567"),  # exactly 64: whole
        ("N" * 49, "N" * 49 + " · +37529123456"),  # 65: the last character goes
    ],
)
def test_a_saved_payees_button_shows_its_name_and_account_in_at_most_64_characters(
    world: World, name: str, label: str
) -> None:
    saved(world, name)

    [item] = list_saved_payees(
        CustomerRequest(customer_id=CUSTOMER), settings=PaymentSettings(), payments=world.payments
    ).items
    assert item.label == label


def test_the_paid_state_keeps_billings_payment_id_and_receipt_number(world: World) -> None:
    state = journey(world, quote(world, 1_500).quote_id)

    paid = pay(world, state)

    assert paid == state.model_copy(update={"bank_payment_id": "op-1", "receipt_number": "R0000000001"})


def test_a_payment_counts_one_completed_bill_payment(world: World, emitted_metrics: Metrics) -> None:
    pay(world, journey(world, quote(world, 1_500).quote_id))

    assert emitted_metrics() == {"BillPaymentsCompleted": ("Count", 1.0)}


def test_a_quote_not_found_names_the_quote(world: World) -> None:
    missing = "pq-" + "0" * 32

    with pytest.raises(PaymentQuoteNotFound) as refused:
        world.payments.get_quote(missing, CUSTOMER)
    assert refused.value.details == {"quote_id": missing}
