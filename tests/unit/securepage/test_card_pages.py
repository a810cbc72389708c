"""The secure page's card pages (issue 16, item 2): sign-in proves the card by its full number and expiry
on the page, never in the chat, so a screenshot of the chat (a mask, the expiry) proves nothing; the
reauthentication of a customer without a bank password uses the same form. Each case is the valid
request with one thing changed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pydantic import SecretStr

from messenger_bank.banking.models.cerberus import CardProof
from messenger_bank.cards.settings import CardsSettings
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.http import HttpAnswer
from messenger_bank.securepage.service import Collaborators, handle
from messenger_bank.security import _hs256, links
from messenger_bank.security.links import SecuritySettings, make_link, token_of
from messenger_bank.signin import service as signin
from messenger_bank.signin.models import SignInRequest
from tests.support.aws import create_table
from tests.unit.securepage.conftest import BOT_TOKEN, event
from tests.unit.securepage.test_page import init_data
from tests.unit.security.conftest import IDEMPOTENCY_TABLE, LINK_KEY, aws, dynamodb  # noqa: F401
from tests.unit.signin.test_signin import CARD, PHONE, SAME_MASK, SESSION_KEY, FakeCore

PAGE = CardsSettings(secure_page_url="https://api.example.com/secure")
VIBER_CHAT = "viber:u-42"
TELEGRAM_CHAT = "telegram:5550001"
OTHER_PHONE = "+375294445566"
OTHER_CARD = "5200000000014321"  # BANK-9's card, with OTHER_PHONE
PrintedLogs = Callable[[], list[dict[str, Any]]]
RIGHT = {"card_number": "4111 1100 0009 4321", "card_expiry": "07/29"}  # CARD, typed in groups as printed


@dataclass
class FakeCerberus:
    """The bank's two customers: BANK-7 (PHONE, CARD, 07/29) and BANK-9 (OTHER_PHONE, OTHER_CARD, 09/30).
    Like the real one, it answers only whether the phone's customer holds that very card."""

    asked: int = 0
    cards: dict[str, tuple[str, str, str]] = field(
        default_factory=lambda: {PHONE: ("BANK-7", CARD, "07/29"), OTHER_PHONE: ("BANK-9", OTHER_CARD, "09/30")}
    )

    def prove_card(self, phone: str, card_number: SecretStr, expiry: str) -> CardProof:
        self.asked += 1
        held = self.cards.get(phone)
        if held and (card_number.get_secret_value(), expiry) == held[1:]:
            return CardProof(proven=True, customer_id=held[0])
        return CardProof(proven=False)


@dataclass
class Bank:
    deps: Collaborators
    customers: CustomersRepository
    cerberus: FakeCerberus


@pytest.fixture
def bank(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bank]:  # noqa: F811
    monkeypatch.setenv("SECRETS_PREFIX", "/test")
    monkeypatch.setenv("SECURITY_TABLE", IDEMPOTENCY_TABLE)
    monkeypatch.setenv("SECURITY_MAX_ATTEMPTS", "3")
    links.settings.cache_clear()
    links.dynamodb_client.cache_clear()
    boto3.client("ssm").put_parameter(
        Name="/test/security/session-key", Value=SESSION_KEY.decode(), Type="SecureString", Overwrite=True
    )
    customers = CustomersRepository(boto3.resource("dynamodb").Table(create_table(dynamodb, "CustomersTable")))
    cerberus = FakeCerberus()
    deps = Collaborators(
        core=FakeCore(),
        cerberus=cerberus,
        customers=customers,
        dynamodb=dynamodb,
        table_name=IDEMPOTENCY_TABLE,
        link_key=LINK_KEY,
        config=SecuritySettings(table_name=IDEMPOTENCY_TABLE, max_attempts=3, lock_minutes=60),
        bot_token=lambda: BOT_TOKEN,
    )
    yield Bank(deps, customers, cerberus)
    links.settings.cache_clear()
    links.dynamodb_client.cache_clear()


