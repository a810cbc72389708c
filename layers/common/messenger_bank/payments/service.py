"""Payments for services: the catalogue, the account check and the quote (operations the conversation
calls), saved payees and "repeat last payment", then the bill_payment journey's steps, each a Lambda
(see statemachines/bill_payment.asl.yaml).

Money moves in one call: billing's `Pay` takes the amount from the customer's account to the bank's
billing settlement account, with the idempotency key `payment:<payment id>:pay` derived from the
execution name. A retried Lambda, a lost answer or a re-driven execution replays the first answer
(the payment, or its refusal) instead of paying again. The account number stays in the quote; the
journey's state shows it masked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from messenger_bank.banking import service as bank
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import Card
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import (
    CardBlocked,
    CardNotFound,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
    PayeeAccountNotFound,
    PayeeNotFound,
)
from messenger_bank.ids import random_id
from messenger_bank.images.models import ReceiptRequest
from messenger_bank.images.settings import media_settings
from messenger_bank.images.storage import store
from messenger_bank.observability import logger, metrics
from messenger_bank.payments.errors import NoPaymentYet
from messenger_bank.payments.models import (
    BillPaymentState,
    CheckPayeeAccountRequest,
    CustomerRequest,
    LastPayment,
    ListPayeesRequest,
    PayeeAccountCheck,
    PayeeItem,
    PayeeList,
    PaymentQuote,
    PaymentQuoteView,
    QuotePaymentRequest,
    SavedPayee,
    SavedPayeeItem,
    SavedPayeeList,
    mask_account,
)
from messenger_bank.payments.repository import PaymentsRepository
from messenger_bank.payments.settings import PaymentSettings, payment_settings
from messenger_bank.quotes import figures, money_text, shown
from messenger_bank.security.cards import short_mask
from messenger_bank.spending import service as spending
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.settings import SpendingSettings

if TYPE_CHECKING:
    from messenger_bank.banking.service import BillingClient, CoreClient

Clock = Callable[[], datetime]
# What billing refuses: nothing was paid.
_REFUSALS = (
    InsufficientFunds,
    LimitExceeded,
    PayeeAccountNotFound,
    PayeeNotFound,
    CardBlocked,
    CardNotFound,
    OperationRejected,
)


def _now() -> datetime:
    return datetime.now(UTC)


# --- operations the conversation calls ---------------------------------------------------------------
def list_payees(request: ListPayeesRequest, *, billing: BillingClient | None = None) -> PayeeList:
    """The billing catalogue of one category, as the chat's buttons."""
    found = bank.payees(request.category, billing=billing)
    return PayeeList(
        items=[PayeeItem(payee_id=p.service_code, name=p.name, account_label=p.account_label) for p in found]
    )


def check_payee_account(
    request: CheckPayeeAccountRequest, *, billing: BillingClient | None = None
) -> PayeeAccountCheck:
    """The payee confirms the account (PayeeAccountNotFound otherwise) and may say what is due."""
    checked = bank.validate_payee(request.payee_id, request.account, billing=billing)
    due = checked.amount_due
    return PayeeAccountCheck(
        payee_id=checked.service_code,
        account=checked.account,
        holder=checked.holder_name,
        has_amount_due=due is not None,
        amount_due=money_text(due, checked.currency) if due is not None else "",
        amount_due_minor=due,
    )


