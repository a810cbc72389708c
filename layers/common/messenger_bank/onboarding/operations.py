"""Onboarding: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.errors import TooManyCodes
from messenger_bank.onboarding.models import (
    ApplicationForm,
    CheckCodeRequest,
    CodeChecked,
    CodeSent,
    SavedApplication,
    SendCodeRequest,
)
from messenger_bank.operations import Operation
from messenger_bank.security.errors import PhoneNotProven

SEND_OTP = Operation("send_otp", SendCodeRequest, CodeSent, errors=(TooManyCodes,))

VERIFY_OTP = Operation("verify_otp", CheckCodeRequest, CodeChecked)

SAVE_APPLICATION = Operation("save_application", ApplicationForm, SavedApplication, errors=(PhoneNotProven,))
