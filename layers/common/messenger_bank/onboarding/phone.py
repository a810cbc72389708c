"""Proving a phone number with a one-time code (Cerberus sends and checks it).

The code's id is kept per chat for ten minutes in the customers table (`OTP#<chat key>`), so the
code can only be checked from the chat that asked for it, for the phone it was sent to. A checked code
leaves a proof (`PROVEN#<chat key>`) that sign-in and the application take, for ``PROOF_SECONDS``.

Sends are limited per phone (the SMS bombing target) and per chat (the sender): ``CODE_LIMITS`` per
window, counted in the security table (``SECURITY_TABLE``) with the wrong-attempt counters.
"""

from __future__ import annotations

import time
from typing import Final

from messenger_bank.banking import service as bank
from messenger_bank.customers.service import record_proven_phone
from messenger_bank.errors import InvalidOneTimeCode, TooManyCodes
from messenger_bank.observability import logger, metrics
from messenger_bank.onboarding.models import (
    CheckCodeRequest,
    CodeChecked,
    CodeSent,
    SendCodeRequest,
)
from messenger_bank.onboarding.settings import onboarding_settings
from messenger_bank.security import _hs256, links
from messenger_bank.tables import customers_table as _table

CODE_SECONDS = 600
# Long enough to fill in the application after the code (name, birth date, passport) in one sitting.
PROOF_SECONDS = 1800
# (sends, minutes) per phone and per chat: a customer whose SMS is late asks twice more within minutes,
# and ten a day covers a bad-signal day; beyond that it is a flood (each SMS costs and disturbs).
CODE_LIMITS: Final = ((3, 15), (10, 24 * 60))
SENDS_PURPOSE = "otp_send"


def _subjects(request: SendCodeRequest) -> list[tuple[str, str | None]]:
    """Each counter's subject, and the one it had before keyed digests (read while it may be live)."""
    # The chat first: a flooding chat is stopped before it spends the phone's allowance.
    return [
        (links.chat_subject(_hs256.chat_binding(request.chat_key)), links.previous_chat_subject(request.chat_key)),
        (links.phone_subject(request.phone), links.previous_phone_subject(request.phone)),
    ]


def take_a_send(request: SendCodeRequest, *, now: float | None = None) -> None:
    """Count one send against every limit; raise TooManyCodes (nothing sent) when one is spent."""
    table = onboarding_settings().sends_table()
    for subject, before in _subjects(request):
        for sends, minutes in CODE_LIMITS:
            window = links.SecuritySettings(table_name=table, max_attempts=sends, lock_minutes=minutes)
            status = links.record_failed_attempt(
                subject, f"{SENDS_PURPOSE}{minutes}", config=window, now=now, previous_subject=before
            )
            if status.failures > sends:
                metrics.add_metric(name="OneTimeCodesRefused", unit="Count", value=1)
                logger.warning("one-time code refused", extra={"per": subject.partition("-")[0], "minutes": minutes})
                retry_after = status.locked_until.isoformat() if status.locked_until else ""
                raise TooManyCodes("too many one-time codes", retry_after=retry_after, minutes=minutes)


def send_code(request: SendCodeRequest) -> CodeSent:
    take_a_send(request)
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
    # Sign-in and the application take the proof from here (not from the chat's word).
    record_proven_phone(request.chat_key, request.phone, int(time.time()) + PROOF_SECONDS)
    return CodeChecked(valid=True)