def quote_payment(
    request: QuotePaymentRequest,
    *,
    settings: PaymentSettings | None = None,
    payments: PaymentsRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    billing: BillingClient | None = None,
    core: CoreClient | None = None,
    policy: SpendingSettings | None = None,
    clock: Clock = _now,
) -> PaymentQuoteView:
    """Fee, total, the limits and the balance, checked before anything moves; the account is checked
    with the payee again (the quote may come from a saved payee). Raises LimitExceeded (per payment,
    per day), InsufficientFunds, PayeeAccountNotFound, PayeeNotFound or CardNotFound; the flow
    explains each. Whether a code is needed is the step-up policy's (spending.needs_code)."""
    config = settings or payment_settings()
    repository = payments or PaymentsRepository()
    if request.currency != config.currency:
        raise OperationRejected(f"payments are in {config.currency}", code="currency_not_supported")
    checked = bank.validate_payee(request.payee_id, request.account, billing=billing)
    payee = next((p for p in bank.payees(billing=billing) if p.service_code == request.payee_id), None)
    if payee is None:
        raise PayeeNotFound("no such payee in the catalogue", payee_id=request.payee_id)
    # Payments for services carry no fee (see settings): the quote's fee is its default, 0; the total is the amount.
    total = request.amount_minor
    if total > config.limit_per_payment_minor:
        raise LimitExceeded("above the per-payment limit", limit="per_payment")
    otp_required = spending.needs_code(
        request.customer_id, total, settings=policy, repository=_spending(repository), clock=clock
    )
    source = _source_card(request.customer_id, customers_repository)
    card = bank.get_card(source.card_id, core=core)
    if bank.get_balance(card.account_id, core=core).available < total:
        raise InsufficientFunds("the balance does not cover the total")
    now = clock()
    quote = PaymentQuote(
        quote_id=f"pq-{random_id(16)}",
        customer_id=request.customer_id,
        service_code=payee.service_code,
        payee_name=payee.name[:80],
        category=payee.category,
        account=checked.account,
        source_card_id=source.card_id,
        source_mask=source.mask,
        source_account_id=card.account_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        otp_required=otp_required,
        created_at=now,
        expires_at=int(now.timestamp()) + config.quote_ttl_seconds,
    )
    repository.put_quote(quote)
    logger.info("payment quoted", extra={"quote_id": quote.quote_id, "service_code": quote.service_code})
    return PaymentQuoteView(
        quote_id=quote.quote_id,
        payee=quote.payee_name,
        account=quote.account,
        **figures(quote.amount_minor, quote.fee_minor, quote.currency),
        otp_required=quote.otp_required,
        expires_at=quote.expires_at,
    )


def list_saved_payees(
    request: CustomerRequest, *, settings: PaymentSettings | None = None, payments: PaymentsRepository | None = None
) -> SavedPayeeList:
    """The payees this customer has paid, most recent first (a payment saves its payee)."""
    config = settings or payment_settings()
    saved = (payments or PaymentsRepository()).saved_payees(request.customer_id)[: config.saved_payees_shown]
    return SavedPayeeList(
        items=[SavedPayeeItem(payee_id=p.payee_id, name=p.name, account=p.account, label=_label(p)) for p in saved]
    )


def last_payment(request: CustomerRequest, *, payments: PaymentsRepository | None = None) -> LastPayment:
    """The most recent payment's payee, account and amount, to quote again; NoPaymentYet if none."""
    saved = (payments or PaymentsRepository()).saved_payees(request.customer_id)
    if not saved:
        raise NoPaymentYet("nothing to repeat")
    last = saved[0]
    return LastPayment(
        payee_id=last.payee_id,
        name=last.name,
        account=last.account,
        amount_minor=last.last_amount_minor,
        currency=last.currency,
        amount=money_text(last.last_amount_minor, last.currency),
    )


def _spending(payments: PaymentsRepository) -> SpendingRepository:
    """Today's money out is counted in the customers table, beside the payment quotes."""
    return SpendingRepository(payments.table)


def _label(payee: SavedPayee) -> str:
    return f"{payee.name} · {payee.account}"[:64]


def _source_card(customer_id: str, repository: CustomersRepository | None) -> Card:
    cards = [c for c in customers.cards_of(customer_id, repository=repository) if c.status == "active"]
    if not cards:
        raise CardNotFound("the customer has no active card")
    return sorted(cards, key=lambda c: (c.kind != "virtual", c.issued_at))[0]


