"""Forgetting a customer over moto's tables and bucket (privacy/erasure.py, privacy/service.py): every record
that names the customer - by id, bank id, phone, referral code, chat - is erased, another customer's row that
names them is anonymised and otherwise kept, other customers' records and media are untouched, the asking
chat's session is left to its turn, and the audit record names none of it. "My data" masks what it shows;
withdrawing the marketing consent is dated and stops `may_market`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.customers.models import ChannelIdentity, Customer
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.handoff.models import handoff_id
from messenger_bank.images.storage import owner_prefix, store
from messenger_bank.notices.windows import WindowsRepository
from messenger_bank.outages.repository import SubscriptionsRepository
from messenger_bank.plastic.models import TrackedOrder
from messenger_bank.plastic.repository import PlasticRepository
from messenger_bank.privacy import consents
from messenger_bank.privacy.consents import ConsentsRepository
from messenger_bank.privacy.erasure import AUDIT_PREFIX, mentions
from messenger_bank.privacy.models import ForgetRequest, MyDataRequest, WithdrawConsentRequest
from messenger_bank.privacy.service import forget_customer, get_my_data, withdraw_consent
from messenger_bank.privacy.settings import PrivacySettings
from messenger_bank.programs.keys import phone_hash
from messenger_bank.requests.models import MoneyRequest
from messenger_bank.requests.repository import MoneyRequestsRepository
from messenger_bank.spending.repository import SpendingRepository
from tests.support.aws import create_table

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
BUCKET = "media"
SETTINGS = PrivacySettings(
    customers_table="CustomersTable",
    sessions_table="SessionsTable",
    journey_waits_table="JourneyWaitsTable",
    handoffs_table="HandoffsTable",
    media_bucket=BUCKET,
)


@dataclass
class World:
    dynamodb: Any
    s3: Any
    customers: CustomersRepository

    def table(self, name: str) -> Any:
        return self.dynamodb.Table(name)

    def everything(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for name in ("CustomersTable", "SessionsTable", "IdempotencyTable", "JourneyWaitsTable", "HandoffsTable"):
            found += [(name, item) for item in self.table(name).scan()["Items"]]
        return found

    def media(self) -> list[str]:
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def customer(n: int, **fields: Any) -> Customer:
    return Customer(
        customer_id=f"cus_{n}",
        bank_customer_id=f"bank-{n}",
        phone=f"+37529123456{n}",
        language="ru",
        referral_code=f"REF{n}ABC",
        created_at=NOW - timedelta(days=30),
        **fields,
    )


ANNA, BORIS = customer(1), customer(2, referred_by="cus_1")  # Boris came on Anna's invite
ANNA_TG = ChannelIdentity(channel="telegram", user_id="7001", chat_id="7001")
ANNA_WA = ChannelIdentity(channel="whatsapp", user_id="375291234561", chat_id="375291234561")
BORIS_TG = ChannelIdentity(channel="telegram", user_id="7002", chat_id="7002")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        client = boto3.client("dynamodb")
        for table in ("CustomersTable", "SessionsTable", "IdempotencyTable", "JourneyWaitsTable", "HandoffsTable"):
            create_table(client, table)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        dynamodb = boto3.resource("dynamodb")
        directory = CustomersRepository(dynamodb.Table("CustomersTable"))
        directory.create(ANNA, ANNA_TG)
        directory.link_identity(ANNA.customer_id, ANNA_WA, NOW - timedelta(days=2))
        directory.create(BORIS, BORIS_TG)
        yield World(dynamodb, s3, directory)


def anna_everywhere(world: World) -> None:
    """Anna's records in each store, as the contexts write them (through their repositories where they
    have one), and Boris's beside them."""
    customers = world.table("CustomersTable")
    consents.record_at_registration("cus_1", marketing=True, at=NOW, repository=ConsentsRepository(customers))
    # Rows under random ids that carry customer_id: found by the index by_customer.
    customers.put_item(Item={"pk": "QUOTE#q1", "sk": "QUOTE", "customer_id": "cus_1", "amount": 100})
    PlasticRepository(customers).track(
        TrackedOrder(
            order_id="ord_1", execution="plastic-1", customer_id="cus_1", chat_key="telegram:7001", status="ordered"
        )
    )
    SpendingRepository(customers).put_challenge("chal1", "cus_1", "otp-1", expires_at=2_000_000_000)
    SpendingRepository(customers).reserve("cus_1", "op1", 500, day="2026-12-07", ceiling=10_000, now=1)
    # A money request Boris asked Anna to pay: found by the pointer in Anna's partition.
    MoneyRequestsRepository(customers).put(
        MoneyRequest(
            request_id="mr" + "a" * 24,
            requester_id="cus_2",
            payer_id="cus_1",
            amount_minor=500,
            currency="BYN",
            created_at=NOW,
            expires_at=2_000_000_000,
        )
    )
    # By a chat's key: its window and notice, its outage subscriptions, its proven phone.
    windows = WindowsRepository(customers)
    windows.customer_wrote("whatsapp:375291234561", NOW)
    customers.put_item(Item={"pk": "WINDOW#whatsapp:375291234561", "sk": "NOTICE#wamid1", "template": "t"})
    SubscriptionsRepository(customers).subscribe("core", "telegram:7001", "ru", NOW)
    SubscriptionsRepository(customers).subscribe("billing", "whatsapp:375291234561", "ru", NOW)
    SubscriptionsRepository(customers).subscribe("core", "telegram:7002", "ru", NOW)
    customers.put_item(Item={"pk": "PROVEN#telegram:7001", "sk": "PHONE", "phone": ANNA.phone})
    # Other customers' rows naming Anna, by the programs' gsi1: Boris's attribution to her (anonymised) and
    # Boris's recommendation of her phone (its key names the phone: erased).
    customers.put_item(
        Item={
            "pk": "CUSTOMER#cus_2",
            "sk": "REFERRED_BY",
            "gsi1pk": "REFERRER#cus_1",
            "gsi1sk": "INVITED#2026-11-07#cus_2",
            "referrer_id": "cus_1",
            "newcomer_id": "cus_2",
            "month": "2026-11",
        }
    )
    anna_hash = phone_hash(ANNA.phone)
    customers.put_item(
        Item={
            "pk": "CUSTOMER#cus_2",
            "sk": f"RECOMMENDATION#{anna_hash}",
            "gsi1pk": f"RECOMMENDED#{anna_hash}",
            "gsi1sk": "cus_2",
            "contact_hash": anna_hash,
        }
    )
    world.table("SessionsTable").put_item(Item={"chat_key": "telegram:7001", "version": 3})
    world.table("SessionsTable").put_item(Item={"chat_key": "whatsapp:375291234561", "version": 1})
    world.table("SessionsTable").put_item(Item={"chat_key": "telegram:7002", "version": 1})
    # What the idempotency table holds (webhooks/service.py): a hash of channel and update id, an SQS id.
    world.table("IdempotencyTable").put_item(
        Item={"id": "webhook#5d41402abc4b2a76b9719d911017c592", "data": '{"message_id": "m-1"}', "status": "COMPLETED"}
    )
    world.table("JourneyWaitsTable").put_item(Item={"ref": "w1", "chat_key": "telegram:7001", "token": "t"})
    world.table("JourneyWaitsTable").put_item(Item={"ref": "w2", "chat_key": "telegram:7002", "token": "t"})
    # A hand-off of Anna's WhatsApp chat handed back to the bot, with the turns the operator read; Boris's too.
    for chat_key in ("whatsapp:375291234561", "telegram:7002"):
        world.table("HandoffsTable").put_item(
            Item={"handoff_id": handoff_id(chat_key), "chat_key": chat_key, "state": "back", "turns": ["hello"]}
        )
    store("card", b"png", "image/png", bucket=BUCKET, s3_client=world.s3, owner="cus_1")
    store("receipt", b"png", "image/png", bucket=BUCKET, s3_client=world.s3, owner="cus_1")
    store("card", b"png", "image/png", bucket=BUCKET, s3_client=world.s3, owner="cus_2")


