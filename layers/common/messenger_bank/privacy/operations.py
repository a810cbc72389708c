"""Data the customer controls: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.operations import Operation
from messenger_bank.privacy.models import (
    ConsentWithdrawn,
    ForgetRequest,
    Forgotten,
    MyData,
    MyDataRequest,
    WithdrawConsentRequest,
)

GET_MY_DATA = Operation("get_my_data", MyDataRequest, MyData, session="customer")
WITHDRAW_CONSENT = Operation("withdraw_consent", WithdrawConsentRequest, ConsentWithdrawn, session="customer")
# Irreversible: the card or the bank password proven just now (sensitive) and the customer's explicit confirmation.
FORGET_CUSTOMER = Operation("forget_customer", ForgetRequest, Forgotten, session="sensitive", needs_confirmation=True)