def sign_in_link(bank: Bank, chat_key: str = VIBER_CHAT, phone: str = PHONE, **kw: Any) -> str:
    """The link the chat gets once `phone` is proven there by a one-time code."""
    bank.customers.record_proven_phone(chat_key, phone, int(datetime.now(UTC).timestamp()) + 600)
    channel, _, chat_id = chat_key.partition(":")
    request = SignInRequest(channel=channel, user_id=chat_id, chat_key=chat_key, phone=phone, phone_proof="code")  # type: ignore[arg-type]
    made = signin.sign_in(request, customers=bank.customers, settings=PAGE, key=LINK_KEY, **kw)
    return token_of(made.url)


def post(bank: Bank, token: str, form: dict[str, str] = RIGHT, page: str = "signin") -> HttpAnswer:
    return handle(event("POST", page, token=token, form=form), bank.deps)


def bound(bank: Bank, chat_key: str = VIBER_CHAT) -> str | None:
    found = bank.customers.by_identity(chat_key.replace(":", "#", 1))
    return found.customer_id if found else None


def outcome(answer: HttpAnswer) -> str:
    return answer.body.split('data-outcome="', 1)[1].split('"', 1)[0] if "data-outcome" in answer.body else "form"


# --- sign-in ------------------------------------------------------------------------------------------
def test_the_page_shows_a_card_form_that_asks_the_whole_number(bank: Bank) -> None:
    answer = handle(event("GET", "signin", token=sign_in_link(bank)), bank.deps)

    assert answer.status == 200
    assert 'name="card_number"' in answer.body and 'name="card_expiry"' in answer.body
    assert 'autocomplete="cc-number"' in answer.body


def test_the_right_card_binds_the_chat_and_uses_the_link_up(bank: Bank) -> None:
    token = sign_in_link(bank)

    answer = post(bank, token)

    assert answer.status == 200 and outcome(answer) == "signin_done"
    customer_id = bound(bank)
    assert customer_id is not None
    assert bank.customers.authenticated_at(customer_id, _hs256.chat_binding(VIBER_CHAT)) is not None
    assert bank.customers.proven_phone(VIBER_CHAT, datetime.now(UTC).timestamp()) is None  # one proof, one binding
    assert post(bank, token).status == 410  # a replay binds nothing more


def test_the_screenshot_replay_is_refused_a_card_with_the_victims_mask_and_expiry(bank: Bank) -> None:
    """What a screenshot of the chat shows: 411111******4321 and 07/29. Another number behind that mask
    (the attacker has to guess the six hidden digits) is not the card, and each guess costs an attempt."""
    answer = post(bank, sign_in_link(bank), {"card_number": SAME_MASK, "card_expiry": "07/29"})

    assert answer.status == 422 and "Осталось попыток: 2." in answer.body
    assert bound(bank) is None


def test_the_last_four_and_expiry_alone_are_not_a_card_number_and_reach_no_one(bank: Bank) -> None:
    answer = post(bank, sign_in_link(bank), {"card_number": "4321", "card_expiry": "07/29"})

    assert answer.status == 422 and 'class="error"' in answer.body
    assert bank.cerberus.asked == 0 and bound(bank) is None


def test_a_wrong_expiry_binds_nothing(bank: Bank) -> None:
    answer = post(bank, sign_in_link(bank), {**RIGHT, "card_expiry": "08/29"})

    assert answer.status == 422 and bound(bank) is None


def test_another_customers_card_with_this_phone_binds_nothing(bank: Bank) -> None:
    answer = post(bank, sign_in_link(bank), {"card_number": OTHER_CARD, "card_expiry": "09/30"})

    assert answer.status == 422 and bound(bank) is None


def test_a_wrong_card_keeps_the_link_for_the_right_one(bank: Bank) -> None:
    token = sign_in_link(bank)
    post(bank, token, {**RIGHT, "card_expiry": "08/29"})

    assert post(bank, token).status == 200 and bound(bank) is not None


def test_the_third_wrong_card_locks_the_chat_even_for_the_right_one(bank: Bank) -> None:
    token = sign_in_link(bank)
    answers = [post(bank, token, {"card_number": SAME_MASK, "card_expiry": "07/29"}) for _ in range(3)]
    right = post(bank, token)

    assert [a.status for a in answers] == [422, 422, 429] and outcome(answers[2]) == "locked"
    assert right.status == 429 and bound(bank) is None


def test_a_locked_chat_gets_no_new_link(bank: Bank) -> None:
    token = sign_in_link(bank)
    for _ in range(3):
        post(bank, token, {"card_number": SAME_MASK, "card_expiry": "07/29"})

    with pytest.raises(Exception, match="too many"):
        sign_in_link(bank)


