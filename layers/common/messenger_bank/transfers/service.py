"""Card-to-card transfers: the quote (an operation the conversation calls), then the transfer journey's
steps, each a Lambda (see statemachines/transfer.asl.yaml).

Money moves in two legs at the bank: a debit of the total (amount + fee) from the customer's card into
transit, then a credit of the amount from that debit to the recipient's card number. A refused or lost
credit is compensated by a refund of the whole debit. Every leg carries an idempotency key derived from
the transfer id (the execution name), so a retried Lambda, a re-driven execution or a double press
replays the bank's first answer instead of moving money again; the bank settles a debit at most once
in total, so a credit and a refund of the same debit cannot both succeed. The fee stays in the bank's
transit account (the sandbox has no fee-income account).

The recipient's card number leaves the card vault only in `credit_transfer`, straight into the bank
request as a secret; nothing here logs, stores or returns it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import SecretStr

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import CreditRequest, DebitRequest, RefundRequest
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import Card
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import (
    CardBlocked,
    CardNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
)
from messenger_bank.ids import random_id
from messenger_bank.images.models import ReceiptRequest
from messenger_bank.images.settings import media_settings
from messenger_bank.images.storage import store
from messenger_bank.journeys import service as journeys
from messenger_bank.observability import logger, metrics
from messenger_bank.quotes import figures, shown
from messenger_bank.security.cards import CardVault, card_vault, detokenise, short_mask
from messenger_bank.security.errors import CardTokenNotFound
from messenger_bank.spending import service as spending
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.settings import SpendingSettings
from messenger_bank.transfers.errors import TransferCancelled
from messenger_bank.transfers.models import (
    CheckCodeRequest,
    Parked,
    ParkRequest,
    Quote,
    QuoteTransferRequest,
    TransferQuote,
    TransferState,
)
from messenger_bank.transfers.repository import QuotesRepository
from messenger_bank.transfers.settings import TransferSettings, transfer_settings

if TYPE_CHECKING:
    from messenger_bank.banking.service import CerberusClient, CoreClient

Clock = Callable[[], datetime]
# What the bank refuses for a debit: nothing left the card.
_REFUSALS = (InsufficientFunds, LimitExceeded, CardBlocked, CardNotFound, OperationRejected)


def _now() -> datetime:
    return datetime.now(UTC)


# --- the quote ---------------------------------------------------------------------------------------
def quote_transfer(
    request: QuoteTransferRequest,
    *,
    settings: TransferSettings | None = None,
    quotes: QuotesRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    vault: CardVault | None = None,
    core: CoreClient | None = None,
    policy: SpendingSettings | None = None,
    clock: Clock = _now,
) -> TransferQuote:
    """Fee, total and every limit, checked before anything moves. Raises LimitExceeded (per transfer,
    per day), InsufficientFunds, or CardNotFound (the recipient's token is gone, or the customer has
    no active card); the flow explains each. Whether a code is needed is the step-up policy's
    (spending.needs_code), on the total with the fee."""
    config = settings or transfer_settings()
    repository = quotes or QuotesRepository()
    if request.currency != config.currency:
        raise OperationRejected(f"transfers are in {config.currency}", code="currency_not_supported")
    try:
        recipient = (vault or card_vault()).describe(request.card_token)
    except CardTokenNotFound as exc:
        raise CardNotFound("the recipient's card token expired or is unknown") from exc
    source = _source_card(request.customer_id, customers_repository)
    fee = config.fee(request.amount_minor)
    total = request.amount_minor + fee
    if total > config.limit_per_transfer_minor:
        raise LimitExceeded("above the per-transfer limit", limit="per_transfer")
    card = bank.get_card(source.card_id, core=core)
    now = clock()
    otp_required = spending.needs_code(
        request.customer_id, total, settings=policy, repository=_spending(repository), clock=clock
    )
    if bank.get_balance(card.account_id, core=core).available < total:
        raise InsufficientFunds("the balance does not cover the total")
    quote = Quote(
        quote_id=f"q-{random_id(16)}",
        customer_id=request.customer_id,
        card_token=request.card_token,
        mask=recipient.mask,
        source_card_id=source.card_id,
        source_mask=source.mask,
        amount_minor=request.amount_minor,
        fee_minor=fee,
        currency=request.currency,
        otp_required=otp_required,
        created_at=now,
        expires_at=int(now.timestamp()) + config.quote_ttl_seconds,
    )
    repository.put(quote)
    logger.info("transfer quoted", extra={"quote_id": quote.quote_id, "otp_required": quote.otp_required})
    return TransferQuote(
        quote_id=quote.quote_id,
        **figures(quote.amount_minor, fee, quote.currency),
        mask=quote.mask,
        otp_required=quote.otp_required,
        expires_at=quote.expires_at,
    )


def _source_card(customer_id: str, repository: CustomersRepository | None) -> Card:
    cards = [c for c in customers.cards_of(customer_id, repository=repository) if c.status == "active"]
    if not cards:
        raise CardNotFound("the customer has no active card")
    return sorted(cards, key=lambda c: (c.kind != "virtual", c.issued_at))[0]


def _spending(quotes: QuotesRepository) -> SpendingRepository:
    """Today's money out is counted in the customers table, beside the quotes."""
    return SpendingRepository(quotes.table)


