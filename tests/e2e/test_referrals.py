"""The programs through the whole local cloud: a friend invited from Telegram joins on WhatsApp and both
get their bonus once (the bank sandbox's ledger says so), a customer's own code earns nothing, nor does a
person whose phone or passport was referred before, nor a friend beyond the monthly cap (each gets their
card), contacts a customer recommended the bank to become customers and the milestone bonus is paid once,
partner offers are shown with their picture and activated, and cashback is computed on the sandbox's card
operations."""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import httpx
import pytest
from PIL import Image

from local.cloud.cloud import LocalCloud
from local.sandbox.ledger import EQUITY, TRANSIT
from local.sandbox.partners import BRANDS, EMBLEM_INK, OFFERS
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.images.drawing import hex_rgb
from messenger_bank.images.offers import picture_box, picture_size, tile_box
from messenger_bank.programs.bank import BONUS_REFERENCE
from messenger_bank.programs.keys import passport_hash, phone_hash
from messenger_bank.programs.models import Attribution
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import programs
from tests.e2e.driver import Chat, Person, onboard

# The digests this test computes (to seed and look up guards) are made with the cloud's own key.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]


def telegram_chat(cloud: LocalCloud, person: Person) -> Chat:
    return Chat(cloud, "telegram", f"78{person.number:06d}", phone=person.phone)


def whatsapp_chat(cloud: LocalCloud, person: Person) -> Chat:
    return Chat(cloud, "whatsapp", person.phone.lstrip("+"), phone=person.phone)


