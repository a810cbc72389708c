"""Request money from another bot user by phone (see conversation/flows/money_request.yaml).

`request_money` finds the other customer by phone, keeps the request and sends them a message with
Pay / Decline buttons. The buttons are global payloads, `g:go:money_request:open:<pay|decline>.<id>`,
which open the money_request flow with `data.ref` set (engine.py): it shows the request with the
amount filled in, and Pay (after an explicit confirmation) moves the money.

Paying a request is a transfer between two accounts of this bank: one bank `transfer` call, atomic at
the bank, with the idempotency key `request:<id>:pay:<attempt>`; the request's status changes by
conditional writes, so a double press pays once. Both answers are told to the requester. Paying is
money out under the step-up policy (spending/) like a transfer: counted before the bank is asked, and
past the amount free of a code it is refused with CodeRequired (the code is sent then) until it is
called again with the code the payer typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import TransferRequest
from messenger_bank.channels.client import MessageAPI
from messenger_bank.channels.models import Button, ChatRef, OutboundMessage
from messenger_bank.conversation.catalogue import text
from messenger_bank.customers import service as customers
from messenger_bank.customers.models import Customer
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import (
    CardBlocked,
    CardNotFound,
    CustomerNotFound,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidOneTimeCode,
    LimitExceeded,
    OperationRejected,
)
from messenger_bank.ids import random_id
from messenger_bank.notices.models import NotifyRequest
from messenger_bank.notices.service import deliver, notify
from messenger_bank.notices.templates import outside_window
from messenger_bank.observability import logger, metrics
from messenger_bank.phones import mask_phone
from messenger_bank.quotes import money_text
from messenger_bank.requests.errors import MoneyRequestClosed, OwnPhone
from messenger_bank.requests.models import (
    AnswerMoneyRequest,
    MoneyRequest,
    MoneyRequestAnswered,
    MoneyRequested,
    MoneyRequestView,
    OpenMoneyRequest,
    RequestMoneyRequest,
)
from messenger_bank.requests.repository import MoneyRequestsRepository
from messenger_bank.spending import service as spending
from messenger_bank.spending.errors import CodeRequired
from messenger_bank.spending.repository import SpendingRepository
from messenger_bank.spending.settings import SpendingSettings

if TYPE_CHECKING:
    from messenger_bank.banking.service import CerberusClient, CoreClient

Clock = Callable[[], datetime]
REQUEST_TTL_SECONDS = 7 * 24 * 3600
FLOW = "money_request"
INCOMING = "money_request.incoming"  # the payer's notice, with Pay and Decline
ENTRY = "open"


def _now() -> datetime:
    return datetime.now(UTC)


def request_money(
    request: RequestMoneyRequest,
    *,
    requests: MoneyRequestsRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    messages: MessageAPI | None = None,
    clock: Clock = _now,
) -> MoneyRequested:
    """Keep the request and send the other customer Pay / Decline. CustomerNotFound: nobody with that
    phone uses the bank in a messenger; OwnPhone: the customer's own number."""
    repository = customers_repository or CustomersRepository()
    requester = customers.customer_by_id(request.customer_id, repository=repository)
    payer = customers.customer_by_phone(request.phone, repository=repository)
    if payer is None:
        raise CustomerNotFound("no customer with this phone")
    if payer.customer_id == requester.customer_id:
        raise OwnPhone("the customer's own phone")
    chat = _chat_of(payer, repository)
    now = clock()
    kept = MoneyRequest(
        request_id=f"mr{random_id(12)}",
        requester_id=requester.customer_id,
        payer_id=payer.customer_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        created_at=now,
        expires_at=int(now.timestamp()) + REQUEST_TTL_SECONDS,
    )
    (requests or MoneyRequestsRepository()).put(kept)
    language = payer.language
    values: dict[str, str | int] = {
        "requester": mask_phone(requester.phone),
        "amount": money_text(kept.amount_minor, kept.currency),
    }
    pay, decline = _payload("pay", kept.request_id), _payload("decline", kept.request_id)
    message = OutboundMessage(
        text=text(INCOMING, language, **values),
        buttons=(
            (
                Button(label=text("money_request.pay", language), payload=pay),
                Button(label=text("money_request.decline", language), payload=decline),
            ),
        ),
    )
    told = deliver(
        INCOMING,
        chat,
        message,
        outside_window(INCOMING, language, values, (pay, decline)),
        messages=messages,
        customers_repository=repository,
    )
    delivered = told.delivered
    logger.info("money requested", extra={"request_id": kept.request_id, "delivered": delivered})
    return MoneyRequested(request_id=kept.request_id, delivered=delivered)