# --- the journey's steps ----------------------------------------------------------------------------
def prepare_transfer(
    state: TransferState,
    *,
    settings: TransferSettings | None = None,
    quotes: QuotesRepository | None = None,
    clock: Clock = _now,
) -> TransferState:
    """Claim the quote for this transfer (one quote, one transfer) and put what the messages show in the
    state. Raises QuoteNotFound (expired) or QuoteAlreadyUsed."""
    config = settings or transfer_settings()
    transfer_id = state.require_transfer_id()
    quote = (quotes or QuotesRepository()).claim(
        state.quote_id, state.customer_id, transfer_id, now=int(clock().timestamp())
    )
    return state.model_copy(
        update={
            "otp_required": quote.otp_required,
            "confirm_timeout_seconds": config.confirm_timeout_seconds,
            "mask": quote.mask,
            **shown(quote.amount_minor, quote.fee_minor, quote.currency),
        }
    )


def park_transfer_wait(
    request: ParkRequest,
    *,
    quotes: QuotesRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    cerberus: CerberusClient | None = None,
    park: Callable[..., None] = journeys.park,
) -> Parked:
    """A `.waitForTaskToken` step: park the token where the conversation completes it. The conversation
    already shows the Confirm buttons (and asks for the code); for the code, Cerberus sends it first."""
    if request.task == "otp":
        repository = quotes or QuotesRepository()
        repository.get(request.quote_id, request.customer_id)
        spending.send_code(
            request.quote_id,
            request.customer_id,
            purpose="transfer",
            repository=_spending(repository),
            customers_repository=customers_repository,
            cerberus=cerberus,
        )
    park(request.reference, request.task_token, chat_key=request.chat_key)
    logger.info("transfer waits for the customer", extra={"reference": request.reference})
    return Parked(reference=request.reference)


def check_transfer_code(
    request: CheckCodeRequest, *, quotes: QuotesRepository | None = None, cerberus: CerberusClient | None = None
) -> TransferState:
    """The one-time code the customer typed; raises InvalidOneTimeCode, or TransferCancelled when they left."""
    if request.otp.decision == "cancel":
        raise TransferCancelled("the customer left the code prompt")
    repository = quotes or QuotesRepository()
    repository.get(request.quote_id, request.customer_id)
    spending.check_code(
        request.quote_id, request.customer_id, request.otp.code, repository=_spending(repository), cerberus=cerberus
    )
    return TransferState.model_validate(request.model_dump())  # TransferState ignores `otp`: the code stays behind


def _debit_request(quote: Quote, transfer_id: str) -> DebitRequest:
    """Always built the same way from the quote: a replay must carry the same body as the first call."""
    return DebitRequest(
        card_id=quote.source_card_id,
        amount=quote.total_minor,
        currency=quote.currency,
        idempotency_key=f"transfer:{transfer_id}:debit",
        reference=transfer_id,
        counterparty=quote.mask,
    )


def _operation(transfer_id: str) -> str:
    return f"transfer:{transfer_id}"


def debit_transfer(
    state: TransferState,
    *,
    quotes: QuotesRepository | None = None,
    core: CoreClient | None = None,
    policy: SpendingSettings | None = None,
    clock: Clock = _now,
) -> TransferState:
    """The total is counted in today's money out (spending.reserve: CodeRequired without a checked code
    past the free amount, LimitExceeded past the daily limit), then leaves the customer's card for
    transit. InsufficientFunds / LimitExceeded / CardBlocked are the bank's refusals (nothing moved,
    the count is given back); the state machine tells the customer which."""
    transfer_id = state.require_transfer_id()
    repository = quotes or QuotesRepository()
    quote = repository.get(state.quote_id, state.customer_id)
    with spending.counted(
        quote.customer_id,
        _operation(transfer_id),
        quote.total_minor,
        challenge=quote.quote_id,
        refusals=_REFUSALS,
        settings=policy,
        repository=_spending(repository),
        clock=clock,
    ):
        debit = bank.debit(_debit_request(quote, transfer_id), core=core)
    logger.info("transfer debited", extra={"transfer_id": transfer_id, "debit_id": debit.operation_id})
    return state.model_copy(update={"debit_id": debit.operation_id})


