"""Cards: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.cards.models import (
    BalanceResult,
    BlockCardRequest,
    CardLimitsResult,
    CardList,
    CardStatusResult,
    CreateSecureLinkRequest,
    GetBalanceRequest,
    GetCardLimitsRequest,
    GetHistoryRequest,
    GetRequisitesRequest,
    GetStatementRequest,
    HistoryResult,
    LastBalances,
    LastBalancesRequest,
    ListCardsRequest,
    RequisitesResult,
    SecureLinkResult,
    SetCardLimitRequest,
    StatementResult,
    UnblockCardRequest,
)
from messenger_bank.errors import BankSystemUnavailable, CardBlocked, CardLimitAboveMaximum, OperationRejected
from messenger_bank.operations import Operation
from messenger_bank.security.errors import NotYourCard

# BankSystemUnavailable: core banking is down (its breaker open); the balance flow shows the last one known.
LIST_CARDS = Operation("list_cards", ListCardsRequest, CardList, errors=(BankSystemUnavailable,), session="customer")

GET_BALANCE = Operation(
    "get_balance",
    GetBalanceRequest,
    BalanceResult,
    errors=(NotYourCard, BankSystemUnavailable),
    session="customer",
)

# The balances last read from the bank, with their times: our table only, so it answers while core banking is down.
LAST_BALANCES = Operation("last_balances", LastBalancesRequest, LastBalances, session="customer")

BLOCK_CARD = Operation("block_card", BlockCardRequest, CardStatusResult, errors=(NotYourCard,), session="customer")

# OperationRejected: the bank will not unblock this card (e.g. blocked as lost); a new one can be ordered.
UNBLOCK_CARD = Operation(
    "unblock_card", UnblockCardRequest, CardStatusResult, errors=(NotYourCard, OperationRejected), session="sensitive"
)

GET_REQUISITES = Operation(
    "get_requisites", GetRequisitesRequest, RequisitesResult, errors=(NotYourCard,), session="customer"
)

CREATE_SECURE_LINK = Operation(
    "create_secure_link",
    CreateSecureLinkRequest,
    SecureLinkResult,
    errors=(NotYourCard, CardBlocked),  # CardBlocked: a blocked card's details are not shown
    session="sensitive",
)

GET_HISTORY = Operation("get_history", GetHistoryRequest, HistoryResult, session="customer")

# The card account's monthly statement (amount due, minimum payment and its date) and its PDF.
GET_STATEMENT = Operation(
    "get_statement", GetStatementRequest, StatementResult, errors=(NotYourCard,), session="customer"
)

GET_CARD_LIMITS = Operation(
    "get_card_limits", GetCardLimitsRequest, CardLimitsResult, errors=(NotYourCard,), session="customer"
)

SET_CARD_LIMIT = Operation(
    "set_card_limit",
    SetCardLimitRequest,
    CardLimitsResult,
    errors=(NotYourCard, CardLimitAboveMaximum, CardBlocked),
    session="sensitive",
    needs_confirmation=True,
)