def open_money_request(
    request: OpenMoneyRequest,
    *,
    requests: MoneyRequestsRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    clock: Clock = _now,
) -> MoneyRequestView:
    """What the payer's button refers to, with the amount filled in; MoneyRequestClosed once answered."""
    action, _, request_id = request.ref.partition(".")
    kept = (requests or MoneyRequestsRepository()).get(request_id, request.customer_id, now=int(clock().timestamp()))
    if kept.status not in ("pending", "paying"):
        raise MoneyRequestClosed("the request was answered", request_id=request_id)
    requester = customers.customer_by_id(kept.requester_id, repository=customers_repository)
    return MoneyRequestView(
        request_id=kept.request_id,
        action="pay" if action == "pay" else "decline",
        requester=mask_phone(requester.phone),
        amount_minor=kept.amount_minor,
        currency=kept.currency,
        amount=money_text(kept.amount_minor, kept.currency),
    )


def pay_money_request(
    request: AnswerMoneyRequest,
    *,
    requests: MoneyRequestsRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    core: CoreClient | None = None,
    cerberus: CerberusClient | None = None,
    policy: SpendingSettings | None = None,
    tell: Callable[[NotifyRequest], object] = notify,
    clock: Clock = _now,
) -> MoneyRequestAnswered:
    """Move the amount from the payer's account to the requester's, once, and tell the requester.
    MoneyRequestClosed: paid, declined, expired or not this customer's to pay. CodeRequired: today's
    money out with this amount needs a code, sent now (call again with it); InvalidOneTimeCode: the
    code is wrong; LimitExceeded: past the daily limit or refused by the bank; InsufficientFunds (any
    refusal of the bank): nothing moved, the request stays open. IdempotencyConflict: the bank knows
    this attempt's key with another body, so money may have moved; the request stays `paying` (never
    reopened, never paid with a new key)."""
    repository = requests or MoneyRequestsRepository()
    kept = repository.move(
        request.request_id,
        request.customer_id,
        to="paying",
        allowed=("pending", "paying"),
        open_at=int(clock().timestamp()),
    )
    counter = SpendingRepository(repository.table)  # today's money out, in the customers table too
    operation = f"request:{kept.request_id}:pay:{kept.attempt}"
    challenge = f"{kept.request_id}-{kept.attempt}"
    try:
        checked = spending.code_checked(challenge, request.customer_id, repository=counter)
        if not checked and request.code:
            spending.check_code(challenge, request.customer_id, request.code, repository=counter, cerberus=cerberus)
            checked = True
        spending.reserve(
            request.customer_id,
            operation,
            kept.amount_minor,
            code_checked=checked,
            settings=policy,
            repository=counter,
            clock=clock,
        )
    except CodeRequired:
        repository.move(kept.request_id, request.customer_id, to="pending", allowed=("paying",))
        spending.send_code(
            challenge,
            request.customer_id,
            purpose="money_request",
            repository=counter,
            customers_repository=customers_repository,
            cerberus=cerberus,
        )
        raise
    except (InvalidOneTimeCode, LimitExceeded):
        repository.move(kept.request_id, request.customer_id, to="pending", allowed=("paying",))
        raise
    try:
        source = _account_of(kept.payer_id, customers_repository, core)
        target = _account_of(kept.requester_id, customers_repository, core)
        moved = bank.transfer(
            TransferRequest(
                from_account_id=source,
                to_account_id=target,
                amount=kept.amount_minor,
                currency=kept.currency,
                idempotency_key=f"request:{kept.request_id}:pay:{kept.attempt}",
                reference=kept.request_id,
            ),
            core=core,
        )
    except IdempotencyConflict:
        raise
    except (InsufficientFunds, LimitExceeded, CardBlocked, CardNotFound, OperationRejected):
        spending.give_back(request.customer_id, operation, repository=counter, clock=clock)
        repository.move(kept.request_id, request.customer_id, to="pending", allowed=("paying",), bump=True)
        raise
    repository.move(kept.request_id, request.customer_id, to="paid", allowed=("paying", "paid"))
    metrics.add_metric(name="MoneyRequestsPaid", unit="Count", value=1)
    amount = money_text(kept.amount_minor, kept.currency)
    _tell_requester(kept, "money_request.paid", amount, customers_repository, tell)
    logger.info("money request paid", extra={"request_id": kept.request_id, "operation_id": moved.operation_id})
    return MoneyRequestAnswered(
        request_id=kept.request_id, status="paid", amount=amount, operation_id=moved.operation_id
    )


