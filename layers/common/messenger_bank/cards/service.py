"""Card services: the operations the card flows call, each its own Lambda (`functions/<operation>/`).

Every operation that touches a card first checks that the chat's customer owns it: our customers table
must name the customer as the card's owner (`card_owner`), and the bank must hold the card under the
customer's bank id. A card id from a button payload is untrusted until both agree; otherwise
``NotYourCard``. The bank is reached through core banking's client (`CoreBank` below, the real
`CoreClient` by default); tests hand in a fake.

Logs name the customer and the operation, never a card number, a mask or an IBAN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final, Protocol

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import Balance, CardLimits, HistoryEntry, Requisites, Statement
from messenger_bank.banking.models.core import Card as BankCard
from messenger_bank.cards.last_balances import LastBalance, LastBalancesRepository
from messenger_bank.cards.models import (
    BalanceResult,
    BlockCardRequest,
    CardItem,
    CardLimitItem,
    CardLimitKind,
    CardLimitsResult,
    CardList,
    CardStatusResult,
    GetBalanceRequest,
    GetCardLimitsRequest,
    GetHistoryRequest,
    GetRequisitesRequest,
    GetStatementRequest,
    HistoryResult,
    LastBalanceItem,
    LastBalances,
    LastBalancesRequest,
    ListCardsRequest,
    RequisitesResult,
    SetCardLimitRequest,
    StatementResult,
    UnblockCardRequest,
)
from messenger_bank.cards.settings import CardsSettings, CreditTerms, cards_settings, credit_terms
from messenger_bank.conversation.catalogue import has, text
from messenger_bank.customers import service as customers_service
from messenger_bank.customers.models import Customer
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import CardLimitAboveMaximum, CustomerNotFound
from messenger_bank.images.formatting import MINSK as BANK_TIME
from messenger_bank.images.formatting import format_date, format_datetime
from messenger_bank.images.storage import store
from messenger_bank.money import format_money
from messenger_bank.observability import logger, metrics
from messenger_bank.security.cards import redact_pans, short_mask
from messenger_bank.security.errors import NotYourCard
from messenger_bank.types import Language

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# A run of digits (with the separators people and masks use); seven digits or more is cut to the last four.
_NUMBER_RUN: Final = re.compile(r"[+\d][\d\s()*•-]*\d")
_MIN_HIDDEN_DIGITS: Final = 7


class CoreBank(Protocol):
    """What the card services ask core banking (`messenger_bank.banking.clients.core.CoreClient`)."""

    def cards(self, customer_id: str) -> list[BankCard]: ...
    def card(self, card_id: str) -> BankCard: ...
    def balance(self, account_id: str) -> Balance: ...
    def block(self, card_id: str, reason: str) -> BankCard: ...
    def unblock(self, card_id: str) -> BankCard: ...
    def requisites(self, account_id: str) -> Requisites: ...
    def history(self, account_id: str, limit: int = 20) -> list[HistoryEntry]: ...


# --- ownership ---------------------------------------------------------------------------------------
def _customer(customer_id: str, customers: CustomersRepository) -> Customer:
    customer = customers_service.customer_or_none(customer_id, repository=customers)
    if customer is None:
        raise CustomerNotFound("no such customer")
    return customer


def owned_card(
    customer_id: str, card_id: str, *, core: CoreBank, customers: CustomersRepository
) -> tuple[Customer, BankCard]:
    """The customer and the bank's card, once both our table and the bank agree the card is theirs."""
    if not card_id or customers_service.card_owner(card_id, repository=customers) != customer_id:
        logger.warning("card refused: not the customer's", extra={"customer_id": customer_id, "check": "ours"})
        metrics.add_metric(name="CardAccessRefused", unit="Count", value=1)
        raise NotYourCard("the card does not belong to this customer")
    customer = _customer(customer_id, customers)
    card = core.card(card_id)
    if card.customer_id != customer.bank_customer_id:
        logger.warning("card refused: not the customer's", extra={"customer_id": customer_id, "check": "bank"})
        metrics.add_metric(name="CardAccessRefused", unit="Count", value=1)
        raise NotYourCard("the card does not belong to this customer")
    return customer, card


