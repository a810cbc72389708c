"""One-time code sends are counted per chat and per phone, each against 3 in 15 minutes and 10 a day: the third send
in a window goes, the fourth is refused with when to try again and which window is spent, nothing is sent, and the
refusal is counted for the alarm; the code is asked of Cerberus for onboarding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from messenger_bank.banking.models.cerberus import OneTimeCode
from messenger_bank.errors import TooManyCodes
from messenger_bank.onboarding import phone
from messenger_bank.onboarding.models import SendCodeRequest

from .conftest import Bank

Metrics = Callable[[], dict[str, tuple[str, float]]]
T0 = 1_900_000_000
PHONE = "+375291234567"


def take(chat: str = "telegram:1001", to: str = PHONE, at: int = T0) -> None:
    phone.take_a_send(SendCodeRequest(phone=to, chat_key=chat), now=at)


@pytest.mark.parametrize(
    ("other_chat", "other_phone"),
    [pytest.param(False, False, id="one-chat-one-phone"), pytest.param(True, False, id="many-chats-one-phone"),
     pytest.param(False, True, id="one-chat-many-phones")],
)  # fmt: skip
def test_the_third_send_in_fifteen_minutes_goes_and_the_fourth_is_refused(
    table: Any, other_chat: bool, other_phone: bool
) -> None:
    def send(n: int) -> None:
        take(f"telegram:{1000 + n if other_chat else 1000}", f"+37529123456{n if other_phone else 0}", at=T0 + n)

    for n in range(3):
        send(n)

    with pytest.raises(TooManyCodes) as refused:
        send(3)
    assert refused.value.details == {
        "retry_after": datetime.fromtimestamp(T0 + 15 * 60, UTC).isoformat(),
        "minutes": 15,
    }


def test_the_eleventh_send_in_a_day_is_refused_and_the_tenth_goes(table: Any) -> None:
    for n in range(10):  # three a quarter of an hour, never four in one
        take(at=T0 + (n // 3) * 15 * 60 + n)

    with pytest.raises(TooManyCodes) as refused:
        take(at=T0 + 4 * 15 * 60)
    assert refused.value.details == {
        "retry_after": datetime.fromtimestamp(T0 + 24 * 3600, UTC).isoformat(),
        "minutes": 24 * 60,
    }


def test_a_refused_send_is_counted_once_for_the_alarm(table: Any, emitted_metrics: Metrics) -> None:
    for n in range(3):
        take(at=T0 + n)
    assert emitted_metrics() == {}

    with pytest.raises(TooManyCodes):
        take(at=T0 + 3)
    assert emitted_metrics() == {"OneTimeCodesRefused": ("Count", 1.0)}


def test_a_code_is_asked_of_cerberus_for_onboarding_and_a_refused_one_is_not(
    table: Any, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str]] = []

    def send_code(to: str, purpose: str) -> OneTimeCode:
        asked.append((to, purpose))
        return OneTimeCode.model_validate({"otp_id": f"otp-{len(asked)}", "expires_at": "2030-01-01T00:00:00Z"})

    monkeypatch.setattr(bank.cerberus, "send_code", send_code)
    request = SendCodeRequest(phone=PHONE, chat_key="telegram:1001")
    for _ in range(3):
        phone.send_code(request)

    with pytest.raises(TooManyCodes):
        phone.send_code(request)
    assert asked == [(PHONE, "onboarding")] * 3


def test_a_flood_from_one_chat_and_phone_leaves_another_chat_with_another_phone_its_own_sends(table: Any) -> None:
    for n in range(3):
        take("telegram:1000", PHONE, at=T0 + n)
    with pytest.raises(TooManyCodes):
        take("telegram:1000", PHONE, at=T0 + 3)

    take("telegram:2000", "+375447654321", at=T0 + 4)  # counted apart: nothing raised
