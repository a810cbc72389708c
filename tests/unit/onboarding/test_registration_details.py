"""RegisterCustomer, field by field: the customer is bound to the chat the application came from (its chat id, which
may differ from the messenger's user id), and a newcomer who came with a friend's code is attributed to the friend
(the attribution's abuse checks need the applicant's passport)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.onboarding.models import ApplicationForm, IssuanceState
from messenger_bank.onboarding.registration import register_customer
from messenger_bank.onboarding.service import save_application, verify_applicant
from messenger_bank.programs.repository import ReferralsRepository

from .conftest import Bank, form, personal_number

Metrics = Callable[[], dict[str, tuple[str, float]]]


def register(application: ApplicationForm) -> IssuanceState:
    saved = save_application(application)
    state = IssuanceState(application_id=saved.application_id, chat_key=application.chat_key)
    return register_customer(verify_applicant(state))


@pytest.mark.parametrize(
    ("chat_key", "chat_id"),
    [("viber:chat-77", "chat-77"), ("viber:chat:77", "chat:77")],
    ids=["a-chat-id-other-than-the-user-id", "everything-after-the-channel-as-chat_of-reads-it"],
)
def test_the_customer_is_bound_to_the_applications_chat_not_to_the_user_id(
    table: Any, bank: Bank, customers: CustomersRepository, chat_key: str, chat_id: str
) -> None:
    customers.record_proven_phone(chat_key, "+375291234567", 4_000_000_000)  # the code was checked in this chat

    state = register(form(chat_key=chat_key, channel="viber", user_id="viber-user-1", phone_verified=False))

    assert state.customer_id is not None
    [identity] = customers.identities(state.customer_id)
    assert (identity.channel, identity.user_id, identity.chat_id) == ("viber", "viber-user-1", chat_id)


def test_a_newcomer_with_a_friends_code_is_the_friends_referral(
    table: Any, bank: Bank, customers: CustomersRepository, emitted_metrics: Metrics
) -> None:
    friend = register(form())
    assert friend.customer_id is not None
    friend_customer = customers.get(friend.customer_id)
    assert friend_customer is not None
    birth = date(1985, 1, 2)
    newcomer = register(
        form(
            chat_key="telegram:2002", user_id="2002", phone="+375447654321", passport_number="MP7654321",
            date_of_birth=birth, personal_id=personal_number(birth), referral=friend_customer.referral_code,
        )
    )  # fmt: skip

    assert newcomer.customer_id is not None
    kept = customers.get(newcomer.customer_id)
    assert kept is not None and kept.referred_by == friend.customer_id
    attribution = ReferralsRepository(table).attribution(newcomer.customer_id)
    assert attribution is not None and attribution.referrer_id == friend.customer_id
    assert "ReferralAttributionFailed" not in emitted_metrics()
