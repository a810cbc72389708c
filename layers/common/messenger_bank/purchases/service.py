"""Core banking's card events (POST /internal/card-events): a purchase cleared, declined or refunded on one
of our cards, and an authorization held or released (reversed by the merchant, or expired) before clearing.

For each event, once per event id however often the bank sends it:
  1. the card is resolved to its customer (the card our table records at issuance); a card we do not
     know is a 404 (a customer of the bank who does not use the bot);
  2. the cashback is computed with the programme's rules (``programs.cashback_rules.rate_for``: an activated
     offer beats the partner's rate, which beats the category's by MCC; a category to choose earns in a
     month the customer chose it for), rounded down to the kopeck; a
     refund takes back at the rate its purchase earned (so a full refund cancels it exactly), a declined
     purchase and an authorization held or released earn nothing (an authorization earns on its clearing,
     for the cleared amount);
  3. the accrual is recorded with a conditional write keyed by the event id (purchases/repository.py);
     the month's payout (purchases/payout.py) pays the sum of a month's accruals; an accrual whose month is
     already closed for the payout counts in the next month;
  4. every chat of the customer is told, in their language: the amount, the merchant, what is available
     now and the cashback earned (or taken back); a declined purchase with its reason. The notice is
     claimed before it is sent, so a repeated event never tells twice; when every chat failed, the claim
     is given back and the answer is a 503, so that the bank's next delivery tells.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import ValidationError

from messenger_bank.channels.models import ChatRef
from messenger_bank.customers.service import CustomersRepository, card_owner, customer_by_id, identities_of
from messenger_bank.http import HttpAnswer, HttpRequest, json_answer, short_answer
from messenger_bank.money import format_money
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.notices.service import notify, tell_each_chat
from messenger_bank.observability import logger, metrics
from messenger_bank.programs.cashback_rules import cashback_minor, rate_for
from messenger_bank.programs.models import CardOperation, OfferActivation
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import Programs, programs
from messenger_bank.purchases.errors import CardEventConflict, CustomerNotReached
from messenger_bank.purchases.models import NO_MONEY_MOVED, CardEvent, CardEventOutcome, CashbackAccrual
from messenger_bank.purchases.repository import AccrualsRepository
from messenger_bank.security.cards import redact_pans
from messenger_bank.types import Language

Clock = Callable[[], datetime]
# The reasons core banking declines with that the customer is told in words of their own; any other is
# told as a refusal by the bank.
DECLINE_REASONS = frozenset({"insufficient_funds", "card_blocked", "currency_mismatch", "limit_exceeded"})


def _now() -> datetime:
    return datetime.now(UTC)


def notice_of(event: CardEvent) -> str:
    """The catalogue key of the event's notice."""
    if event.kind == "purchase_cleared":
        return "purchase.cleared"
    if event.kind == "purchase_refunded":
        return "purchase.refunded"
    if event.kind == "authorization_held":
        return "purchase.held"
    if event.kind == "authorization_released":
        return "purchase.released.expired" if event.reason == "expired" else "purchase.released.reversed"
    reason = event.reason if event.reason in DECLINE_REASONS else "other"
    return f"purchase.declined.{reason}"


def cashback_of(
    event: CardEvent,
    customer_id: str,
    *,
    config: Programs,
    accruals: AccrualsRepository,
    activated: Callable[[str], Sequence[OfferActivation]] | None = None,
    chosen: Callable[[str, str], Sequence[str]] | None = None,
) -> tuple[Decimal, int]:
    """The rate and the signed cashback of one event (see the module's step 2)."""
    if event.kind in NO_MONEY_MOVED or event.currency != config.currency:
        return Decimal(0), 0
    if event.kind == "purchase_refunded" and event.purchase_id:
        bought = accruals.purchase_accrual(customer_id, event.purchase_id)
        if bought is not None:
            return bought.rate_percent, -cashback_minor(event.amount_minor, bought.rate_percent)
    operation = CardOperation(
        operation_id=event.purchase_id or event.event_id,
        kind="purchase" if event.kind == "purchase_cleared" else "refund",
        amount_minor=event.amount_minor,
        currency=event.currency,
        mcc=event.mcc,
        partner=event.partner,
        occurred_at=event.occurred_at,
    )
    # The offers activated and the categories chosen for the purchase's month: kept in the customers table, beside
    # the accruals.
    programmes = ReferralsRepository(accruals.table)
    activated_by = activated or programmes.activations
    chosen_in = chosen or programmes.chosen_categories
    rate, _ = rate_for(
        operation, config, activated_by(customer_id), chosen_in(customer_id, config.month_of(event.occurred_at))
    )
    earned = cashback_minor(event.amount_minor, rate)
    return rate, earned if event.kind == "purchase_cleared" else -earned


