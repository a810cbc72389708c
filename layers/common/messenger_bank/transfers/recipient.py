"""The transfer journey's last step: a recipient who is also our customer is told of the money.

The recipient's card number comes out of the vault once more, only to ask the bank whose card it is
(``cards/lookup``); a card of this bank belongs to a bank customer, and that customer is ours when the
customers table knows their bank id. Every chat they bound gets the notice in their language: the
amount they received and the sender's card as a mask (first six and last four at most).

The step moves no money, and the state machine catches whatever it raises and completes the transfer.
A retried or re-driven step tells the recipient once: the quote keeps a mark, set before sending and
taken back only when no chat took the notice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import SecretStr

from messenger_bank.banking import service as bank
from messenger_bank.channels.models import ChatRef
from messenger_bank.customers.models import Customer
from messenger_bank.customers.service import CustomersRepository, customer_by_bank_id, identities_of
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.notices.service import notify, tell_each_chat
from messenger_bank.observability import logger, metrics
from messenger_bank.quotes import money_text
from messenger_bank.security.cards import CardVault, detokenise, redact_pans
from messenger_bank.transfers.errors import RecipientNotReached
from messenger_bank.transfers.models import Quote, RecipientTold, TransferState
from messenger_bank.transfers.repository import QuotesRepository

if TYPE_CHECKING:
    from messenger_bank.banking.service import CoreClient

Clock = Callable[[], datetime]
NOTICE = "transfer.received"


def _now() -> datetime:
    return datetime.now(UTC)


def recipient_of(
    quote: Quote, *, customers: CustomersRepository, core: CoreClient | None, vault: CardVault | None
) -> Customer | None:
    """Our customer who holds the quote's recipient card, or None (another bank's card, or a customer of
    this bank who does not use the bot). The bank says whose card it is; the number is not kept."""
    card = bank.lookup_card(SecretStr(detokenise(quote.card_token, vault=vault)), core=core)
    if not card.own or card.customer_id is None:
        return None
    return customer_by_bank_id(card.customer_id, repository=customers)


def tell_recipient(
    state: TransferState,
    *,
    quotes: QuotesRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    core: CoreClient | None = None,
    vault: CardVault | None = None,
    tell: Callable[[NotifyRequest], Notified] = notify,
    clock: Clock = _now,
) -> RecipientTold:
    """Tell the recipient of a completed transfer, if they are our customer with a chat; once.

    Raises what the vault or the bank raise (the state machine retries the transient ones, then lets the
    transfer complete), and RecipientNotReached when every chat refused the notice."""
    transfer_id = state.require_transfer_id()
    told = _tell(
        state,
        repository=quotes or QuotesRepository(),
        customers=customers_repository or CustomersRepository(),
        core=core,
        vault=vault,
        tell=tell,
        clock=clock,
    )
    # One line for every way it ends but a raise: which outcome, how many chats.
    logger.info(
        "transfer recipient", extra={"transfer_id": transfer_id, "outcome": told.outcome, "delivered": told.delivered}
    )
    return told


def _tell(
    state: TransferState,
    *,
    repository: QuotesRepository,
    customers: CustomersRepository,
    core: CoreClient | None,
    vault: CardVault | None,
    tell: Callable[[NotifyRequest], Notified],
    clock: Clock,
) -> RecipientTold:
    if state.outcome != "completed":
        return RecipientTold(outcome="not_completed")
    quote = repository.get(state.quote_id, state.customer_id)
    recipient = recipient_of(quote, customers=customers, core=core, vault=vault)
    if recipient is None:
        return RecipientTold(outcome="not_our_customer")
    if recipient.customer_id == quote.customer_id:
        return RecipientTold(outcome="own_card")
    chats = [
        ChatRef(channel=i.channel, chat_id=i.chat_id)
        for i in identities_of(recipient.customer_id, repository=customers)
    ]
    if not chats:
        return RecipientTold(outcome="no_chat")
    if not repository.mark_recipient_told(quote.quote_id, now=int(clock().timestamp())):
        return RecipientTold(outcome="already_told")
    values: dict[str, str | int] = {
        "amount": money_text(quote.amount_minor, quote.currency),
        # A mask already; redacting again makes sure no full number could ever reach a chat.
        "mask": redact_pans(quote.source_mask),
    }
    told = tell_each_chat(
        chats,
        lambda chat: NotifyRequest(chat_key=chat.key, language=recipient.language, message=NOTICE, values=values),
        tell=tell,
        about={"transfer_id": state.transfer_id},
    )
    if told.refused and not told.delivered:
        repository.unmark_recipient_told(quote.quote_id)
        raise RecipientNotReached("no chat of the recipient took the notice", chats=len(chats), refused=told.refused)
    if not told.delivered:
        # Blocked the bot, or out of the platform's window: trying again would not reach them either.
        return RecipientTold(outcome="unreachable")
    metrics.add_metric(name="TransferRecipientsTold", unit="Count", value=1)
    return RecipientTold(outcome="told", delivered=told.delivered)