def _owned_cards(customer: Customer, *, core: CoreBank, customers: CustomersRepository) -> list[BankCard]:
    """The bank's cards of the customer that our table also names as theirs."""
    ours = {card.card_id for card in customers_service.cards_of(customer.customer_id, repository=customers)}
    return [card for card in core.cards(customer.bank_customer_id) if card.card_id in ours]


def _record_status(customer_id: str, card: BankCard, customers: CustomersRepository) -> None:
    """Keep our copy of the card's status in step with the bank's."""
    for ours in customers_service.cards_of(customer_id, repository=customers):
        if ours.card_id == card.card_id and ours.status != card.status:
            customers_service.record_card(ours.model_copy(update={"status": card.status}), repository=customers)


# --- operations --------------------------------------------------------------------------------------
def list_cards(
    request: ListCardsRequest, *, core: CoreBank | None = None, customers: CustomersRepository | None = None
) -> CardList:
    core, customers = core or bank.core_client(), customers or CustomersRepository()
    customer = _customer(request.customer_id, customers)
    cards = _owned_cards(customer, core=core, customers=customers)
    return CardList(items=[CardItem(card_id=c.card_id, mask=c.masked_pan, status=c.status) for c in cards])


def get_balance(
    request: GetBalanceRequest,
    *,
    core: CoreBank | None = None,
    customers: CustomersRepository | None = None,
    kept: LastBalancesRepository | None = None,
    now: datetime | None = None,
) -> BalanceResult:
    core, customers = core or bank.core_client(), customers or CustomersRepository()
    customer, card = owned_card(request.customer_id, request.card_id, core=core, customers=customers)
    balance = core.balance(card.account_id)
    language = request.language or customer.language
    last = LastBalance(
        card_id=card.card_id,
        mask=card.masked_pan,
        available_minor=balance.available,
        currency=balance.currency,
        read_at=now or datetime.now(UTC),
    )
    # In the customers table, beside the customer's cards (the same table the repository reads).
    kept = kept or LastBalancesRepository(customers.table)
    kept.keep(request.customer_id, last, hours=cards_settings().last_balance_hours)
    return BalanceResult(
        balance=balance_text(balance, language),
        available=format_money(balance.available, balance.currency, language),
        available_minor=balance.available,
        own_funds_minor=balance.own_funds,
        credit_limit_minor=balance.credit_limit,
        credit_unused_minor=balance.credit_unused,
        holds_minor=balance.holds,
        currency=balance.currency,
    )


def last_balances(
    request: LastBalancesRequest,
    *,
    customers: CustomersRepository | None = None,
    kept: LastBalancesRepository | None = None,
    now: datetime | None = None,
) -> LastBalances:
    """The balances last read from the bank (our table only: core banking may be down), with their times."""
    customers = customers or CustomersRepository()
    customer = _customer(request.customer_id, customers)
    language = request.language or customer.language
    at = now or datetime.now(UTC)
    items = [
        LastBalanceItem(
            mask=last.mask,
            available=format_money(last.available_minor, last.currency, language),
            read_at=format_datetime(last.read_at.astimezone(BANK_TIME), language),
        )
        for last in sorted(
            (kept or LastBalancesRepository(customers.table)).of(request.customer_id, at), key=lambda b: b.mask
        )
    ]
    lines = [
        text("outage.balance_line", language, mask=i.mask, available=i.available, read_at=i.read_at) for i in items
    ]
    return LastBalances(known=bool(items), items=items, text="\n".join(lines))


