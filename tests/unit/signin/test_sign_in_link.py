"""The sign-in link and the sign-in it stands for: what the chat's `sign_in` keeps and signs, and what
the secure page may take from it. Each case is the valid one with one thing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pydantic import SecretStr

from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.security import _hs256, links
from messenger_bank.security.errors import (
    CardNotProven,
    LinkInvalid,
    PhoneNotProven,
    SessionInvalid,
    TooManyAttempts,
)
from messenger_bank.signin import service
from messenger_bank.signin.models import CardEntry, PendingSignIn, StartReauthenticationRequest
from tests.unit.signin import test_signin
from tests.unit.signin.test_signin import (
    CARD,
    CHAT,
    LINK_KEY,
    PAGE,
    PHONE,
    SAME_MASK,
    FakeCerberus,
    card_link,
    customers,
    request,
)

__all__ = ["customers"]  # the fixture, shared with test_signin

# The moment each case runs (set anew before it: a moment taken at collection is minutes old by the time a long
# suite reaches the case, and the proven phone and the link it makes would have expired).
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def now_is_when_the_case_runs() -> None:
    global NOW
    NOW = datetime.now(UTC).replace(microsecond=0)


def prove_phone(customers: CustomersRepository, chat_key: str = CHAT) -> None:
    customers.record_proven_phone(chat_key, PHONE, int(NOW.timestamp()) + 600)


def start(customers: CustomersRepository, **changes: Any) -> links.LinkClaims:
    made = service.sign_in(request(**changes), customers=customers, settings=PAGE, key=LINK_KEY, now=NOW)
    return links.inspect_link(links.token_of(made.url), key=LINK_KEY)


def stored(attempt_id: str) -> dict[str, Any] | None:
    table = links.settings().table_name
    return boto3.client("dynamodb").get_item(TableName=table, Key={"id": {"S": "signin#" + attempt_id}}).get("Item")


def test_the_link_is_the_sign_in_page_for_this_chat_for_five_minutes(customers: CustomersRepository) -> None:
    prove_phone(customers)

    made = service.sign_in(request(), customers=customers, settings=PAGE, key=LINK_KEY, now=NOW)
    claims = links.inspect_link(links.token_of(made.url), key=LINK_KEY)

    assert made.url.startswith("https://api.example.com/secure/signin?t=")
    assert made.expires_in == 300 and claims.expires_at == NOW + timedelta(minutes=5)
    assert claims.purpose == "sign_in" and claims.channel == "viber" and claims.for_chat(CHAT)


def test_the_kept_sign_in_is_the_chat_and_the_proven_phone_until_the_link_is_long_dead(
    customers: CustomersRepository,
) -> None:
    prove_phone(customers)

    claims = start(customers, language="en")

    item = stored(claims.customer_id)
    assert item is not None
    assert PendingSignIn.model_validate_json(item["attempt"]["S"]) == PendingSignIn(
        attempt_id=claims.customer_id, channel="viber", user_id="u-42", chat_key=CHAT, phone=PHONE, language="en"
    )
    assert int(item["expiration"]["N"]) == int((NOW + timedelta(minutes=5) + links.USED_LINK_RETENTION).timestamp())
    assert service.pending_sign_in(claims).phone == PHONE


def test_each_link_is_a_new_attempt(customers: CustomersRepository) -> None:
    prove_phone(customers)

    assert start(customers).customer_id != start(customers).customer_id


def test_no_link_without_the_phone_proven_in_this_chat(customers: CustomersRepository) -> None:
    prove_phone(customers, "viber:someone-else")

    with pytest.raises(PhoneNotProven):
        start(customers)


def test_no_link_for_a_chat_of_another_messenger(customers: CustomersRepository) -> None:
    prove_phone(customers, "telegram:u-42")

    with pytest.raises(SessionInvalid):
        start(customers, chat_key="telegram:u-42")


def lock(subject: str) -> None:
    for _ in range(3):
        links.record_failed_attempt(subject, service.ATTEMPTS_PURPOSE)


def test_no_link_while_the_chat_is_locked(customers: CustomersRepository) -> None:
    prove_phone(customers)
    lock("chat-" + _hs256.chat_binding(CHAT))

    with pytest.raises(TooManyAttempts):
        start(customers)


def test_no_link_while_the_phone_is_locked(customers: CustomersRepository) -> None:
    prove_phone(customers)
    phone_subject = service._phone_subject(PHONE)  # the per-phone counter sign-in keeps
    lock(phone_subject)

    with pytest.raises(TooManyAttempts):
        start(customers)


def test_two_failures_leave_the_link_coming(customers: CustomersRepository) -> None:
    prove_phone(customers)
    for _ in range(2):
        links.record_failed_attempt(service._phone_subject(PHONE), service.ATTEMPTS_PURPOSE)

    assert start(customers).purpose == "sign_in"


def test_the_page_takes_no_other_links_sign_in(customers: CustomersRepository) -> None:
    with pytest.raises(LinkInvalid):
        service.pending_sign_in(card_link("cus_1"))


def test_a_sign_in_nobody_started_is_refused(customers: CustomersRepository) -> None:
    url = links.make_link(PAGE.page_url() + "/signin", "made-up-attempt", CHAT, "sign_in", key=LINK_KEY)

    with pytest.raises(LinkInvalid):
        service.pending_sign_in(links.inspect_link(links.token_of(url), key=LINK_KEY))


def test_a_kept_sign_in_is_refused_once_it_expired(customers: CustomersRepository) -> None:
    prove_phone(customers)
    claims = start(customers)
    expiration = int((NOW + timedelta(minutes=5) + links.USED_LINK_RETENTION).timestamp())

    assert service.pending_sign_in(claims, now=expiration - 1).chat_key == CHAT
    with pytest.raises(LinkInvalid):
        service.pending_sign_in(claims, now=expiration)


def test_another_chats_sign_in_is_refused_under_this_chats_link(customers: CustomersRepository) -> None:
    """A link signed for this chat that names the attempt another chat started."""
    prove_phone(customers, "viber:other")
    theirs = start(customers, user_id="other", chat_key="viber:other")
    url = links.make_link(PAGE.page_url() + "/signin", theirs.customer_id, CHAT, "sign_in", key=LINK_KEY)

    with pytest.raises(LinkInvalid):
        service.pending_sign_in(links.inspect_link(links.token_of(url), key=LINK_KEY))


# --- the card again ---------------------------------------------------------------------------------------
def test_the_card_again_needs_a_card_link(customers: CustomersRepository) -> None:
    prove_phone(customers)
    claims = start(customers)

    with pytest.raises(LinkInvalid):
        service.prove_card_again(claims, CardEntry(number=SecretStr(CARD), expiry="07/29"), cerberus=FakeCerberus())  # type: ignore[arg-type]


def test_the_card_again_for_an_unknown_customer_is_refused_before_cerberus(customers: CustomersRepository) -> None:
    cerberus = FakeCerberus()

    with pytest.raises(SessionInvalid):
        service.prove_card_again(
            card_link("cus_nobody"),
            CardEntry(number=SecretStr(CARD), expiry="07/29"),
            cerberus=cerberus,
            customers=customers,  # type: ignore[arg-type]
        )
    assert cerberus.asked == []


# --- the card as typed --------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", [CARD, "4111 1100 0009 4321", "4111-1100-0009-4321"])
def test_a_card_number_is_read_as_printed(typed: str) -> None:
    assert CardEntry(number=SecretStr(typed), expiry="07/29").number.get_secret_value() == CARD


@pytest.mark.parametrize(
    "typed",
    ["4321", "4111110000094322", "4111 1100 0009 432x", "4111.1100.0009.4321", "", "４１１１１１００００９４３２１"],
)
def test_what_is_not_a_card_number_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not a card number"):
        CardEntry(number=SecretStr(typed), expiry="07/29")


@pytest.mark.parametrize("expiry", ["7/29", "13/29", "00/29", "07/2029", "07-29"])
def test_an_expiry_is_mm_yy(expiry: str) -> None:
    with pytest.raises(ValueError, match="should match pattern"):
        CardEntry(number=SecretStr(CARD), expiry=expiry)


def test_the_typed_card_is_never_shown(customers: CustomersRepository) -> None:
    entry = CardEntry(number=SecretStr(CARD), expiry="07/29")

    assert CARD not in repr(entry) and CARD not in str(entry)


def test_a_wrong_card_reports_the_attempts_left(customers: CustomersRepository) -> None:
    prove_phone(customers)
    pending = service.pending_sign_in(start(customers))

    with pytest.raises(CardNotProven) as first:
        service.prove_sign_in_card(
            pending, CardEntry(number=SecretStr(SAME_MASK), expiry="07/29"), cerberus=FakeCerberus()
        )  # type: ignore[arg-type]

    assert first.value.details["attempts_left"] == 2


# --- what a completed sign-in leaves behind -----------------------------------------------------------------
def test_a_second_chat_of_the_customer_is_bound_to_that_same_customer(customers: CustomersRepository) -> None:
    prove_phone(customers)
    first = test_signin.sign_in(customers).customer_id
    prove_phone(customers, "viber:u-43")

    second = test_signin.sign_in(customers, user_id="u-43", chat_key="viber:u-43").customer_id

    found = customers.by_identity("viber#u-43")
    assert second == first and found is not None and found.customer_id == first


def test_the_sign_in_is_this_chats_proof_and_no_other_chats(customers: CustomersRepository) -> None:
    prove_phone(customers)
    before = datetime.now(UTC).replace(microsecond=0)

    customer_id = test_signin.sign_in(customers).customer_id

    proved = customers.authenticated_at(customer_id, _hs256.chat_binding(CHAT))
    assert proved is not None and proved >= before
    assert customers.authenticated_at(customer_id, _hs256.chat_binding("viber:u-43")) is None


class PasswordOf(test_signin.FakeCore):
    """Core banking where only `holder` has set a bank password."""

    def __init__(self, holder: str) -> None:
        super().__init__(password=True)
        self.holder = holder

    def password_set(self, bank_customer_id: str) -> bool:
        return bank_customer_id == self.holder


@pytest.mark.parametrize(("holder", "method"), [("BANK-7", "password"), ("BANK-9", "card")])
def test_asking_again_looks_at_this_customers_password(
    customers: CustomersRepository, monkeypatch: pytest.MonkeyPatch, holder: str, method: str
) -> None:
    prove_phone(customers)
    customer_id = test_signin.sign_in(customers).customer_id
    monkeypatch.setenv("SECURE_PAGE_URL", "https://api.example.com/secure")
    boto3.client("ssm").put_parameter(
        Name="/test/security/link-key", Value="l" * 48, Type="SecureString", Overwrite=True
    )
    ask = StartReauthenticationRequest(customer_id=customer_id, channel="viber", chat_key=CHAT)

    asked = service.start_reauthentication(ask, core=PasswordOf(holder), customers=customers)  # type: ignore[arg-type]

    assert asked.method == method