def test_an_expired_link_binds_nothing(bank: Bank) -> None:
    token = sign_in_link(bank, now=datetime.now(UTC) - timedelta(minutes=6))

    answer = post(bank, token)

    assert answer.status == 410 and outcome(answer) == "expired" and bound(bank) is None


def test_a_link_never_made_by_the_chat_binds_nothing(bank: Bank) -> None:
    """A link signed for a sign-in the chat never started (no phone proven, nothing kept)."""
    token = token_of(make_link(PAGE.page_url() + "/signin", "made-up-attempt", VIBER_CHAT, "sign_in", key=LINK_KEY))

    assert post(bank, token).status == 403 and bound(bank) is None


def test_a_pin_link_does_not_open_the_sign_in_page(bank: Bank) -> None:
    token = token_of(make_link(PAGE.page_url() + "/pin", "cus_x", VIBER_CHAT, "change_pin", card_id="c1", key=LINK_KEY))

    assert post(bank, token).status == 403


def test_a_telegram_link_is_used_from_its_chats_web_app_only(bank: Bank) -> None:
    token = sign_in_link(bank, TELEGRAM_CHAT)

    without = post(bank, token)  # the link opened outside Telegram
    another = post(bank, token, {**RIGHT, "init_data": init_data(5550002)})  # from another Telegram chat
    own = post(bank, token, {**RIGHT, "init_data": init_data(5550001)})

    assert (without.status, another.status) == (403, 403)
    assert own.status == 200 and bound(bank, TELEGRAM_CHAT) is not None


WRONG_CARD = {"card_number": SAME_MASK, "card_expiry": "08/29"}


def test_the_page_logs_no_card_number_expiry_or_token(bank: Bank, printed_logs: PrintedLogs) -> None:
    token = sign_in_link(bank)
    post(bank, token, WRONG_CARD)
    post(bank, token)

    printed = printed_logs()
    assert any(line.get("page") == "signin" for line in printed)  # the page's own lines were read
    for secret in (CARD, SAME_MASK, "1100 0009", "07/29", "08/29", token):
        assert secret not in json.dumps(printed)


# --- the card again, before a sensitive operation (no bank password) ---------------------------------------
def card_link(bank: Bank, customer_id: str, chat_key: str = VIBER_CHAT) -> str:
    return token_of(make_link(PAGE.page_url() + "/card", customer_id, chat_key, "confirm_card", key=LINK_KEY))


def signed_in_long_ago(bank: Bank) -> tuple[str, datetime]:
    assert post(bank, sign_in_link(bank)).status == 200
    customer_id = bound(bank)
    assert customer_id is not None
    then = datetime.now(UTC) - timedelta(hours=2)
    bank.customers.record_authentication(customer_id, _hs256.chat_binding(VIBER_CHAT), then)
    return customer_id, then.replace(microsecond=0)


def test_the_card_again_records_a_fresh_proof_for_the_chat(bank: Bank) -> None:
    customer_id, then = signed_in_long_ago(bank)

    answer = post(bank, card_link(bank, customer_id), page="card")

    proved = bank.customers.authenticated_at(customer_id, _hs256.chat_binding(VIBER_CHAT))
    assert answer.status == 200 and outcome(answer) == "card_done"
    assert proved is not None and proved > then + timedelta(hours=1)


def test_a_wrong_card_again_records_nothing(bank: Bank) -> None:
    customer_id, then = signed_in_long_ago(bank)

    answer = post(bank, card_link(bank, customer_id), {"card_number": SAME_MASK, "card_expiry": "07/29"}, "card")

    assert answer.status == 422
    assert bank.customers.authenticated_at(customer_id, _hs256.chat_binding(VIBER_CHAT)) == then


def test_a_sign_in_link_does_not_open_the_card_again_page(bank: Bank) -> None:
    assert post(bank, sign_in_link(bank), page="card").status == 403 and bound(bank) is None


def test_a_card_link_of_a_customer_who_is_gone_is_refused_as_invalid(bank: Bank) -> None:
    answer = post(bank, card_link(bank, "cus_gone"), page="card")

    assert answer.status == 403 and outcome(answer) == "invalid" and bank.cerberus.asked == 0
