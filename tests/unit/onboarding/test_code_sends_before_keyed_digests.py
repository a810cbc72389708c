"""Code sends counted before the counters were named by keyed digests still count after the deploy: the old,
unkeyed subject of the phone and of the chat is read while its window lasts (README, "Lockouts and code
limits"), so a flood cannot start afresh at the deploy. The old subjects are hashed here with hashlib."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from messenger_bank.errors import TooManyCodes
from messenger_bank.onboarding import phone
from messenger_bank.security import links
from tests.unit.onboarding.test_code_sends import PHONE, T0, take

CHAT = "telegram:1001"  # take()'s chat


def sent_before_the_change(subject: str, sends: int) -> None:
    window = links.SecuritySettings(
        table_name=phone.onboarding_settings().sends_table(), max_attempts=3, lock_minutes=15
    )
    for n in range(sends):
        links.record_failed_attempt(subject, f"{phone.SENDS_PURPOSE}15", config=window, now=T0 - 60 + n)


@pytest.mark.parametrize(
    "old_subject",
    [
        pytest.param("phone-" + hashlib.sha256(PHONE.encode()).hexdigest()[:32], id="the phone"),
        pytest.param("chat-" + hashlib.sha256(CHAT.encode()).hexdigest()[:32], id="the chat"),
    ],
)
def test_three_sends_counted_under_the_unkeyed_subject_refuse_the_fourth(table: Any, old_subject: str) -> None:
    sent_before_the_change(old_subject, 3)

    with pytest.raises(TooManyCodes) as refused:
        take(at=T0)
    assert refused.value.details["minutes"] == 15


def test_two_sends_before_the_change_leave_one(table: Any) -> None:
    sent_before_the_change("phone-" + hashlib.sha256(PHONE.encode()).hexdigest()[:32], 2)

    take(at=T0)
    with pytest.raises(TooManyCodes):
        take(at=T0 + 1)