def forget(world: World, chat_key: str = "telegram:7001") -> Any:
    request = ForgetRequest(customer_id="cus_1", chat_key=chat_key, language="ru")
    return forget_customer(
        request, customers=world.customers, settings=SETTINGS, dynamodb=world.dynamodb, s3_client=world.s3, now=NOW
    )


ANNAS = frozenset({"cus_1", "bank-1", ANNA.phone, ANNA.phone[1:], "REF1ABC", "7001", "375291234561"})


def test_forgetting_leaves_nothing_that_names_the_customer_but_the_asking_chats_session(world: World) -> None:
    anna_everywhere(world)
    forgotten = forget(world)

    left = [(table, item) for table, item in world.everything() if mentions(item, ANNAS)]
    assert left == [("SessionsTable", {"chat_key": "telegram:7001", "version": 3})]  # its turn deletes it
    assert not any(owner_prefix("cus_1") in key for key in world.media())
    assert forgotten.customer_id is None and forgotten.forget_chat and forgotten.erased > 10


def test_another_customers_records_stay_and_a_row_of_theirs_naming_the_forgotten_is_anonymised(
    world: World,
) -> None:
    anna_everywhere(world)
    forget(world)

    boris = world.customers.get("cus_2")
    assert boris is not None and boris.referred_by is None  # Anna's id went from Boris's profile, nothing else
    assert boris.model_dump(exclude={"referred_by"}) == BORIS.model_dump(exclude={"referred_by"})
    assert world.customers.by_phone(BORIS.phone) == boris and world.customers.by_identity(BORIS_TG.key) == boris
    assert world.table("SessionsTable").get_item(Key={"chat_key": "telegram:7002"}).get("Item")
    assert len(world.table("IdempotencyTable").scan()["Items"]) == 1  # never looked in: it names nobody
    assert world.table("JourneyWaitsTable").get_item(Key={"ref": "w2"}).get("Item")
    assert world.table("HandoffsTable").get_item(Key={"handoff_id": handoff_id("telegram:7002")}).get("Item")
    assert world.table("CustomersTable").get_item(Key={"pk": "OUTAGE#core", "sk": "CHAT#telegram:7002"}).get("Item")
    assert [key for key in world.media() if owner_prefix("cus_2") in key] != []


