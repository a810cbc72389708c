"""Payments for services: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.errors import (
    CardNotFound,
    InsufficientFunds,
    LimitExceeded,
    PayeeAccountNotFound,
    PayeeNotFound,
)
from messenger_bank.operations import Operation
from messenger_bank.payments.errors import NoPaymentYet
from messenger_bank.payments.models import (
    CheckPayeeAccountRequest,
    CustomerRequest,
    LastPayment,
    ListPayeesRequest,
    PayeeAccountCheck,
    PayeeList,
    PaymentQuoteView,
    QuotePaymentRequest,
    SavedPayeeList,
)

LIST_PAYEES = Operation("list_payees", ListPayeesRequest, PayeeList)

CHECK_PAYEE_ACCOUNT = Operation(
    "check_payee_account", CheckPayeeAccountRequest, PayeeAccountCheck, errors=(PayeeNotFound, PayeeAccountNotFound)
)

QUOTE_PAYMENT = Operation(
    "quote_payment",
    QuotePaymentRequest,
    PaymentQuoteView,
    errors=(InsufficientFunds, LimitExceeded, PayeeNotFound, PayeeAccountNotFound, CardNotFound),
    session="customer",
)

LIST_SAVED_PAYEES = Operation("list_saved_payees", CustomerRequest, SavedPayeeList, session="customer")

LAST_PAYMENT = Operation("last_payment", CustomerRequest, LastPayment, errors=(NoPaymentYet,), session="customer")
