"""What the card operations take (their declarations in messenger_bank/operations.py) and what the flows show.

Every request names the chat's customer and, where a card is touched, the card id from a button: the
id is untrusted until the service has checked that the customer owns it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.journeys.monthly import MonthlyItem, MonthlyRun, MonthlyRunInput, MonthlyRunStart
from messenger_bank.types import Channel, CurrencyCode, CustomerId, Language, MaskedPan, MinorUnits, Month

BlockReason = Literal["lost", "stolen", "suspicious", "customer_request"]
# "card": the card proven again (full number and expiry) by a customer who has no bank password yet.
# "details": the card's full number, expiry and CVV, shown once on the page.
LinkPurposeName = Literal["pin", "password", "confirm", "card", "details"]
CardStatus = Literal["active", "blocked"]

_CARD_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


# Built on first use (defer_build): each card operation's function validates with its own two of these models.
class _Request(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId


class _Result(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


# --- list_cards ------------------------------------------------------------------------------------
class ListCardsRequest(_Request):
    pass


class CardItem(_Result):
    card_id: str
    mask: MaskedPan
    status: CardStatus


class CardList(_Result):
    items: list[CardItem]


# --- get_balance -----------------------------------------------------------------------------------
class GetBalanceRequest(_Request):
    card_id: str = _CARD_ID
    language: Language | None = Field(
        default=None, description="how to write the money; the customer's own if left out"
    )


class BalanceResult(_Result):
    """Money as the customer reads it (``balance``, ``available``), and the figures behind it."""

    balance: str
    available: str
    available_minor: MinorUnits
    # The figures behind them: own funds (0 while credit is used), the credit line and what of it is left.
    own_funds_minor: MinorUnits = 0
    credit_limit_minor: MinorUnits = 0
    credit_unused_minor: MinorUnits = 0
    # What card authorizations hold until they are cleared, reversed or expire (not in own funds' figure).
    holds_minor: MinorUnits = 0
    currency: CurrencyCode


# --- last_balances ---------------------------------------------------------------------------------
class LastBalancesRequest(_Request):
    language: Language | None = None


class LastBalanceItem(_Result):
    mask: MaskedPan
    available: str
    read_at: str = Field(description="when the bank last told it, as the customer reads a time")


class LastBalances(_Result):
    """The balances last read from the bank, kept for a while (``LAST_BALANCE_HOURS``), to show while it is down."""

    known: bool
    items: list[LastBalanceItem]
    text: str = Field(description="one line per card, as the chat shows them")


# --- block_card / unblock_card ---------------------------------------------------------------------
class BlockCardRequest(_Request):
    card_id: str = _CARD_ID
    reason: BlockReason


class UnblockCardRequest(_Request):
    card_id: str = _CARD_ID


class CardStatusResult(_Result):
    card_id: str
    mask: MaskedPan
    status: CardStatus


# --- get_requisites --------------------------------------------------------------------------------
class GetRequisitesRequest(_Request):
    card_id: str = _CARD_ID
    language: Language = "ru"


class RequisitesResult(_Result):
    """The IBAN (shown to its owner in the chat, never logged) and the PDF's presigned link."""

    iban: str = Field(repr=False)
    currency: CurrencyCode
    document_url: str = Field(repr=False)


# --- get_history -----------------------------------------------------------------------------------
class GetHistoryRequest(_Request):
    language: Language = "ru"


class HistoryResult(_Result):
    """The last operations, one line each (counterparties masked), and the same as a PDF."""

    lines: str
    count: int = Field(ge=0)
    document_url: str | None = Field(default=None, repr=False)


# --- get_statement ---------------------------------------------------------------------------------
class GetStatementRequest(_Request):
    card_id: str = _CARD_ID
    month: str | None = Field(
        default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM; the month running if left out"
    )
    language: Language = "ru"


class StatementResult(_Result):
    """The month's statement of a card account, as the customer reads it, and its PDF's presigned link.

    ``due`` is false when no credit is in use at the month's end (nothing to pay)."""

    due: bool
    period: str
    amount_due: str
    minimum_payment: str
    due_date: str
    interest_rate: str
    late_fee: str
    amount_due_minor: MinorUnits
    minimum_payment_minor: MinorUnits
    document_url: str = Field(repr=False)


# --- create_secure_link ----------------------------------------------------------------------------
class CreateSecureLinkRequest(_Request):
    card_id: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_-]*$", description="empty for password")
    purpose: LinkPurposeName
    channel: Channel
    chat_key: str = Field(min_length=3, max_length=160)


class SecureLinkResult(_Result):
    url: str = Field(repr=False)
    expires_in: int = Field(gt=0, description="seconds")


# --- card limits -----------------------------------------------------------------------------------
CardLimitKind = Literal["purchases", "cash", "online"]


class GetCardLimitsRequest(_Request):
    card_id: str = _CARD_ID
    language: Language | None = None


class CardLimitItem(_Result):
    kind: CardLimitKind
    amount: str
    amount_minor: MinorUnits
    maximum: str
    maximum_minor: MinorUnits


class CardLimitsResult(_Result):
    """The card's limits per day, each as money in the customer's language, and as one text to show."""

    items: list[CardLimitItem]
    lines: str


class SetCardLimitRequest(_Request):
    card_id: str = _CARD_ID
    kind: CardLimitKind
    amount_minor: int = Field(gt=0, le=100_000_000)
    currency: CurrencyCode
    language: Language | None = None


# --- the monthly statement run (cards/statement_cycle.py, statemachines/credit_statement.asl.yaml) ------
# The monthly run's shapes are the payout's (journeys/monthly.py), named for the statement.
StatementRunInput = MonthlyRunInput
StatementRunStart = MonthlyRunStart
StatementRun = (
    MonthlyRun  # the month to state and the customers with a card (core banking says which have a credit line)
)
StatementItem = MonthlyItem


# sent: told to at least one chat; unreachable: sent, no chat could take it (the notices count it);
# already_sent: recorded by a run before; no_credit_line: a debit card owing nothing; quiet: a credit line
# with no operation in the month and nothing due; no_chat: no chat bound to tell.
StatementOutcomeName = Literal["sent", "unreachable", "already_sent", "no_credit_line", "quiet", "no_chat"]


class StatementSent(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    month: Month
    outcome: StatementOutcomeName
    closed: bool = Field(description="the month had ended when it was stated (false: the month so far)")
    amount_due_minor: MinorUnits = 0
    chats_told: int = Field(default=0, ge=0)


class StatementRecord(BaseModel):
    """A customer's statement of a month, kept once sent (cards/repository.py)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    month: Month
    closed: bool
    amount_due_minor: MinorUnits
    claimed_at: datetime
    told_at: datetime | None = None
    chats_told: int = Field(default=0, ge=0)