def test_the_audit_record_says_when_and_what_went_and_names_nobody(world: World) -> None:
    anna_everywhere(world)
    forgotten = forget(world)

    (audit,) = [item for table, item in world.everything() if str(item.get("pk", "")).startswith(AUDIT_PREFIX)]
    assert audit["erasure_id"] == forgotten.erasure_id and audit["erased_at"] == NOW.isoformat().replace("+00:00", "Z")
    assert audit["categories"]["erased.customer.profile"] == 1
    assert audit["categories"]["erased.customer.identity"] == 2
    assert audit["categories"]["erased.media.card"] == 1 and audit["categories"]["anonymised.customer.profile"] == 1
    assert audit["channel"] == "telegram" and audit["requested_by"] == "customer"
    assert not mentions(audit, ANNAS | {"cus_2", "7002"})


def test_a_forgotten_customer_is_a_stranger_everywhere_and_may_come_back_as_a_new_one(world: World) -> None:
    forget(world)
    assert world.customers.get("cus_1") is None
    assert world.customers.by_identity(ANNA_TG.key) is None and world.customers.by_identity(ANNA_WA.key) is None
    assert world.customers.by_phone(ANNA.phone) is None and world.customers.by_bank_id("bank-1") is None


def test_a_mention_is_a_whole_token_never_part_of_another_number() -> None:
    assert mentions({"pk": "IDENTITY#telegram#7001"}, frozenset({"7001"}))
    assert mentions('{"chat_key": "whatsapp:375291234561"}', frozenset({"+375291234561"}) | {"375291234561"})
    assert not mentions({"pk": "IDENTITY#telegram#70011"}, frozenset({"7001"}))
    assert not mentions({"amount": 170012}, frozenset({"7001"}))


def test_my_data_shows_the_chats_consents_and_masked_phone_and_never_the_phone(world: World) -> None:
    anna_everywhere(world)
    shown = get_my_data(
        MyDataRequest(customer_id="cus_1", chat_key="telegram:7001", language="en"),
        customers=world.customers,
        consents=ConsentsRepository(world.table("CustomersTable")),
        settings=SETTINGS,
        s3_client=world.s3,
    )
    assert "+375 29 ***-45-61" in shown.text and ANNA.phone not in shown.text and ANNA.phone[1:] not in shown.text
    assert "Telegram (this chat)" in shown.text and "WhatsApp" in shown.text
    assert "Processing of personal data: given 07/12/2026 09:00 (UTC+03:00)" in shown.text
    assert "Offers from the bank and partners: given 07/12/2026 09:00 (UTC+03:00)" in shown.text
    assert "made for you: 2" in shown.text and shown.marketing


def test_before_consents_were_recorded_the_personal_data_consent_dates_from_registration(world: World) -> None:
    shown = get_my_data(
        MyDataRequest(customer_id="cus_2", chat_key="telegram:7002", language="en"),
        customers=world.customers,
        consents=ConsentsRepository(world.table("CustomersTable")),
        settings=SETTINGS,
        s3_client=world.s3,
    )
    assert "Processing of personal data: given 07/11/2026 09:00 (UTC+03:00)" in shown.text
    assert "Offers from the bank and partners: not given" in shown.text and not shown.marketing


