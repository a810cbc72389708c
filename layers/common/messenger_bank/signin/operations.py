"""Sign-in: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.operations import Operation
from messenger_bank.security.errors import PhoneNotProven, SessionInvalid, TooManyAttempts
from messenger_bank.signin.models import (
    OpenedSession,
    OpenSessionRequest,
    ReauthenticationMethod,
    SignInLink,
    SignInRequest,
    StartReauthenticationRequest,
)

FIND_CUSTOMER = Operation("find_customer", OpenSessionRequest, OpenedSession, errors=(SessionInvalid,))

# The card is proven on the secure page (securepage.service), never in the chat: sign_in answers its link.
SIGN_IN = Operation("sign_in", SignInRequest, SignInLink, errors=(PhoneNotProven, TooManyAttempts, SessionInvalid))

START_REAUTHENTICATION = Operation(
    "start_reauthentication", StartReauthenticationRequest, ReauthenticationMethod, session="customer"
)