def balance_text(balance: Balance, language: Language) -> str:
    """The balance as the customer reads it: own funds, the credit unused of the limit where the card has
    a credit line, and what authorizations hold when they hold anything ("own 12.00 BYN, credit 1,000.00
    BYN of 1,000.00 BYN, on hold 25.00 BYN")."""
    shown = format_money(balance.own_funds, balance.currency, language)
    if balance.credit_limit:
        shown = text(
            "card_services.own_and_credit",
            language,
            own=shown,
            unused=format_money(balance.credit_unused, balance.currency, language),
            limit=format_money(balance.credit_limit, balance.currency, language),
        )
    if not balance.holds:
        return shown
    held = format_money(balance.holds, balance.currency, language)
    return text("card_services.with_holds", language, balance=shown, held=held)


def block_card(
    request: BlockCardRequest, *, core: CoreBank | None = None, customers: CustomersRepository | None = None
) -> CardStatusResult:
    core, customers = core or bank.core_client(), customers or CustomersRepository()
    owned_card(request.customer_id, request.card_id, core=core, customers=customers)
    card = core.block(request.card_id, request.reason)
    _record_status(request.customer_id, card, customers)
    logger.info("card blocked", extra={"customer_id": request.customer_id, "reason": request.reason})
    metrics.add_metric(name="CardsBlocked", unit="Count", value=1)
    return CardStatusResult(card_id=card.card_id, mask=card.masked_pan, status=card.status)


def unblock_card(
    request: UnblockCardRequest, *, core: CoreBank | None = None, customers: CustomersRepository | None = None
) -> CardStatusResult:
    core, customers = core or bank.core_client(), customers or CustomersRepository()
    owned_card(request.customer_id, request.card_id, core=core, customers=customers)
    card = core.unblock(request.card_id)
    _record_status(request.customer_id, card, customers)
    logger.info("card unblocked", extra={"customer_id": request.customer_id})
    metrics.add_metric(name="CardsUnblocked", unit="Count", value=1)
    return CardStatusResult(card_id=card.card_id, mask=card.masked_pan, status=card.status)


def get_requisites(
    request: GetRequisitesRequest,
    *,
    core: CoreBank | None = None,
    customers: CustomersRepository | None = None,
    settings: CardsSettings | None = None,
    s3_client: S3Client | None = None,
) -> RequisitesResult:
    core, customers = core or bank.core_client(), customers or CustomersRepository()
    _, card = owned_card(request.customer_id, request.card_id, core=core, customers=customers)
    requisites = core.requisites(card.account_id)
    # Pillow, and the pictures' request models, only in the function that draws (get_requisites).
    from messenger_bank.images.models import RequisitesRequest
    from messenger_bank.images.requisites import requisites_pdf

    pdf = requisites_pdf(
        RequisitesRequest(
            language=request.language,
            holder_name=requisites.holder_name,
            iban=requisites.iban,
            bank_name=requisites.bank_name,
            bic=requisites.bic,
            bank_unp=requisites.bank_taxpayer_number,
            currency=requisites.currency,
            issued_on=datetime.now(UTC).date(),
        )
    )
    stored = store(
        "requisites",
        pdf,
        "application/pdf",
        bucket=(settings or cards_settings()).bucket(),
        s3_client=s3_client,
        download_name="requisites.pdf",
        owner=request.customer_id,
    )
    logger.info("requisites sent", extra={"customer_id": request.customer_id})
    return RequisitesResult(iban=requisites.iban, currency=requisites.currency, document_url=stored.url)


def mask_counterparty(counterparty: str) -> str:
    """A counterparty as the history shows it: card numbers, accounts and phones cut to their last four."""

    def cut(found: re.Match[str]) -> str:
        run = found.group(0)
        digits = sum(ch.isdigit() for ch in run)
        return short_mask(run) if digits >= _MIN_HIDDEN_DIGITS else run

    return _NUMBER_RUN.sub(cut, redact_pans(counterparty)).strip()[:40]


def _kind(kind: str, language: Language) -> str:
    """The kind of an operation in the customer's words (``history.kind.*``); a kind the catalogue does
    not name yet is shown as the bank calls it."""
    key = f"history.kind.{kind}"
    return text(key, language) if has(key) else kind


