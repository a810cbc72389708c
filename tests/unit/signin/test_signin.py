"""The sign-in zone: a chat is bound only after phone and card proofs; sessions; asking again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from messenger_bank.banking.models.cerberus import CardProof
from messenger_bank.banking.models.core import Card as BankCard
from messenger_bank.cards.settings import CardsSettings
from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.security import _hs256, links
from messenger_bank.security.errors import (
    CardNotProven,
    PhoneNotProven,
    ReauthenticationRequired,
    SessionInvalid,
    TooManyAttempts,
)
from messenger_bank.security.session_tokens import require_recent_auth, verify_session
from messenger_bank.signin import service
from messenger_bank.signin.models import (
    CardEntry,
    OpenSessionRequest,
    SignInRequest,
    StartReauthenticationRequest,
)
from tests.support.aws import atomic_dynamodb_writes, create_table

PHONE = "+375291112233"
CHAT = "viber:u-42"
SESSION_KEY = b"k" * 48
LINK_KEY = b"l" * 48
PAGE = CardsSettings(secure_page_url="https://api.example.com/secure")
# BANK-7's card, shown in the chat only as its mask 411111******4321, expiring 07/29.
CARD = "4111110000094321"
# Another card with the very same mask: what a screenshot of the chat (mask, expiry) cannot tell apart.
SAME_MASK = "4111110000174321"


@dataclass
class FakeCerberus:
    """Holds one card: CARD, expires 07/29, of bank customer BANK-7 with PHONE."""

    asked: list[tuple[str, str, str]] = field(default_factory=list)

    def prove_card(self, phone: str, card_number: SecretStr, expiry: str) -> CardProof:
        self.asked.append((phone, card_number.get_secret_value(), expiry))
        proven = (phone, card_number.get_secret_value(), expiry) == (PHONE, CARD, "07/29")
        return CardProof(proven=proven, customer_id="BANK-7" if proven else None)


@dataclass
class FakeCore:
    password: bool = False

    def cards(self, customer_id: str) -> list[BankCard]:
        return [
            BankCard.model_validate(
                {
                    "card_id": "card_7",
                    "customer_id": customer_id,
                    "account_id": "acc_7",
                    "masked_pan": "411111******4321",
                    "expiry": "07/29",
                    "product": "visa-digital",
                    "form": "virtual",
                    "status": "active",
                    "cashback_category": "groceries",
                }
            )
        ]

    def password_set(self, bank_customer_id: str) -> bool:
        return self.password


@pytest.fixture
def customers(monkeypatch: pytest.MonkeyPatch) -> Iterator[CustomersRepository]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("SECRETS_PREFIX", "/test")
    monkeypatch.setenv("SECURITY_TABLE", "idempotency")
    monkeypatch.setenv("SECURITY_MAX_ATTEMPTS", "3")
    links.settings.cache_clear()
    links.dynamodb_client.cache_clear()
    with mock_aws(), atomic_dynamodb_writes():
        dynamodb = boto3.client("dynamodb")
        name = create_table(dynamodb, "CustomersTable")
        create_table(dynamodb, "SecurityTable", name="idempotency")
        boto3.client("ssm").put_parameter(
            Name="/test/security/session-key", Value=SESSION_KEY.decode(), Type="SecureString", Overwrite=True
        )
        yield CustomersRepository(boto3.resource("dynamodb").Table(name))
    links.settings.cache_clear()
    links.dynamodb_client.cache_clear()


def request(**changes: Any) -> SignInRequest:
    fields: dict[str, Any] = {
        "channel": "viber",
        "user_id": "u-42",
        "chat_key": CHAT,
        "phone": PHONE,
        "phone_proof": "code",
    }
    return SignInRequest.model_validate({**fields, **changes})


def sign_in(
    customers: CustomersRepository,
    cerberus: Any = None,
    *,
    number: str = CARD,
    expiry: str = "07/29",
    **changes: Any,
) -> Any:
    """The whole sign-in: the link from the chat, then the card on the page (as the page calls it)."""
    link = service.sign_in(request(**changes), customers=customers, settings=PAGE, key=LINK_KEY)
    claims = links.inspect_link(links.token_of(link.url), key=LINK_KEY)
    pending = service.pending_sign_in(claims)
    card = CardEntry(number=SecretStr(number), expiry=expiry)
    holder = service.prove_sign_in_card(pending, card, cerberus=cerberus or FakeCerberus())
    return service.complete_sign_in(pending, holder, core=FakeCore(), customers=customers)  # type: ignore[arg-type]


def card_link(customer_id: str, chat_key: str = CHAT) -> links.LinkClaims:
    url = links.make_link(PAGE.page_url() + "/card", customer_id, chat_key, "confirm_card", key=LINK_KEY)
    return links.inspect_link(links.token_of(url), key=LINK_KEY)


def confirm(customers: CustomersRepository, customer_id: str, *, number: str = CARD, cerberus: Any = None) -> Any:
    """The card proven again on the page by a bound customer, and the proof recorded (as the page does)."""
    customer = service.prove_card_again(
        card_link(customer_id),
        CardEntry(number=SecretStr(number), expiry="07/29"),
        cerberus=cerberus or FakeCerberus(),
        customers=customers,
    )
    service.record_proof(customer.customer_id, _hs256.chat_binding(CHAT), customers=customers)
    return customer


def bound(customers: CustomersRepository) -> str | None:
    found = customers.by_identity("viber#u-42")
    return found.customer_id if found else None


def test_a_proven_phone_and_card_bind_the_chat_and_give_a_session(customers: CustomersRepository) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(datetime.now(UTC).timestamp()) + 600)

    signed = sign_in(customers)

    assert bound(customers) == signed.customer_id
    assert [i.chat_id for i in customers.identities(signed.customer_id)] == ["u-42"]  # the chat key's chat id
    claims = verify_session(signed.session, chat_key=CHAT, key=SESSION_KEY)
    assert claims.customer_id == signed.customer_id
    require_recent_auth(claims, max_age=timedelta(minutes=1))  # a fresh proof: sensitive operations may run
    assert [c.mask for c in customers.cards(signed.customer_id)] == ["411111******4321"]
    assert customers.proven_phone(CHAT, datetime.now(UTC).timestamp()) is None  # one proof, one binding


def test_the_session_is_refused_in_another_chat(customers: CustomersRepository) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(datetime.now(UTC).timestamp()) + 600)
    signed = sign_in(customers)

    with pytest.raises(Exception, match="another chat"):
        verify_session(signed.session, chat_key="viber:someone-else", key=SESSION_KEY)


def test_without_a_proven_phone_nothing_is_bound_and_cerberus_is_not_asked(customers: CustomersRepository) -> None:
    cerberus = FakeCerberus()

    with pytest.raises(PhoneNotProven):
        sign_in(customers, cerberus)
    customers.record_proven_phone(CHAT, "+375290000000", int(datetime.now(UTC).timestamp()) + 600)
    with pytest.raises(PhoneNotProven):
        sign_in(customers, cerberus)  # a code proved another phone

    assert bound(customers) is None and cerberus.asked == []


def test_a_whatsapp_contact_proves_only_the_chats_own_number(customers: CustomersRepository) -> None:
    with pytest.raises(PhoneNotProven):
        sign_in(
            customers,
            channel="whatsapp",
            user_id="375290000000",
            chat_key="whatsapp:375290000000",
            phone_proof="contact",
        )

    signed = sign_in(
        customers, channel="whatsapp", user_id="375291112233", chat_key="whatsapp:375291112233", phone_proof="contact"
    )

    assert customers.by_identity("whatsapp#375291112233") is not None
    assert signed.customer_id


def test_wrong_cards_are_counted_per_phone_and_lock_even_the_right_one(customers: CustomersRepository) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(datetime.now(UTC).timestamp()) + 600)

    with pytest.raises(CardNotProven) as first:
        sign_in(customers, number=SAME_MASK)
    with pytest.raises(CardNotProven):
        sign_in(customers, expiry="08/29")
    with pytest.raises(TooManyAttempts):
        sign_in(customers, number=SAME_MASK)
    with pytest.raises(TooManyAttempts):
        sign_in(customers)  # right, but locked

    assert first.value.details["attempts_left"] == 2
    assert bound(customers) is None


def test_a_bound_chat_opens_a_session_that_carries_its_last_proof(customers: CustomersRepository) -> None:
    nobody = service.open_session(
        OpenSessionRequest(channel="viber", user_id="u-42", chat_key=CHAT), customers=customers
    )
    customer = find_or_create(
        NewCustomer(
            bank_customer_id="BANK-7",
            phone=PHONE,
            language="ru",
            identity=ChannelIdentity(channel="viber", user_id="u-42", chat_id="u-42"),
        ),
        repository=customers,
    ).customer

    never_proven = service.open_session(
        OpenSessionRequest(channel="viber", user_id="u-42", chat_key=CHAT), customers=customers
    )
    service.record_proof(customer.customer_id, _hs256.chat_binding(CHAT), customers=customers)
    proven = service.open_session(
        OpenSessionRequest(channel="viber", user_id="u-42", chat_key=CHAT), customers=customers
    )

    assert nobody.customer_id is None and nobody.session is None
    assert never_proven.session and proven.session
    with pytest.raises(ReauthenticationRequired):
        require_recent_auth(
            verify_session(never_proven.session, chat_key=CHAT, key=SESSION_KEY), max_age=timedelta(minutes=10)
        )
    require_recent_auth(verify_session(proven.session, chat_key=CHAT, key=SESSION_KEY), max_age=timedelta(minutes=10))


def test_asking_again_is_the_password_page_or_else_the_card(
    customers: CustomersRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(datetime.now(UTC).timestamp()) + 600)
    customer_id = sign_in(customers).customer_id
    monkeypatch.setenv("SECURE_PAGE_URL", "https://api.example.com/secure")
    boto3.client("ssm").put_parameter(
        Name="/test/security/link-key", Value="l" * 48, Type="SecureString", Overwrite=True
    )
    ask = StartReauthenticationRequest(customer_id=customer_id, channel="viber", chat_key=CHAT)

    without = service.start_reauthentication(ask, core=FakeCore(password=False), customers=customers)  # type: ignore[arg-type]
    with_password = service.start_reauthentication(ask, core=FakeCore(password=True), customers=customers)  # type: ignore[arg-type]

    assert without.method == "card" and without.url.startswith("https://api.example.com/secure/card?t=")
    assert with_password.method == "password"
    assert with_password.url.startswith("https://api.example.com/secure/confirm?t=")


def test_the_card_again_confirms_only_the_customers_own(customers: CustomersRepository) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(datetime.now(UTC).timestamp()) + 600)
    customer_id = sign_in(customers).customer_id
    then = datetime.now(UTC) - timedelta(hours=2)
    customers.record_authentication(customer_id, _hs256.chat_binding(CHAT), then)

    with pytest.raises(CardNotProven):
        confirm(customers, customer_id, number=SAME_MASK)
    assert customers.authenticated_at(customer_id, _hs256.chat_binding(CHAT)) == then.replace(microsecond=0)
    confirm(customers, customer_id)
    proved = customers.authenticated_at(customer_id, _hs256.chat_binding(CHAT))
    assert proved is not None and proved > then + timedelta(hours=1)


# --- each check on its own: the valid sign-in with one thing changed -------------------------------------------
@dataclass
class CerberusAnswering:
    """Cerberus answering `proof` to every card question (to test what sign-in does with each answer)."""

    proof: CardProof

    def prove_card(self, phone: str, card_number: SecretStr, expiry: str) -> CardProof:
        return self.proof


def proven_phone(customers: CustomersRepository) -> None:
    customers.record_proven_phone(CHAT, PHONE, int(datetime.now(UTC).timestamp()) + 600)


def test_a_card_answer_not_proven_binds_nothing_even_when_it_names_a_customer(customers: CustomersRepository) -> None:
    proven_phone(customers)
    refusing = CerberusAnswering(CardProof(proven=False, customer_id="BANK-7"))

    with pytest.raises(CardNotProven):
        sign_in(customers, cerberus=refusing)  # type: ignore[arg-type]
    assert bound(customers) is None


def test_a_right_card_clears_the_wrong_answers_before_it(customers: CustomersRepository) -> None:
    proven_phone(customers)
    for wrong in (SAME_MASK, "5200000000014321"):
        with pytest.raises(CardNotProven):
            sign_in(customers, number=wrong)
    sign_in(customers)
    proven_phone(customers)

    with pytest.raises(CardNotProven) as after:
        sign_in(customers, number=SAME_MASK)

    assert after.value.details["attempts_left"] == 2


@pytest.mark.parametrize("chat_key", ["telegram:u-42", "viber-u-42", "u-42"])
def test_a_chat_of_another_messenger_is_refused(customers: CustomersRepository, chat_key: str) -> None:
    customers.record_proven_phone(chat_key, PHONE, int(datetime.now(UTC).timestamp()) + 600)

    with pytest.raises(SessionInvalid):
        sign_in(customers, chat_key=chat_key)
    with pytest.raises(SessionInvalid):
        service.open_session(
            OpenSessionRequest(channel="viber", user_id="u-42", chat_key=chat_key), customers=customers
        )
    assert bound(customers) is None


def test_confirming_with_a_card_of_another_bank_customer_proves_nothing(customers: CustomersRepository) -> None:
    proven_phone(customers)
    customer_id = sign_in(customers).customer_id
    then = datetime.now(UTC) - timedelta(hours=2)
    customers.record_authentication(customer_id, _hs256.chat_binding(CHAT), then)
    # The phone's card is proven, but it is another bank customer's (a family phone).
    others = CerberusAnswering(CardProof(proven=True, customer_id="BANK-9"))

    with pytest.raises(CardNotProven):
        confirm(customers, customer_id, cerberus=others)
    assert customers.authenticated_at(customer_id, _hs256.chat_binding(CHAT)) == then.replace(microsecond=0)