def test_withdrawing_the_marketing_consent_is_dated_and_stops_marketing_once(world: World) -> None:
    repository = ConsentsRepository(world.table("CustomersTable"))
    consents.record_at_registration("cus_1", marketing=True, at=NOW - timedelta(days=1), repository=repository)
    assert consents.may_market("cus_1", repository=repository)
    request = WithdrawConsentRequest(customer_id="cus_1", language="ru")

    first = withdraw_consent(request, consents=repository, now=NOW)
    again = withdraw_consent(request, consents=repository, now=NOW + timedelta(hours=1))

    assert first.withdrawn and not again.withdrawn
    assert not consents.may_market("cus_1", repository=repository)
    marketing = repository.consents("cus_1")["marketing"]
    assert marketing.withdrawn and marketing.at == NOW
    assert repository.consents("cus_1")["personal_data"].given  # the other consent stands


def test_a_consent_refused_at_onboarding_cannot_be_withdrawn_and_never_allows_marketing(world: World) -> None:
    repository = ConsentsRepository(world.table("CustomersTable"))
    consents.record_at_registration("cus_1", marketing=False, at=NOW, repository=repository)
    assert not consents.may_market("cus_1", repository=repository)
    assert not withdraw_consent(
        WithdrawConsentRequest(customer_id="cus_1", language="ru"), consents=repository
    ).withdrawn
    assert not consents.may_market("cus_2", repository=repository)  # never asked


class NoScans:
    """The DynamoDB resource whose tables refuse a scan: at the bank's size one never ends within a turn."""

    def __init__(self, dynamodb: Any, *, fail_after_deletes: int | None = None) -> None:
        self.dynamodb = dynamodb
        self.deletes_left = fail_after_deletes

    def Table(self, name: str) -> Any:  # boto3 names it so
        return _Table(self, self.dynamodb.Table(name))


class _Table:
    def __init__(self, owner: NoScans, table: Any) -> None:
        self.owner, self.table = owner, table

    def scan(self, **_: Any) -> Any:
        raise AssertionError("forgetting scanned a table")

    def delete_item(self, **kwargs: Any) -> Any:
        if self.owner.deletes_left is not None:
            if self.owner.deletes_left == 0:
                raise RuntimeError("DynamoDB unreachable half-way")
            self.owner.deletes_left -= 1
        return self.table.delete_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.table, name)


def forget_with(world: World, dynamodb: Any) -> Any:
    request = ForgetRequest(customer_id="cus_1", chat_key="telegram:7001", language="ru")
    return forget_customer(
        request, customers=world.customers, settings=SETTINGS, dynamodb=dynamodb, s3_client=world.s3, now=NOW
    )


def test_forgetting_never_scans_a_table(world: World) -> None:
    anna_everywhere(world)
    forget_with(world, NoScans(world.dynamodb))
    assert not [item for _, item in world.everything() if mentions(item, ANNAS) and item.get("version") != 3]


ROWS: list[tuple[str, dict[str, Any], str]] = [
    # (what, the row, the audit's category): each found by the key or index privacy/erasure.py names
    ("a transfer quote, by customer_id", {"pk": "QUOTE#q9", "sk": "QUOTE", "customer_id": "cus_1"}, "quote"),
    ("a payment quote, by customer_id", {"pk": "PAYQUOTE#p9", "sk": "QUOTE", "customer_id": "cus_1"}, "payquote"),
    ("a plastic order, by customer_id", {"pk": "PLASTIC#o9", "sk": "ORDER", "customer_id": "cus_1"}, "plastic"),
    ("a step-up challenge, by customer_id", {"pk": "STEPUP#c9", "sk": "STEPUP", "customer_id": "cus_1"}, "stepup"),
    (
        "a referral guard, by customer_id",
        {"pk": "REFERRED#PHONE#h9", "sk": "UNIQUE", "customer_id": "cus_1"},
        "referred",
    ),
    ("a day's spending, by its key", {"pk": "SPENDING#cus_1", "sk": "DAY#2026-12-07", "spent": 1}, "spending"),
    ("a proven phone, by the chat's key", {"pk": "PROVEN#whatsapp:375291234561", "sk": "PHONE"}, "proven"),
    ("a one-time code, by the chat's key", {"pk": "OTP#telegram:7001", "sk": "OTP"}, "otp"),
    ("a window's notice, by the chat's key", {"pk": "WINDOW#telegram:7001", "sk": "NOTICE#m9"}, "window"),
    ("an outage subscription, by system and chat", {"pk": "OUTAGE#passport", "sk": "CHAT#telegram:7001"}, "outage"),
    ("a row of the partition", {"pk": "CUSTOMER#cus_1", "sk": "ADDRESS#a9", "city": "Minsk"}, "customer.address"),
]