def finished_issuance(cloud: LocalCloud, chat: Chat, timeout_s: float = 30) -> dict[str, Any]:
    """This chat's card-issuance execution, once it has ended (the bonus step runs after the card)."""
    sfn = cloud.client("stepfunctions")
    assert cloud.stack is not None
    arn = cloud.stack.state_machines["CardIssuanceStateMachine"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if json.loads(described["input"]).get("chat_key") == chat.chat_key and described["status"] != "RUNNING":
                return dict(described)
        time.sleep(0.3)
    raise AssertionError(f"no finished card issuance for {chat.chat_key}")


def bank_account(cloud: LocalCloud, person: Person) -> str:
    bank = cloud.sandbox.bank
    customer = bank.find_customer_by_phone(person.phone)
    assert customer is not None, "the sandbox bank does not know this person"
    return str(bank.cards_of(customer["id"])[0]["account_id"])


def bonuses_on(cloud: LocalCloud, person: Person) -> list[int]:
    """The bonus credits on the person's card account, as the bank's ledger has them."""
    history = cloud.sandbox.bank.history(bank_account(cloud, person), 500)
    return [line["amount"] for line in history if line["reference"] == BONUS_REFERENCE]


def balance_of(cloud: LocalCloud, person: Person) -> int:
    return int(cloud.sandbox.bank.balance(bank_account(cloud, person)))


def customers_table(cloud: LocalCloud) -> Any:
    """The customers table of the local cloud as the functions see it (a boto3 Table resource)."""
    assert cloud.stack is not None
    dynamodb = boto3.resource(
        "dynamodb",
        endpoint_url=cloud.aws_endpoint,
        region_name=cloud.config.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return dynamodb.Table(str(cloud.stack.physical["CustomersTable"]))


def referrals_in(cloud: LocalCloud) -> ReferralsRepository:
    return ReferralsRepository(customers_table(cloud))


def customer_id_of(cloud: LocalCloud, person: Person) -> str:
    customer = CustomersRepository(customers_table(cloud)).by_phone(person.phone)
    assert customer is not None, "the bot has no customer with this phone"
    return customer.customer_id


def seed_attribution(
    cloud: LocalCloud, referrer_id: str, code: str, *, phone: str, passport: str, at: datetime
) -> Attribution:
    """An attribution written as the registration writes one (with its phone and passport guards and the
    referrer's month counter), for a newcomer this test makes up."""
    config = programs()
    attribution = Attribution(
        newcomer_id=str(uuid.uuid4()), referrer_id=referrer_id, code=code, month=config.month_of(at), attributed_at=at
    )
    referrals_in(cloud).add_attribution(
        attribution,
        phone_hash=phone_hash(phone),
        passport_hash=passport_hash(passport),
        monthly_cap=config.invite.monthly_cap,
    )
    return attribution


def refusals_of(cloud: LocalCloud, newcomer_id: str) -> list[str]:
    """Why the functions refused this newcomer's referral, as their log lines say."""
    reasons = []
    for path in cloud.logs.directory.glob("*.log"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("{") and '"referral refused"' in line:
                record = json.loads(line)
                if record.get("newcomer_id") == newcomer_id:
                    reasons.append(str(record["reason"]))
    return reasons


def friends_with_a_card(chat: Chat) -> int:
    """The count the invite screen shows the referrer."""
    return invite_screen(chat)[0]


def invite_screen(chat: Chat) -> tuple[int, int, int]:
    """What the invite screen shows: (friends with a card, this month's bonus limit, friends this month)."""
    shown = said(open_programs(chat, "Пригласить"))
    [count] = re.findall(r"получивших карту: (\d+)", shown)
    [(cap, this_month)] = re.findall(r"бонус дают (\d+) друзей, пришло (\d+)", shown)
    return int(count), int(cap), int(this_month)


def start_with_code(chat: Chat, code: str) -> None:
    """What the share link does: Telegram `/start <code>`, WhatsApp the prefilled `start <code>`."""
    text = f"/start {code}" if chat.channel == "telegram" else f"start {code}"
    chat.act(lambda: chat.cloud.platforms.send(chat.channel, chat.user, "text", text=text), replies=2)


def chat_on(cloud: LocalCloud, channel: str, person: Person) -> Chat:
    if channel == "whatsapp":
        return whatsapp_chat(cloud, person)
    return Chat(cloud, channel, f"79{person.number:06d}", phone=person.phone)


def open_programs(chat: Chat, item: str, replies: int = 1) -> list[dict[str, Any]]:
    chat.say("меню")
    chat.press("Программы")
    return chat.press(item, replies=replies)


def said(replies: list[dict[str, Any]]) -> str:
    return " ".join(str(m.get("text") or m.get("caption") or "") for m in replies)


def invoke_bonus_step_again(cloud: LocalCloud, execution: dict[str, Any]) -> None:
    """The bonus step again, as a retry or an operator would run it, with the journey's own output."""
    assert cloud.stack is not None
    [step] = [f for f in cloud.stack.functions.values() if f.logical_id == "CreditReferralBonusesFunction"]
    answer = cloud.client("lambda").invoke(FunctionName=step.name, Payload=execution["output"].encode())
    assert "FunctionError" not in answer, answer["Payload"].read()


def pixel(picture: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    found = picture.getpixel(xy)
    assert isinstance(found, tuple)
    return found[0], found[1], found[2]


def near(found: tuple[int, int, int], hex_colour: str, tolerance: int = 8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(found, hex_rgb(hex_colour), strict=True))


@pytest.fixture
def referrer(cloud: LocalCloud) -> tuple[Person, Chat, str]:
    """A customer with a card on Telegram, and the invitation code the bot gives them: one for each test,
    whose counts (friends, bonuses, the month's cap, cashback) no other test moves."""
    person = Person(surname="Шыпіла")
    chat = telegram_chat(cloud, person)
    onboard(chat, person)
    chat.wait_for("карта готова")
    finished_issuance(cloud, chat)
    replies = open_programs(chat, "Пригласить")
    [code] = re.findall(r"код приглашения: ([A-Z0-9]+)", " ".join(str(m["text"]) for m in replies))
    assert any(m["media"] for m in replies), "the share picture with the QR code is sent"
    return person, chat, code


def test_a_friend_invited_from_telegram_joins_on_whatsapp_and_both_get_their_bonus_once(
    cloud: LocalCloud, referrer: tuple[Person, Chat, str]
) -> None:
    alice, alice_chat, code = referrer
    bob = Person(surname="Навічок")
    bob_chat = whatsapp_chat(cloud, bob)

    start_with_code(bob_chat, code)
    onboard(bob_chat, bob)
    bob_chat.wait_for("карта готова")
    execution = finished_issuance(cloud, bob_chat)

    assert execution["status"] == "SUCCEEDED"
    assert bonuses_on(cloud, alice) == [1000]  # 10.00 BYN to the customer who invited
    assert bonuses_on(cloud, bob) == [500]  # 5.00 BYN to the friend

    # The bonus step again, as a retry or an operator would run it: the money moves once.
    invoke_bonus_step_again(cloud, execution)
    assert bonuses_on(cloud, alice) == [1000] and bonuses_on(cloud, bob) == [500]
    ledger = cloud.sandbox.ledger()
    assert ledger["total"] == 0 and not ledger["accounts_over_limit"] and not ledger["unbalanced_operations"]

    replies = open_programs(alice_chat, "Пригласить")
    assert "получивших карту: 1" in " ".join(str(m["text"]) for m in replies)


def test_a_customer_who_opens_another_messenger_with_their_own_code_earns_nothing(
    cloud: LocalCloud, referrer: tuple[Person, Chat, str]
) -> None:
    alice, _, code = referrer
    before = bonuses_on(cloud, alice)
    same_person = whatsapp_chat(cloud, alice)

    start_with_code(same_person, code)
    onboard(same_person, alice)
    same_person.wait_for("уже клиент банка")
    finished_issuance(cloud, same_person)

    assert bonuses_on(cloud, alice) == before
    customers = cloud.client("dynamodb")
    assert cloud.stack is not None
    table = str(cloud.stack.physical["CustomersTable"])
    owner = customers.get_item(TableName=table, Key={"pk": {"S": f"REFERRAL#{code}"}, "sk": {"S": "UNIQUE"}})
    alice_id = owner["Item"]["customer_id"]["S"]
    attributed = customers.get_item(
        TableName=table, Key={"pk": {"S": f"CUSTOMER#{alice_id}"}, "sk": {"S": "REFERRED_BY"}}
    )
    assert "Item" not in attributed


@pytest.mark.parametrize("same", ["phone", "passport"])
def test_a_person_whose_phone_or_passport_was_referred_before_gets_a_card_but_nobody_a_bonus(
    cloud: LocalCloud, referrer: tuple[Person, Chat, str], same: str
) -> None:
    alice, _, code = referrer
    alice_id = customer_id_of(cloud, alice)
    carol = Person(surname="Паўторная")
    # Carol (or someone with her passport on another phone) was referred a year ago by another customer;
    # that customer record is gone, the attribution's guards are not.
    other = Person(surname="Іншая")
    earlier = seed_attribution(
        cloud,
        str(uuid.uuid4()),
        "EARLIER1",
        phone=carol.phone if same == "phone" else other.phone,
        passport=carol.passport if same == "passport" else other.passport,
        at=datetime(2024, 11, 20, 12, 0, tzinfo=UTC),
    )
    guard = ("PHONE", phone_hash(carol.phone)) if same == "phone" else ("PASSPORT", passport_hash(carol.passport))
    store = referrals_in(cloud)
    config = programs()
    month = config.month_of(datetime.now(UTC))
    invites_before = store.invites_in_month(alice_id, month)
    assert invites_before < config.invite.monthly_cap  # the cap is not what refuses here
    alice_bonuses, alice_balance = bonuses_on(cloud, alice), balance_of(cloud, alice)

    carol_chat = whatsapp_chat(cloud, carol)
    start_with_code(carol_chat, code)
    onboard(carol_chat, carol)
    carol_chat.wait_for("карта готова")
    execution = finished_issuance(cloud, carol_chat)

    assert execution["status"] == "SUCCEEDED"
    carol_id = customer_id_of(cloud, carol)
    assert bonuses_on(cloud, carol) == [] and balance_of(cloud, carol) == 0
    assert cloud.sandbox.bank.history(bank_account(cloud, carol), 500) == []
    assert bonuses_on(cloud, alice) == alice_bonuses and balance_of(cloud, alice) == alice_balance
    assert store.attribution(carol_id) is None
    assert store.guard_owner(*guard) == earlier.newcomer_id
    assert store.invites_in_month(alice_id, month) == invites_before
    assert store.bonuses(carol_id) == []
    assert refusals_of(cloud, carol_id) == ["AlreadyReferred"]

    # The bonus step again, as a retry or an operator would run it: still nothing.
    invoke_bonus_step_again(cloud, execution)
    assert bonuses_on(cloud, carol) == [] and bonuses_on(cloud, alice) == alice_bonuses
    ledger = cloud.sandbox.ledger()
    assert ledger["total"] == 0 and not ledger["accounts_over_limit"] and not ledger["unbalanced_operations"]


def test_a_friend_beyond_the_monthly_cap_gets_a_card_but_nobody_a_bonus(
    cloud: LocalCloud, referrer: tuple[Person, Chat, str]
) -> None:
    alice, alice_chat, code = referrer
    alice_id = customer_id_of(cloud, alice)
    store = referrals_in(cloud)
    config = programs()
    cap = config.invite.monthly_cap
    now = datetime.now(UTC)
    month = config.month_of(now)
    joined_before = friends_with_a_card(alice_chat)
    # Friends who came through Alice's link this month and got their card, up to the cap.
    seeded = [
        seed_attribution(cloud, alice_id, code, phone=friend.phone, passport=friend.passport, at=now)
        for friend in [Person(surname="Сябар") for _ in range(cap - store.invites_in_month(alice_id, month))]
    ]
    for friend in seeded:
        store.mark_card_issued(friend.newcomer_id, now)
    assert seeded and store.invites_in_month(alice_id, month) == cap
    assert friends_with_a_card(alice_chat) == joined_before + len(seeded)
    alice_bonuses, alice_balance = bonuses_on(cloud, alice), balance_of(cloud, alice)

    dan = Person(surname="Лішні")
    dan_chat = telegram_chat(cloud, dan)
    start_with_code(dan_chat, code)
    onboard(dan_chat, dan)
    dan_chat.wait_for("карта готова")
    execution = finished_issuance(cloud, dan_chat)

    assert execution["status"] == "SUCCEEDED"
    dan_id = customer_id_of(cloud, dan)
    assert bonuses_on(cloud, dan) == [] and balance_of(cloud, dan) == 0
    assert cloud.sandbox.bank.history(bank_account(cloud, dan), 500) == []
    assert bonuses_on(cloud, alice) == alice_bonuses and balance_of(cloud, alice) == alice_balance
    assert store.attribution(dan_id) is None
    assert store.guard_owner("PHONE", phone_hash(dan.phone)) is None
    assert store.guard_owner("PASSPORT", passport_hash(dan.passport)) is None
    assert store.invites_in_month(alice_id, month) == cap
    assert store.bonuses(dan_id) == []
    assert refusals_of(cloud, dan_id) == ["ReferralLimitReached"]
    # The referrer sees the limit reached; the refused friend is not counted.
    assert invite_screen(alice_chat) == (joined_before + len(seeded), cap, cap)

    invoke_bonus_step_again(cloud, execution)
    assert bonuses_on(cloud, dan) == [] and bonuses_on(cloud, alice) == alice_bonuses
    ledger = cloud.sandbox.ledger()
    assert ledger["total"] == 0 and not ledger["accounts_over_limit"] and not ledger["unbalanced_operations"]


def test_a_customer_who_recommends_the_bank_earns_the_milestone_bonus_once_when_contacts_join(
    cloud: LocalCloud, referrer: tuple[Person, Chat, str]
) -> None:
    alice, alice_chat, _ = referrer
    before = sorted(bonuses_on(cloud, alice))
    contacts = [Person(surname="Знаёмая") for _ in range(3)]  # the first milestone: 3 customers, 15.00 BYN

    for contact in contacts:
        open_programs(alice_chat, "Рекомендовать банк")
        alice_chat.press("Посоветовать другу")
        answer = said(alice_chat.say(contact.phone))
        assert f"Рекомендация для +375 29 ***-{contact.phone[-4:-2]}-{contact.phone[-2:]} записана" in answer
    progress = said(open_programs(alice_chat, "Рекомендовать банк"))
    assert "Рекомендаций, ставших клиентами: 0. Следующий бонус 15,00\u00a0BYN при 3." in progress

    executions = []
    for contact, channel in zip(contacts, ("viber", "whatsapp", "messenger"), strict=True):
        chat = chat_on(cloud, channel, contact)
        onboard(chat, contact)
        chat.wait_for("карта готова")
        executions.append(finished_issuance(cloud, chat))
        assert executions[-1]["status"] == "SUCCEEDED"
        if len(executions) == 2:
            assert sorted(bonuses_on(cloud, alice)) == before  # no bonus before the milestone
            progress = said(open_programs(alice_chat, "Рекомендовать банк"))
            assert "Рекомендаций, ставших клиентами: 2. Следующий бонус 15,00\u00a0BYN при 3." in progress

    assert sorted(bonuses_on(cloud, alice)) == sorted([*before, 1500])  # credited in core banking
    progress = said(open_programs(alice_chat, "Рекомендовать банк"))
    assert "Рекомендаций, ставших клиентами: 3. Следующий бонус 30,00\u00a0BYN при 5." in progress

    # The bonus step again, for the contact who completed the milestone and for an earlier one: paid once.
    invoke_bonus_step_again(cloud, executions[-1])
    invoke_bonus_step_again(cloud, executions[0])
    assert sorted(bonuses_on(cloud, alice)) == sorted([*before, 1500])
    ledger = cloud.sandbox.ledger()
    assert ledger["total"] == 0 and not ledger["accounts_over_limit"] and not ledger["unbalanced_operations"]


def test_partner_offers_are_shown_with_their_picture_and_one_is_activated(
    cloud: LocalCloud, referrer: tuple[Person, Chat, str]
) -> None:
    _, chat, _ = referrer

    replies = open_programs(chat, "Акции партнёров", replies=2)
    labels = json.dumps([m.get("markup") for m in replies], ensure_ascii=False)
    for partner in ("GameArena", "Twitch", "Burger King", "Grushovka"):
        assert partner in labels

    # The offers picture: stored under a random key, each offer on its partner's colours with the picture
    # the partner's API serves for it (the sandbox's emblems), in the order of the list.
    [shown] = [m for m in replies if m["media"]]
    url = shown["media"]["url"]
    assert re.search(r"/offers/[0-9a-f]{32}\.png\?", url), url
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(answer.content)).convert("RGB")
    offers = [
        (partner, offer["offer_id"])
        for partner in ("gamearena", "twitch", "burgerking", "grushovka")
        for offer in OFFERS[partner]
    ]
    assert picture.size == picture_size(len(offers))
    for index, (partner, offer_id) in enumerate(offers):
        _, top, right, bottom = tile_box(index)
        assert near(pixel(picture, (right - 8, (top + bottom) // 2)), BRANDS[partner]["background"]), partner
        left, top, right, bottom = picture_box(index)
        emblem = pixel(picture, ((left + right) // 2, top + 30))  # above the second offers' white bar
        assert near(emblem, EMBLEM_INK[partner]), (partner, offer_id, emblem)
    chat.press("Twitch: 15 %")
    chat.press("Активировать")

    chat.wait_for("активно: кэшбэк 15 %")
    open_programs(chat, "Акции партнёров")
    chat.button("✅ Twitch: 15 %")  # marked as active in the list


def test_cashback_this_month_is_computed_on_the_card_operations(
    cloud: LocalCloud, referrer: tuple[Person, Chat, str]
) -> None:
    alice, chat, _ = referrer
    account = bank_account(cloud, alice)
    bank = cloud.sandbox.bank
    with bank.write() as db:
        bank.post(db, "credit", [(EQUITY, -10000), (account, 10000)], 10000, reference="top-up for purchases")
        for amount, reference in (
            (1234, "purchase mcc=5814 partner=burgerking merchant=BK-Nemiga"),  # partner 7 %: 86.38 -> 0.86
            (2000, "purchase mcc=5411 merchant=Euroopt"),  # groceries 2 %: 0.40
            (1000, "purchase mcc=5812 merchant=Cafe"),  # restaurants 3 %: 0.30
            (3000, "transfer to a friend"),  # not a purchase: nothing
        ):
            bank.post(db, "debit", [(account, -amount), (TRANSIT, amount)], amount, reference=reference)

    replies = open_programs(chat, "Кэшбэк")

    text = " ".join(str(m["text"]) for m in replies)
    assert "Кэшбэк в этом месяце: 1,56\u00a0BYN" in text
    assert "фастфуд: 0,86\u00a0BYN" in text and "продукты: 0,40\u00a0BYN" in text and "рестораны: 0,30\u00a0BYN" in text
