"""Money requests: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.errors import (
    CardBlocked,
    CustomerNotFound,
    InsufficientFunds,
    InvalidOneTimeCode,
    LimitExceeded,
)
from messenger_bank.operations import Operation
from messenger_bank.requests.errors import MoneyRequestClosed, MoneyRequestNotFound, OwnPhone
from messenger_bank.requests.models import (
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    MoneyRequested,
    MoneyRequestView,
    OpenMoneyRequest,
    RequestMoneyRequest,
)
from messenger_bank.spending.errors import CodeRequired

REQUEST_MONEY = Operation(
    "request_money",
    RequestMoneyRequest,
    MoneyRequested,
    errors=(CustomerNotFound, OwnPhone),
    session="customer",
    needs_confirmation=True,
)

# `ref` is what a Pay / Decline button carries: <pay|decline>.<request id>.
OPEN_MONEY_REQUEST = Operation(
    "open_money_request",
    OpenMoneyRequest,
    MoneyRequestView,
    errors=(MoneyRequestClosed, MoneyRequestNotFound),
    session="customer",
)

PAY_MONEY_REQUEST = Operation(
    "pay_money_request",
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    errors=(
        MoneyRequestClosed,
        MoneyRequestNotFound,
        InsufficientFunds,
        LimitExceeded,
        CardBlocked,
        CodeRequired,
        InvalidOneTimeCode,
    ),
    session="customer",
    needs_confirmation=True,
)

DECLINE_MONEY_REQUEST = Operation(
    "decline_money_request",
    AnswerMoneyRequest,
    MoneyRequestAnswered,
    errors=(MoneyRequestClosed, MoneyRequestNotFound),
    session="customer",
)