def record_card_event(
    event: CardEvent,
    *,
    accruals: AccrualsRepository | None = None,
    customers: CustomersRepository | None = None,
    config: Programs | None = None,
    activated: Callable[[str], Sequence[OfferActivation]] | None = None,
    chosen: Callable[[str, str], Sequence[str]] | None = None,
    tell: Callable[[NotifyRequest], Notified] = notify,
    clock: Clock = _now,
) -> CardEventOutcome | None:
    """Accrue and tell, once per event id; None for a card we do not know. Raises CardEventConflict for
    an event id sent before with other facts, CustomerNotReached when every chat failed on the notice."""
    directory = customers or CustomersRepository()
    store = accruals or AccrualsRepository()
    owner = card_owner(event.card_id, repository=directory)
    if owner is None:
        return None
    customer = customer_by_id(owner, repository=directory)
    terms = config or programs()
    rate, cashback = cashback_of(event, owner, config=terms, accruals=store, activated=activated, chosen=chosen)
    accrual = CashbackAccrual(
        event_id=event.event_id,
        customer_id=owner,
        kind=event.kind,
        purchase_id=event.purchase_id,
        card_id=event.card_id,
        amount_minor=event.amount_minor,
        currency=event.currency,
        mcc=event.mcc,
        merchant=event.merchant,
        partner=event.partner,
        rate_percent=rate,
        cashback_minor=cashback,
        month=terms.month_of(event.occurred_at),
        occurred_at=event.occurred_at,
    )
    recorded = store.record(accrual)
    accrued = recorded is not None
    if recorded is None:
        stored = store.accrual(owner, event.event_id)
        if stored is not None:
            if not stored.same_event(accrual):
                raise CardEventConflict("this event id was sent with other facts", event_id=event.event_id)
            accrual = stored
    else:
        accrual = recorded  # in a later month when the purchase's month is already paid out
        metrics.add_metric(name="CashbackAccrued", unit="Count", value=1)
    told = _tell(event, accrual, customer.language, store=store, customers=directory, tell=tell, clock=clock)
    logger.info(
        "card event",
        extra={"event_id": event.event_id, "kind": event.kind, "accrued": accrued, "told": told},
    )
    return CardEventOutcome(event_id=event.event_id, accrued=accrued, cashback_minor=accrual.cashback_minor, told=told)


def _tell(
    event: CardEvent,
    accrual: CashbackAccrual,
    language: Language,
    *,
    store: AccrualsRepository,
    customers: CustomersRepository,
    tell: Callable[[NotifyRequest], Notified],
    clock: Clock,
) -> str:
    chats = identities_of(accrual.customer_id, repository=customers)
    if not chats:
        return "no_chat"
    if not store.claim_telling(accrual.customer_id, accrual.event_id, clock()):
        return "already_told"
    values: dict[str, str | int] = {
        "amount": format_money(event.amount_minor, event.currency, language),
        # A merchant's name is the network's text: no card number can reach a chat through it.
        "merchant": redact_pans(event.merchant),
        "available": format_money(event.available_minor, event.currency, language),
        "cashback": format_money(abs(accrual.cashback_minor), event.currency, language),
    }
    told = tell_each_chat(
        [ChatRef(channel=identity.channel, chat_id=identity.chat_id) for identity in chats],
        lambda chat: NotifyRequest(chat_key=chat.key, language=language, message=notice_of(event), values=values),
        tell=tell,
        about={"event_id": event.event_id},
    )
    if told.refused and not told.delivered:
        store.release_telling(accrual.customer_id, accrual.event_id)
        raise CustomerNotReached("no chat of the customer took the notice", event_id=event.event_id)
    if not told.delivered:
        return "unreachable"
    metrics.add_metric(name="PurchaseNoticesSent", unit="Count", value=1)
    return "told"


def accept_card_event(request: HttpRequest) -> HttpAnswer:
    """POST /internal/card-events: 200 with the outcome (a repeated event too), 400 for a body that is not
    an event, 404 for a card we do not know, 409 for an event id reused with other facts, 503 when no chat
    could be told (the bank delivers again)."""
    try:
        event = CardEvent.model_validate_json(request.body)
    except ValidationError:
        return short_answer(400, "expected a card event {event_id, kind, card_id, amount_minor, currency, mcc, ...}")
    try:
        outcome = record_card_event(event)
    except CardEventConflict:
        return short_answer(409, "event id already used with other facts")
    except CustomerNotReached:
        return short_answer(503, "the customer could not be told; deliver again")
    if outcome is None:
        return short_answer(404, "unknown card")
    return json_answer(200, outcome.model_dump(mode="json"))