def history_line(entry: HistoryEntry, language: Language) -> str:
    """``24.11.2025 −10,00 BYN · перевод · •• 1111``."""
    amount = format_money(entry.amount, entry.currency, language)
    parts = [amount if entry.amount < 0 else f"+{amount}", _kind(entry.kind, language)]
    if entry.counterparty:
        parts.append(mask_counterparty(entry.counterparty))
    return f"{format_date(entry.created_at.date(), language)} " + " · ".join(parts)


def _latest(entries: Iterable[HistoryEntry], limit: int) -> list[HistoryEntry]:
    unique = {entry.operation_id + str(entry.amount): entry for entry in entries}
    return sorted(unique.values(), key=lambda e: e.created_at, reverse=True)[:limit]


def get_history(
    request: GetHistoryRequest,
    *,
    core: CoreBank | None = None,
    customers: CustomersRepository | None = None,
    settings: CardsSettings | None = None,
    s3_client: S3Client | None = None,
) -> HistoryResult:
    core, customers = core or bank.core_client(), customers or CustomersRepository()
    config = settings or cards_settings()
    customer = _customer(request.customer_id, customers)
    accounts = list(dict.fromkeys(c.account_id for c in _owned_cards(customer, core=core, customers=customers)))
    entries = _latest(
        (e for account in accounts for e in core.history(account, config.history_limit)), config.history_limit
    )
    if not entries:
        return HistoryResult(lines=text("history.none", request.language), count=0)
    lines = [history_line(entry, request.language) for entry in entries]
    from messenger_bank.cards.statement import history_pdf  # Pillow only in the function that draws

    stored = store(
        # An account statement is an account document, like the requisites (kept under that kind).
        "requisites",
        history_pdf(lines, request.language, datetime.now(UTC).date()),
        "application/pdf",
        bucket=config.bucket(),
        s3_client=s3_client,
        download_name="history.pdf",
        owner=request.customer_id,
    )
    return HistoryResult(lines="\n".join(lines), count=len(lines), document_url=stored.url)


# --- the monthly statement ---------------------------------------------------------------------------
class StatementDesk(CoreBank, Protocol):
    """Core banking's statements (``CoreClient``)."""

    def statement(self, account_id: str, month: str) -> Statement: ...


def get_statement(
    request: GetStatementRequest,
    *,
    core: StatementDesk | None = None,
    customers: CustomersRepository | None = None,
    settings: CardsSettings | None = None,
    terms: CreditTerms | None = None,
    s3_client: S3Client | None = None,
    today: date | None = None,
) -> StatementResult:
    """The card account's statement for a month (the one running unless named), as core banking computes
    it, told with the bank's terms, and as a PDF. A card with no credit in use at the month's end has
    nothing due (``due`` false); the PDF is made all the same."""
    desk: StatementDesk = core or bank.core_client()
    _, card = owned_card(request.customer_id, request.card_id, core=desk, customers=customers or CustomersRepository())
    today = today or datetime.now(UTC).date()
    statement = desk.statement(card.account_id, request.month or f"{today.year:04d}-{today.month:02d}")
    result = statement_told(
        statement,
        request.language,
        terms=terms or credit_terms(),
        bucket=(settings or cards_settings()).bucket(),
        s3_client=s3_client,
        today=today,
        owner=request.customer_id,
    )
    logger.info("statement sent", extra={"customer_id": request.customer_id, "month": statement.month})
    return result