@pytest.mark.parametrize(("what", "row", "category"), ROWS, ids=[what for what, _, _ in ROWS])
def test_each_kind_of_row_is_found_by_its_key_or_index(
    world: World, what: str, row: dict[str, Any], category: str
) -> None:
    world.table("CustomersTable").put_item(Item=row)
    forgotten = forget_with(world, NoScans(world.dynamodb))

    assert world.table("CustomersTable").get_item(Key={"pk": row["pk"], "sk": row["sk"]}).get("Item") is None, what
    (audit,) = [item for _, item in world.everything() if str(item.get("pk", "")).startswith(AUDIT_PREFIX)]
    assert audit["categories"][f"erased.{category}"] >= 1 and forgotten.erased >= 1


def test_another_customers_rows_naming_the_customer_lose_only_that(world: World) -> None:
    """Boris came on Anna's code: his profile's referred_by (by the pointer in Anna's partition) and his
    attribution's referrer_id and gsi1 keys (by gsi1 REFERRER#) go; the rest of each row stays."""
    anna_everywhere(world)
    forget_with(world, NoScans(world.dynamodb))

    attribution = world.table("CustomersTable").get_item(Key={"pk": "CUSTOMER#cus_2", "sk": "REFERRED_BY"})["Item"]
    assert attribution == {
        "pk": "CUSTOMER#cus_2",
        "sk": "REFERRED_BY",
        "newcomer_id": "cus_2",
        "month": "2026-11",
        "gsi1sk": "INVITED#2026-11-07#cus_2",
    }
    boris = world.customers.get("cus_2")
    assert boris is not None and boris.referred_by is None and boris.phone == BORIS.phone


def test_forgetting_the_newcomer_takes_the_referrers_pointer_and_leaves_the_referrer(world: World) -> None:
    request = ForgetRequest(customer_id="cus_2", chat_key="telegram:7002", language="ru")
    forget_customer(
        request,
        customers=world.customers,
        settings=SETTINGS,
        dynamodb=NoScans(world.dynamodb),
        s3_client=world.s3,
        now=NOW,
    )
    assert (
        world.table("CustomersTable").get_item(Key={"pk": "CUSTOMER#cus_1", "sk": "REFERRED#cus_2"}).get("Item") is None
    )
    assert world.customers.get("cus_1") == ANNA


@pytest.mark.parametrize("deletes", [0, 3, 12, 25])
def test_a_forget_that_fails_half_way_leaves_the_customer_bound_and_the_retry_completes_it(
    world: World, deletes: int
) -> None:
    anna_everywhere(world)
    with pytest.raises(RuntimeError):
        forget_with(world, NoScans(world.dynamodb, fail_after_deletes=deletes))

    assert world.customers.by_identity(ANNA_TG.key) is not None  # still bound: the chat can ask again
    assert world.customers.get("cus_1") is not None
    assert not [item for _, item in world.everything() if str(item.get("pk", "")).startswith(AUDIT_PREFIX)]

    forget_with(world, NoScans(world.dynamodb))  # the customer asks again
    assert world.customers.by_identity(ANNA_TG.key) is None
    assert not [item for _, item in world.everything() if mentions(item, ANNAS) and item.get("version") != 3]
    audits = [item for _, item in world.everything() if str(item.get("pk", "")).startswith(AUDIT_PREFIX)]
    assert len(audits) == 1  # audited once: the failed attempt wrote none


def test_no_notice_the_bank_sends_unasked_is_marketing() -> None:
    """Withdrawing the marketing consent stops nothing today because the bank sends no offer unasked: every
    notice is an account or purchase update. A notice of another use case (a promotion) must be sent only
    where `consents.may_market` says so; this fails the day one is added, to say where the check goes."""
    from messenger_bank.notices.templates import notices

    assert {n.tag for n in notices().values()} <= {"ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE"}
    assert not any(key.split(".")[0] in {"programs", "offers", "partners", "recommend"} for key in notices())
