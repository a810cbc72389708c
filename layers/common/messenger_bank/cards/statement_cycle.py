"""The monthly statement of the credit line, sent by the bank (statemachines/credit_statement.asl.yaml).

The journey's steps, each a Lambda:
  1. ``statement_run`` (cards/statement_run.py, apart: the run loads nothing of the sending): the month to
     state — the one named at the start, else the month before the schedule's time (on the statement day,
     the month that ended) — and every customer with a card (the credit line is core banking's fact: step 2
     asks it). A month still to come is refused; the month
     under way may be named (on demand): it is stated as it stands so far, recorded apart from the
     month's statement, which is still sent once the month has ended;
  2. for each customer, ``send_statement``: core banking's statement of the card account for the month
     (core banking's months are calendar months in UTC, local/sandbox/statements.py). It is sent when the
     card account has a credit line and the month had an operation, or when anything is due: what a card
     issuer sends every billing cycle. A debit card owing nothing gets none (its history is in the card
     menu), nor does a credit line untouched all month with nothing due (nothing to read or pay). The
     statement is claimed on its record (cards/repository.py) before it is told, so each customer's
     month is told once however often the run or its item is started; then every chat of the customer
     is told, in the customer's language, the words the card menu's statement uses (amount due, minimum
     payment and its date), with the statement's PDF. When no chat could be tried, the claim is given
     back and the step fails (``StatementNotTold``), so that the run ends failed and a run again tells.

Logs name the customer and the month, never a card mask or an amount.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from messenger_bank.banking import service as bank
from messenger_bank.banking.models.core import Card as BankCard
from messenger_bank.banking.models.core import Statement
from messenger_bank.cards.models import (
    StatementItem,
    StatementRecord,
    StatementSent,
)
from messenger_bank.cards.repository import StatementsRepository
from messenger_bank.cards.service import StatementDesk, owned_card, statement_told
from messenger_bank.cards.settings import CardsSettings, CreditTerms, cards_settings, credit_terms
from messenger_bank.cards.statement_run import month_of
from messenger_bank.channels.models import ChatRef
from messenger_bank.customers.models import Card
from messenger_bank.customers.service import (
    CustomersRepository,
    cards_of,
    customer_by_id,
    identities_of,
)
from messenger_bank.errors import CardNotFound, DomainError
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.notices.service import notify, tell_each_chat
from messenger_bank.observability import logger, metrics

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

Clock = Callable[[], datetime]
# The card menu's words for a statement: one place for each word, in the chat and in the monthly notice.
DUE = "card_services.statement_is"
NOTHING_DUE = "card_services.statement_nothing_due"


class StatementNotTold(DomainError):
    """Every chat of the customer failed on the statement; it is not recorded, and a run again tells."""

    transient = True


def _now() -> datetime:
    return datetime.now(UTC)


def _card_to_state(customer_id: str, customers: CustomersRepository) -> Card:
    """The card whose account is stated: the digital card, else the plastic one; a closed card's account
    too (what is owed on it is still due), when it is the only one."""
    cards = cards_of(customer_id, repository=customers)
    if not cards:
        raise CardNotFound("the customer has no card to state")
    return min(cards, key=lambda c: (c.status == "closed", c.status != "active", c.kind != "virtual", c.issued_at))


def to_be_sent(statement: Statement) -> str | None:
    """Why a statement is not sent (``no_credit_line``, ``quiet``), or None when it is."""
    if statement.amount_due > 0:
        return None
    if statement.credit_limit == 0:
        return "no_credit_line"
    return None if statement.operations else "quiet"


def _notice(statement: Statement, card: BankCard, told: dict[str, str]) -> tuple[str, dict[str, str | int]]:
    if statement.amount_due > 0:
        return DUE, {"mask": card.masked_pan, **told}
    return NOTHING_DUE, {"mask": card.masked_pan, "period": told["period"]}


def send_statement(
    item: StatementItem,
    *,
    core: StatementDesk | None = None,
    customers: CustomersRepository | None = None,
    statements: StatementsRepository | None = None,
    settings: CardsSettings | None = None,
    terms: CreditTerms | None = None,
    s3_client: S3Client | None = None,
    tell: Callable[[NotifyRequest], Notified] = notify,
    clock: Clock = _now,
) -> StatementSent:
    """Step 2: the customer's statement of the month, told once to every chat with its PDF (see the module)."""
    directory = customers or CustomersRepository()
    records = statements or StatementsRepository()
    desk: StatementDesk = core or bank.core_client()
    now = clock()
    closed = item.month < month_of(now)

    def outcome(name: str, amount_due: int = 0, chats: int = 0) -> StatementSent:
        logger.info("credit statement", extra={"customer_id": item.customer_id, "month": item.month, "outcome": name})
        return StatementSent.model_validate(
            {
                "customer_id": item.customer_id,
                "month": item.month,
                "outcome": name,
                "closed": closed,
                "amount_due_minor": amount_due,
                "chats_told": chats,
            }
        )

    if records.statement(item.customer_id, item.month, closed) is not None:
        return outcome("already_sent")
    chats = identities_of(item.customer_id, repository=directory)
    if not chats:
        return outcome("no_chat")
    _, card = owned_card(
        item.customer_id, _card_to_state(item.customer_id, directory).card_id, core=desk, customers=directory
    )
    statement = desk.statement(card.account_id, item.month)
    not_sent = to_be_sent(statement)
    if not_sent is not None:
        return outcome(not_sent)
    language = customer_by_id(item.customer_id, repository=directory).language
    result = statement_told(
        statement,
        language,
        terms=terms or credit_terms(),
        bucket=(settings or cards_settings()).bucket(),
        s3_client=s3_client,
        today=now.date(),
        owner=item.customer_id,
    )
    closed = statement.closed  # core banking's word on whether the month has ended
    record = StatementRecord(
        customer_id=item.customer_id,
        month=item.month,
        closed=closed,
        amount_due_minor=statement.amount_due,
        claimed_at=now,
    )
    if not records.claim(record):
        return outcome("already_sent")
    message, values = _notice(
        statement,
        card,
        {
            "period": result.period,
            "amount_due": result.amount_due,
            "minimum": result.minimum_payment,
            "due_date": result.due_date,
            "rate": result.interest_rate,
            "late_fee": result.late_fee,
        },
    )
    told = tell_each_chat(
        [ChatRef(channel=identity.channel, chat_id=identity.chat_id) for identity in chats],
        lambda chat: NotifyRequest(
            chat_key=chat.key, language=language, message=message, values=values, document_url=result.document_url
        ),
        tell=tell,
        about={"customer_id": item.customer_id, "month": item.month},
    )
    if told.refused and not told.delivered:
        records.release(item.customer_id, item.month, closed)
        raise StatementNotTold("no chat of the customer took the statement", month=item.month)
    records.told(item.customer_id, item.month, closed, clock(), told.delivered)
    if not told.delivered:
        return outcome("unreachable", statement.amount_due)
    metrics.add_metric(name="CreditStatementsSent", unit="Count", value=1)
    return outcome("sent", statement.amount_due, told.delivered)