def statement_told(
    statement: Statement,
    language: Language,
    *,
    terms: CreditTerms,
    bucket: str,
    s3_client: S3Client | None = None,
    today: date,
    owner: str | None = None,
) -> StatementResult:
    """A statement as the customer reads it, with the bank's terms, and its PDF stored (the card menu's
    statement and the monthly one are the same words and the same page)."""
    currency = statement.currency

    def money(minor: int) -> str:
        return format_money(minor, currency, language)

    first_day = statement.statement_date.replace(day=1)
    period = f"{format_date(first_day, language)} – {format_date(statement.statement_date, language)}"
    rate, late_fee = f"{terms.interest_percent_per_year.normalize():f}\u00a0%", money(terms.late_fee_minor)
    due_date = format_date(statement.due_date, language)
    # Pillow only in the function that draws
    from messenger_bank.cards.credit_statement import StatementPage, statement_pdf

    page = StatementPage(
        language=language,
        period=period,
        issued_on=today,
        opening_balance=money(statement.opening_balance),
        closing_balance=money(statement.closing_balance),
        credit_limit=money(statement.credit_limit),
        interest=money(statement.interest),
        fees=money(statement.fees),
        amount_due=money(statement.amount_due),
        minimum_payment=money(statement.minimum_payment),
        due_date=due_date,
        terms=text("card_statement.terms", language, due_date=due_date, rate=rate, late_fee=late_fee),
        lines=tuple(history_line(entry, language) for entry in reversed(statement.operations)),
    )
    stored = store(
        # A statement is an account document, like the requisites (kept under that kind).
        "requisites",
        statement_pdf(page),
        "application/pdf",
        bucket=bucket,
        s3_client=s3_client,
        download_name="statement.pdf",
        owner=owner,
    )
    return StatementResult(
        due=statement.amount_due > 0,
        period=period,
        amount_due=page.amount_due,
        minimum_payment=page.minimum_payment,
        due_date=due_date,
        interest_rate=rate,
        late_fee=late_fee,
        amount_due_minor=statement.amount_due,
        minimum_payment_minor=statement.minimum_payment,
        document_url=stored.url,
    )


# --- card limits -------------------------------------------------------------------------------------
class LimitsDesk(CoreBank, Protocol):
    """Core banking's card limits (``CoreClient``)."""

    def card_limits(self, card_id: str) -> CardLimits: ...
    def set_card_limit(self, card_id: str, kind: CardLimitKind, amount: int, currency: str) -> CardLimits: ...


def _limits_result(limits: CardLimits, language: Language) -> CardLimitsResult:
    items = [
        CardLimitItem(
            kind=limit.kind,
            amount=format_money(limit.amount, limits.currency, language),
            amount_minor=limit.amount,
            maximum=format_money(limit.maximum, limits.currency, language),
            maximum_minor=limit.maximum,
        )
        for limit in limits.limits
    ]
    lines = "\n".join(f"{text(f'card_limits.{item.kind}', language)}: {item.amount}" for item in items)
    return CardLimitsResult(items=items, lines=lines)


def get_card_limits(
    request: GetCardLimitsRequest, *, core: LimitsDesk | None = None, customers: CustomersRepository | None = None
) -> CardLimitsResult:
    """The card's spending limits per day (purchases, cash, online)."""
    desk: LimitsDesk = core or bank.core_client()
    customer, card = owned_card(
        request.customer_id, request.card_id, core=desk, customers=customers or CustomersRepository()
    )
    return _limits_result(desk.card_limits(card.card_id), request.language or customer.language)


def set_card_limit(
    request: SetCardLimitRequest, *, core: LimitsDesk | None = None, customers: CustomersRepository | None = None
) -> CardLimitsResult:
    """Change one limit, within what the bank allows (``CardLimitAboveMaximum`` names the most)."""
    desk: LimitsDesk = core or bank.core_client()
    customer, card = owned_card(
        request.customer_id, request.card_id, core=desk, customers=customers or CustomersRepository()
    )
    current = {limit.kind: limit for limit in desk.card_limits(card.card_id).limits}
    if request.kind in current and request.amount_minor > current[request.kind].maximum:
        maximum = current[request.kind].maximum
        raise CardLimitAboveMaximum("above the bank's maximum", maximum=maximum)
    changed = desk.set_card_limit(card.card_id, request.kind, request.amount_minor, request.currency)
    logger.info("card limit changed", extra={"customer_id": request.customer_id, "kind": request.kind})
    metrics.add_metric(name="CardLimitChanged", unit="Count", value=1)
    return _limits_result(changed, request.language or customer.language)