def credit_transfer(
    state: TransferState,
    *,
    quotes: QuotesRepository | None = None,
    core: CoreClient | None = None,
    vault: CardVault | None = None,
) -> TransferState:
    """The amount from the debit to the recipient's card number (detokenised here, and only here).
    CardNotFound: the recipient's bank refuses the card; the state machine refunds."""
    transfer_id = state.require_transfer_id()
    if state.debit_id is None:
        raise ValueError("credit_transfer needs the debit")
    quote = (quotes or QuotesRepository()).get(state.quote_id, state.customer_id)
    credit = bank.credit(
        CreditRequest(
            pan=SecretStr(detokenise(quote.card_token, vault=vault)),
            debit_id=state.debit_id,
            amount=quote.amount_minor,
            currency=quote.currency,
            idempotency_key=f"transfer:{transfer_id}:credit",
            reference=transfer_id,
            # The recipient's history names the sender's card (a mask), not their own.
            counterparty=quote.source_mask,
        ),
        core=core,
    )
    metrics.add_metric(name="TransfersCompleted", unit="Count", value=1)
    logger.info("transfer credited", extra={"transfer_id": transfer_id, "credit_id": credit.operation_id})
    return state.model_copy(update={"credit_id": credit.operation_id, "outcome": "completed"})


def refund_transfer(
    state: TransferState, *, quotes: QuotesRepository | None = None, core: CoreClient | None = None, clock: Clock = _now
) -> TransferState:
    """Compensation, safe to repeat until it succeeds: give the whole debit back.

    Without a debit id (the debit's answer was lost), the debit is replayed with its own key first: the
    bank answers with the debit it made (then refunded here), or with its refusal (nothing moved,
    `not_debited`), or makes it now (then refunded here). If the bank says the debit is already settled,
    the credit did go through before its answer was lost: the outcome is `completed`. Whatever did not
    leave is given back to today's money out.
    """
    transfer_id = state.require_transfer_id()
    repository = quotes or QuotesRepository()
    quote = repository.get(state.quote_id, state.customer_id)
    counter = _spending(repository)
    debit_id = state.debit_id
    voiding = debit_id is None
    if debit_id is None:
        try:
            debit_id = bank.debit(_debit_request(quote, transfer_id), core=core).operation_id
        except IdempotencyConflict:
            raise
        except _REFUSALS:
            logger.info("transfer never debited", extra={"transfer_id": transfer_id})
            spending.give_back(quote.customer_id, _operation(transfer_id), repository=counter, clock=clock)
            return state.model_copy(update={"outcome": "not_debited"})
    try:
        bank.refund(
            RefundRequest(
                debit_id=debit_id,
                amount=quote.total_minor,
                idempotency_key=f"transfer:{transfer_id}:refund",
                reference=transfer_id,
            ),
            core=core,
        )
    except OperationRejected as exc:
        if exc.details.get("code") != "debit_already_settled" or voiding:
            raise
        logger.info("credit had gone through: nothing to refund", extra={"transfer_id": transfer_id})
        return state.model_copy(update={"outcome": "completed"})  # not voiding: the state has the debit
    spending.give_back(quote.customer_id, _operation(transfer_id), repository=counter, clock=clock)
    metrics.add_metric(name="TransfersRefunded", unit="Count", value=1)
    logger.info("transfer refunded", extra={"transfer_id": transfer_id, "debit_id": debit_id})
    outcome = "voided" if voiding else "refunded"
    return state.model_copy(update={"debit_id": debit_id, "outcome": outcome})


def render_transfer_receipt(
    state: TransferState,
    *,
    quotes: QuotesRepository | None = None,
    bucket: str | None = None,
    clock: Clock = _now,
) -> TransferState:
    """The receipt picture (ImageAPI) in S3, as a presigned link the messenger fetches."""
    from messenger_bank.images.receipt import receipt_picture  # Pillow only in the function that draws

    transfer_id = state.require_transfer_id()
    quote = (quotes or QuotesRepository()).get(state.quote_id, state.customer_id)
    picture = receipt_picture(
        ReceiptRequest(
            language=state.language,
            kind="transfer",
            amount=quote.amount_minor,
            currency=quote.currency,
            fee=quote.fee_minor,
            from_masked=short_mask(quote.source_mask),
            to_masked=short_mask(quote.mask),
            occurred_at=clock(),
            operation_id=transfer_id[:64],
        )
    )
    stored = store("receipt", picture, "image/png", bucket=bucket or media_settings().bucket(), owner=state.customer_id)
    return state.model_copy(update={"picture_url": stored.url})