# --- the journey's steps ----------------------------------------------------------------------------
def prepare_payment(
    state: BillPaymentState,
    *,
    settings: PaymentSettings | None = None,
    payments: PaymentsRepository | None = None,
    clock: Clock = _now,
) -> BillPaymentState:
    """Claim the quote for this payment (one quote, one payment) and put what the messages show in the
    state, with whether the step-up code is needed. Raises PaymentQuoteNotFound (expired) or
    PaymentQuoteAlreadyUsed."""
    config = settings or payment_settings()
    payment_id = state.require_payment_id()
    quote = (payments or PaymentsRepository()).claim_quote(
        state.quote_id, state.customer_id, payment_id, now=int(clock().timestamp())
    )
    return state.model_copy(
        update={
            "payee": quote.payee_name,
            "account": mask_account(quote.account),
            "otp_required": quote.otp_required,
            "confirm_timeout_seconds": config.code_timeout_seconds,
            **shown(quote.amount_minor, quote.fee_minor, quote.currency),
        }
    )


def pay_bill(
    state: BillPaymentState,
    *,
    payments: PaymentsRepository | None = None,
    billing: BillingClient | None = None,
    policy: SpendingSettings | None = None,
    clock: Clock = _now,
) -> BillPaymentState:
    """Count the total in today's money out (spending.reserve: CodeRequired without a checked code past
    the free amount, LimitExceeded past the daily limit), pay the payee through billing, key
    payment:<id>:pay (a replay answers with the first payment or refusal), then remember the payee for
    "saved payees" and "repeat last payment". InsufficientFunds, LimitExceeded, PayeeAccountNotFound
    are billing's refusals: nothing moved, the count is given back."""
    payment_id = state.require_payment_id()
    repository = payments or PaymentsRepository()
    quote = repository.get_quote(state.quote_id, state.customer_id)
    with spending.counted(
        quote.customer_id,
        f"payment:{payment_id}",
        quote.total_minor,
        challenge=quote.quote_id,
        refusals=_REFUSALS,
        settings=policy,
        repository=_spending(repository),
        clock=clock,
    ):
        # Imported here: only the paying step calls billing, and the payments' other functions need none of its models.
        from messenger_bank.banking.models.billing import PayRequest

        paid = bank.pay(
            PayRequest(
                service_code=quote.service_code,
                account=quote.account,
                amount=quote.amount_minor,
                currency=quote.currency,
                payer_account_id=quote.source_account_id,
                idempotency_key=f"payment:{payment_id}:pay",
            ),
            billing=billing,
        )
    repository.save_payee(
        SavedPayee(
            customer_id=quote.customer_id,
            payee_id=quote.service_code,
            name=quote.payee_name,
            category=quote.category,
            account=quote.account,
            last_amount_minor=quote.amount_minor,
            currency=quote.currency,
            last_paid_at=clock(),
        )
    )
    metrics.add_metric(name="BillPaymentsCompleted", unit="Count", value=1)
    logger.info("bill paid", extra={"payment_id": payment_id, "bank_payment_id": paid.payment_id})
    return state.model_copy(update={"bank_payment_id": paid.payment_id, "receipt_number": paid.receipt_number})


def render_payment_receipt(
    state: BillPaymentState,
    *,
    payments: PaymentsRepository | None = None,
    bucket: str | None = None,
    clock: Clock = _now,
) -> BillPaymentState:
    """The receipt picture (ImageAPI) in S3, as a presigned link the messenger fetches."""
    from messenger_bank.images.receipt import receipt_picture  # Pillow only in the function that draws

    payment_id = state.require_payment_id()
    quote = (payments or PaymentsRepository()).get_quote(state.quote_id, state.customer_id)
    details = f"{quote.payee_name}, {mask_account(quote.account)}"
    if state.receipt_number:
        details += f" · {state.receipt_number}"
    picture = receipt_picture(
        ReceiptRequest(
            language=state.language,
            kind="payment",
            amount=quote.amount_minor,
            currency=quote.currency,
            fee=quote.fee_minor,
            from_masked=short_mask(quote.source_mask),
            to_masked=quote.payee_name[:60],
            details=details[:160],
            occurred_at=clock(),
            operation_id=payment_id[:64],
        )
    )
    stored = store("receipt", picture, "image/png", bucket=bucket or media_settings().bucket(), owner=state.customer_id)
    return state.model_copy(update={"picture_url": stored.url})