def decline_money_request(
    request: AnswerMoneyRequest,
    *,
    requests: MoneyRequestsRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    tell: Callable[[NotifyRequest], object] = notify,
    clock: Clock = _now,
) -> MoneyRequestAnswered:
    """Close the request unpaid and tell the requester; MoneyRequestClosed if it was answered already
    (or expired, or is not this customer's)."""
    kept = (requests or MoneyRequestsRepository()).move(
        request.request_id, request.customer_id, to="declined", allowed=("pending",), open_at=int(clock().timestamp())
    )
    amount = money_text(kept.amount_minor, kept.currency)
    _tell_requester(kept, "money_request.declined_to_requester", amount, customers_repository, tell)
    logger.info("money request declined", extra={"request_id": kept.request_id})
    return MoneyRequestAnswered(request_id=kept.request_id, status="declined", amount=amount)


# --- helpers -------------------------------------------------------------------------------------------
def _payload(action: str, request_id: str) -> str:
    return f"g:go:{FLOW}:{ENTRY}:{action}.{request_id}"


def _chat_of(customer: Customer, repository: CustomersRepository) -> ChatRef:
    identities = customers.identities_of(customer.customer_id, repository=repository)
    if not identities:
        raise CustomerNotFound("the customer has no messenger chat")
    return ChatRef(channel=identities[0].channel, chat_id=identities[0].chat_id)


def _account_of(customer_id: str, repository: CustomersRepository | None, core: CoreClient | None) -> str:
    cards = [c for c in customers.cards_of(customer_id, repository=repository) if c.status == "active"]
    if not cards:
        raise CardNotFound("the customer has no active card")
    card = sorted(cards, key=lambda c: (c.kind != "virtual", c.issued_at))[0]
    return bank.get_card(card.card_id, core=core).account_id


def _tell_requester(
    kept: MoneyRequest,
    message: str,
    amount: str,
    repository: CustomersRepository | None,
    tell: Callable[[NotifyRequest], object],
) -> None:
    """Tell the requester on every chat they have. Never raises: the answer (and the money) stands
    whether or not a messenger takes the message, so the payer is never told it failed."""
    found = repository or CustomersRepository()
    try:
        requester = customers.customer_by_id(kept.requester_id, repository=found)
        payer = customers.customer_by_id(kept.payer_id, repository=found)
        chats = [
            ChatRef(channel=i.channel, chat_id=i.chat_id)
            for i in customers.identities_of(requester.customer_id, repository=found)
        ]
    except Exception:
        logger.exception("money request: the requester cannot be told", extra={"request_id": kept.request_id})
        metrics.add_metric(name="MoneyRequestNoticeFailed", unit="Count", value=1)
        return
    for chat in chats:
        try:
            tell(
                NotifyRequest(
                    chat_key=chat.key,
                    language=requester.language,
                    message=message,
                    values={"amount": amount, "payer": mask_phone(payer.phone)},
                )
            )
        except Exception:
            logger.exception("money request: a chat of the requester refused", extra={"request_id": kept.request_id})
            metrics.add_metric(name="MoneyRequestNoticeFailed", unit="Count", value=1)
