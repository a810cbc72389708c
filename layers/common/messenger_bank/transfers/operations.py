"""Transfers: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.errors import CardBlocked, CardNotFound, InsufficientFunds, LimitExceeded
from messenger_bank.operations import Operation
from messenger_bank.transfers.models import QuoteTransferRequest, TransferQuote

QUOTE_TRANSFER = Operation(
    "quote_transfer",
    QuoteTransferRequest,
    TransferQuote,
    errors=(InsufficientFunds, LimitExceeded, CardNotFound, CardBlocked),
    session="customer",
)
