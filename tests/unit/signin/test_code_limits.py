"""One-time codes are limited per phone (the SMS bombing target) and per chat (the sender): 3 in 15
minutes and 10 a day each; a refused send sends nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.models.cerberus import OneTimeCode
from messenger_bank.errors import TooManyCodes
from messenger_bank.onboarding import phone
from messenger_bank.onboarding.models import SendCodeRequest
from tests.support.aws import atomic_dynamodb_writes, create_table

PHONE = "+375291112233"
T0 = 1_900_000_000.0


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The phones Cerberus was asked to text (the real send is the bank's)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("SECURITY_TABLE", "idempotency")
    sent: list[str] = []

    def send_code(to: str, purpose: str) -> OneTimeCode:
        sent.append(to)
        return OneTimeCode.model_validate({"otp_id": f"otp_{len(sent)}", "expires_at": "2030-01-01T00:00:00Z"})

    monkeypatch.setattr(phone.bank, "send_code", send_code)
    with mock_aws(), atomic_dynamodb_writes():
        dynamodb = boto3.client("dynamodb")
        monkeypatch.setenv("CUSTOMERS_TABLE", create_table(dynamodb, "CustomersTable"))
        create_table(dynamodb, "SecurityTable", name="idempotency")
        phone._table.cache_clear()
        yield sent
    phone._table.cache_clear()


def ask(chat: str = "viber:u-1", to: str = PHONE, at: float = T0) -> None:
    phone.take_a_send(SendCodeRequest(phone=to, chat_key=chat), now=at)


def test_a_fourth_code_in_fifteen_minutes_is_refused_and_not_sent(sms: list[str]) -> None:
    request = SendCodeRequest(phone=PHONE, chat_key="viber:u-1")
    for _ in range(3):
        phone.send_code(request)

    with pytest.raises(TooManyCodes) as refused:
        phone.send_code(request)

    assert sms == [PHONE] * 3
    assert refused.value.details["minutes"] == 15
    assert refused.value.details["retry_after"] > time.strftime("%Y-%m-%dT%H:%M", time.gmtime())


def test_the_fifteen_minute_window_ends_and_the_day_still_counts(sms: list[str]) -> None:
    for n in range(3):
        ask(at=T0 + n)
    with pytest.raises(TooManyCodes):
        ask(at=T0 + 15 * 60 - 1)  # still inside the first window
    sent = 3
    for window in range(1, 4):  # three more windows of 15 minutes: the daily ten run out in the fourth
        for n in range(3):
            if sent == 10:
                break
            ask(at=T0 + window * 15 * 60 + n)
            sent += 1

    with pytest.raises(TooManyCodes) as refused:
        ask(at=T0 + 4 * 15 * 60)  # a fresh 15-minute window, but the eleventh today

    assert sent == 10 and refused.value.details["minutes"] == 24 * 60
    ask(at=T0 + 24 * 3600 + 1)  # the next day


def test_many_chats_cannot_flood_one_phone(sms: list[str]) -> None:
    for chat in ("viber:a", "viber:b", "telegram:c"):
        ask(chat)

    with pytest.raises(TooManyCodes):
        ask("messenger:d")
    ask("messenger:d", to="+375290000001")  # that chat is not spent: its own phone gets a code


def test_one_chat_cannot_flood_many_phones(sms: list[str]) -> None:
    for n in range(3):
        ask("viber:flood", to=f"+37529000000{n}")

    with pytest.raises(TooManyCodes):
        ask("viber:flood", to="+375290000009")
    ask("viber:someone", to="+375290000009")  # the phone is not spent: its owner gets a code
