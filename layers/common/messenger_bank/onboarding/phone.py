"""Proving a typed phone number with a one-time code (Cerberus sends and checks it).

The code's id is kept per chat for ten minutes in the customers table (`OTP#<chat key>`), so the
code can only be checked from the chat that asked for it, for the phone it was sent to.
"""

from __future__ import annotations

import time

from messenger_bank.banking import service as bank
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import InvalidOneTimeCode
from messenger_bank.onboarding.models import (
    CheckCodeRequest,
    CodeChecked,
    CodeSent,
    SendCodeRequest,
)
from messenger_bank.tables import customers_table as _table

CODE_SECONDS = 600


def send_code(request: SendCodeRequest) -> CodeSent:
    code = bank.send_code(request.phone, "onboarding")
    _table().put_item(
        Item={
            "pk": f"OTP#{request.chat_key}",
            "sk": "OTP",
            "otp_id": code.otp_id,
            "phone": request.phone,
            "expires_at": int(time.time()) + CODE_SECONDS,
        }
    )
    return CodeSent(sent=True)


def check_code(request: CheckCodeRequest) -> CodeChecked:
    item = _table().get_item(Key={"pk": f"OTP#{request.chat_key}", "sk": "OTP"}).get("Item")
    if item is None or item["phone"] != request.phone or int(item["expires_at"]) < time.time():
        return CodeChecked(valid=False, locked=True)
    try:
        bank.check_code(str(item["otp_id"]), request.code)
    except InvalidOneTimeCode as refused:
        return CodeChecked(valid=False, locked=int(refused.details.get("attempts_left", 0)) <= 0)
    _table().delete_item(Key={"pk": f"OTP#{request.chat_key}", "sk": "OTP"})
    # Sign-in takes the proof from here (not from the chat's word) before it binds the chat.
    CustomersRepository().record_proven_phone(request.chat_key, request.phone, int(time.time()) + CODE_SECONDS)
    return CodeChecked(valid=True)
