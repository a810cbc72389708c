"""Bound chats the customer controls: a new binding is announced on the customer's other chats, whose
"This wasn't me" unbinds it at once; "My chats" lists and removes them. Each case changes one thing from
a valid press or choice and names the defect it would let through."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.channels.models import Button, ChatRef, OutboundMessage, OutsideWindow
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import Turn  # noqa: F401  # before sessions (they import each other)
from messenger_bank.conversation.sessions import Session, SessionRepository
from messenger_bank.customers import bindings
from messenger_bank.customers.bindings import bind_chat, list_chats, remove_chat, this_wasnt_me
from messenger_bank.customers.errors import ChatNotFound, ChatTooNew
from messenger_bank.customers.models import (
    Binding,
    ChannelIdentity,
    Customer,
    DisownChatRequest,
    ListChatsRequest,
    NewCustomer,
    RemoveChatRequest,
)
from messenger_bank.customers.repository import CustomersRepository, legacy_binding_id
from messenger_bank.customers.service import (
    customer_by_id,
    customer_for_identity,
    find_or_create,
    link_identity,
    record_authentication,
)
from messenger_bank.security._hs256 import chat_binding
from tests.support.aws import create_table

# A moment after the customer's first chat was bound (find_or_create binds it at the real now).
T0 = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
TELEGRAM = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
VIBER = ChannelIdentity(channel="viber", user_id="v-1", chat_id="v-1")
WHATSAPP = ChannelIdentity(channel="whatsapp", user_id="375291112233", chat_id="375291112233")
OTHERS_TELEGRAM = ChannelIdentity(channel="telegram", user_id="t-9", chat_id="t-9")


def minsk(moment: datetime, day: str = "%d.%m.%Y") -> str:
    """How the customer reads a moment: the bank's time, UTC+3 all year (an oracle apart from the code)."""
    return (moment + timedelta(hours=3)).strftime(f"{day} %H:%M") + " (UTC+03:00)"


def key(identity: ChannelIdentity) -> str:
    return f"{identity.channel}:{identity.chat_id}"


@dataclass
class Outbox:
    """What the announcements sent, chat by chat; `refuse` makes every send fail as a platform would."""

    sent: list[tuple[ChatRef, OutboundMessage]] = field(default_factory=list)
    outside: list[OutsideWindow] = field(default_factory=list)
    refuse: bool = False

    def __call__(self, chat: ChatRef, message: OutboundMessage, outside: OutsideWindow) -> bool:
        if self.refuse:
            raise RuntimeError("platform down")
        self.sent.append((chat, message))
        self.outside.append(outside)
        return True

    def chats(self) -> list[str]:
        return [chat.key for chat, _ in self.sent]


@dataclass
class World:
    customers: CustomersRepository
    sessions: SessionRepository
    outbox: Outbox
    metrics: list[tuple[str, str, float]]

    def customer(self, bank_id: str = "BANK-1", phone: str = "+375291112233", language: Any = "ru") -> Customer:
        new = NewCustomer(bank_customer_id=bank_id, phone=phone, language=language, identity=TELEGRAM)
        return find_or_create(new, repository=self.customers).customer

    def bind(self, customer: Customer, identity: ChannelIdentity, at: datetime) -> Binding:
        binding = bind_chat(customer, identity, repository=self.customers, announce=self.outbox, now=at)
        assert binding is not None
        return binding

    def signed_in(self, identity: ChannelIdentity, customer: Customer) -> None:
        """The chat's conversation session and its proof of a card, as a sign-in leaves them."""
        self.sessions.save(Session(chat_key=key(identity), customer_id=customer.customer_id, session_token="t"))
        record_authentication(customer.customer_id, chat_binding(key(identity)), T0, repository=self.customers)

    def proof_of(self, identity: ChannelIdentity, customer: Customer) -> bool:
        return self.customers.authenticated_at(customer.customer_id, chat_binding(key(identity))) is not None

    def bound_to(self, identity: ChannelIdentity) -> str | None:
        found = customer_for_identity(identity, repository=self.customers)
        return found.customer_id if found else None

    def disown(self, customer: Customer, pressed_in: ChannelIdentity, ref: str) -> Any:
        request = DisownChatRequest(customer_id=customer.customer_id, chat_key=key(pressed_in), ref=ref, language="ru")
        return this_wasnt_me(request, repository=self.customers, forget_session=self.sessions.forget)

    def remove(self, customer: Customer, asking: ChannelIdentity, binding_id: str, now: datetime) -> Any:
        request = RemoveChatRequest(
            customer_id=customer.customer_id, chat_key=key(asking), binding_id=binding_id, language="ru"
        )
        return remove_chat(request, repository=self.customers, forget_session=self.sessions.forget, now=now)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    counted: list[tuple[str, str, float]] = []
    monkeypatch.setattr(bindings.metrics, "add_metric", lambda name, unit, value: counted.append((name, unit, value)))
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        name = create_table(dynamodb, "CustomersTable")
        sessions = create_table(dynamodb, "SessionsTable")
        yield World(
            CustomersRepository(boto3.resource("dynamodb").Table(name)),
            SessionRepository(sessions),
            Outbox(),
            counted,
        )


@pytest.fixture
def intruded(world: World) -> tuple[Customer, Binding]:
    """A customer on Telegram (since T0) whose account was just signed in on Viber (an hour later)."""
    customer = world.customer()
    viber = world.bind(customer, VIBER, T0 + timedelta(hours=1))
    world.signed_in(VIBER, customer)
    return customer, viber


# ---------------------------------------------------------------- announcing a new binding
def test_a_new_chat_is_announced_on_each_other_chat_and_not_on_itself(world: World) -> None:
    customer = world.customer()
    world.bind(customer, WHATSAPP, T0 + timedelta(minutes=1))
    world.outbox.sent.clear()

    viber = world.bind(customer, VIBER, T0 + timedelta(hours=1))

    assert sorted(world.outbox.chats()) == sorted([key(TELEGRAM), key(WHATSAPP)])
    message = world.outbox.sent[0][1]
    expected = text("chats.announced", "ru", messenger="Viber", when=minsk(T0 + timedelta(hours=1)))
    assert message.text == expected
    assert message.buttons[0][0].payload == f"g:go:not_me:disown:{viber.binding_id}"


def test_the_announcement_is_in_the_customers_own_language(world: World) -> None:
    customer = world.customer(language="be")

    viber = world.bind(customer, VIBER, T0 + timedelta(hours=1))

    expected = text("chats.announced", "be", messenger="Viber", when=minsk(T0 + timedelta(hours=1)))
    assert [m.text for _, m in world.outbox.sent] == [expected]
    assert world.outbox.sent[0][1].buttons == (
        (Button(label=text("chats.not_me", "be"), payload=f"g:go:not_me:disown:{viber.binding_id}"),),
        (Button(label=text("nav.menu", "be"), payload="g:menu"),),
    )


def test_after_24_quiet_hours_the_announcement_goes_as_its_template_with_the_same_buttons(world: World) -> None:
    customer = world.customer(language="be")

    viber = world.bind(customer, VIBER, T0 + timedelta(hours=1))

    assert world.outbox.outside == [
        OutsideWindow(
            template="mb_chats_announced",
            language="be_BY",
            parameters={"messenger": "Viber", "when": minsk(T0 + timedelta(hours=1))},
            button_payloads=(f"g:go:not_me:disown:{viber.binding_id}", "g:menu"),
            tag="ACCOUNT_UPDATE",
        )
    ]


def test_a_chat_bound_again_to_the_same_customer_is_not_announced_again(world: World) -> None:
    customer = world.customer()
    first = world.bind(customer, VIBER, T0 + timedelta(hours=1))

    again = bind_chat(customer, VIBER, repository=world.customers, announce=world.outbox, now=T0 + timedelta(hours=2))

    assert again is None
    assert len(world.outbox.sent) == 1
    assert [b.binding_id for b in world.customers.bindings(customer.customer_id) if b.identity == VIBER] == [
        first.binding_id
    ]


def test_the_first_chat_of_a_new_customer_is_announced_nowhere(world: World) -> None:
    world.customer()

    assert world.outbox.sent == []


def test_an_announcement_that_cannot_go_out_leaves_the_binding_standing(world: World) -> None:
    customer = world.customer()
    world.outbox.refuse = True

    world.bind(customer, VIBER, T0 + timedelta(hours=1))

    assert world.bound_to(VIBER) == customer.customer_id
    assert world.metrics == [("BindingAnnouncementFailed", "Count", 1)]


@pytest.mark.parametrize("path", ["link_identity", "find_or_create"])
def test_every_way_a_chat_joins_an_existing_customer_announces_it(
    world: World, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    # Sign-in binds through customers_service.link_identity (or find_or_create for a customer new to
    # our table): whatever proved the card, the announcement is made where the binding is.
    customer = world.customer()
    monkeypatch.setattr(bindings, "_send", world.outbox)

    if path == "link_identity":
        link_identity(customer.customer_id, VIBER, repository=world.customers)
    else:
        new = NewCustomer(bank_customer_id="BANK-1", phone=customer.phone, language="ru", identity=VIBER)
        find_or_create(new, repository=world.customers)

    assert world.outbox.chats() == [key(TELEGRAM)]
    bound = next(b for b in world.customers.bindings(customer.customer_id) if b.identity == VIBER).bound_at
    assert bound is not None and bound.utcoffset() == timedelta(0)  # the time of binding, in UTC


# ---------------------------------------------------------------- "This wasn't me"
def test_this_wasnt_me_unbinds_the_new_chat_and_forgets_its_session_and_proof(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded

    told = world.disown(customer, TELEGRAM, viber.binding_id)

    assert world.bound_to(VIBER) is None
    assert world.sessions.get(key(VIBER)) is None
    assert not world.proof_of(VIBER, customer)
    assert world.bound_to(TELEGRAM) == customer.customer_id
    assert (told.messenger, told.bound) == ("Viber", minsk(T0 + timedelta(hours=1)))
    assert world.metrics == [("ThisWasntMe", "Count", 1)]


def test_pressed_from_a_chat_of_another_customer_it_removes_nothing(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded
    other = find_or_create(
        NewCustomer(bank_customer_id="BANK-9", phone="+375297654321", language="ru", identity=OTHERS_TELEGRAM),
        repository=world.customers,
    ).customer

    with pytest.raises(ChatNotFound):
        world.disown(other, OTHERS_TELEGRAM, viber.binding_id)

    assert world.bound_to(VIBER) == customer.customer_id
    assert world.sessions.get(key(VIBER)) is not None


def test_a_chat_that_is_not_the_customers_cannot_press_it_in_their_name(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded

    with pytest.raises(ChatNotFound):
        world.disown(customer, OTHERS_TELEGRAM, viber.binding_id)

    assert world.bound_to(VIBER) == customer.customer_id


def test_a_binding_id_of_another_customer_is_not_found(world: World, intruded: tuple[Customer, Binding]) -> None:
    customer, _ = intruded
    other = find_or_create(
        NewCustomer(bank_customer_id="BANK-9", phone="+375297654321", language="ru", identity=OTHERS_TELEGRAM),
        repository=world.customers,
    ).customer
    others_viber = ChannelIdentity(channel="viber", user_id="v-9", chat_id="v-9")
    theirs = world.bind(other, others_viber, T0 + timedelta(hours=2))

    with pytest.raises(ChatNotFound):
        world.disown(customer, TELEGRAM, theirs.binding_id)

    assert world.bound_to(others_viber) == other.customer_id


def test_an_already_removed_binding_is_not_found_the_second_time(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded
    world.disown(customer, TELEGRAM, viber.binding_id)

    with pytest.raises(ChatNotFound):
        world.disown(customer, TELEGRAM, viber.binding_id)

    assert world.metrics == [("ThisWasntMe", "Count", 1)]


def test_an_old_button_never_removes_the_chat_bound_again_since(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded
    world.disown(customer, TELEGRAM, viber.binding_id)
    world.bind(customer, VIBER, T0 + timedelta(hours=3))  # the customer's own sign-in, later

    with pytest.raises(ChatNotFound):
        world.disown(customer, TELEGRAM, viber.binding_id)

    assert world.bound_to(VIBER) == customer.customer_id


def test_the_new_chat_cannot_press_it_about_an_older_chat(world: World, intruded: tuple[Customer, Binding]) -> None:
    customer, _ = intruded
    telegram = next(b for b in world.customers.bindings(customer.customer_id) if b.identity == TELEGRAM)

    with pytest.raises(ChatNotFound):
        world.disown(customer, VIBER, telegram.binding_id)

    assert world.bound_to(TELEGRAM) == customer.customer_id


def test_a_chat_cannot_disown_itself(world: World, intruded: tuple[Customer, Binding]) -> None:
    customer, viber = intruded

    with pytest.raises(ChatNotFound):
        world.disown(customer, VIBER, viber.binding_id)

    assert world.bound_to(VIBER) == customer.customer_id


# ---------------------------------------------------------------- "My chats"
def test_the_list_shows_every_chat_in_binding_order_with_this_one_marked(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded

    shown = list_chats(
        ListChatsRequest(customer_id=customer.customer_id, chat_key=key(VIBER), language="be"),
        repository=world.customers,
    )

    assert [(i.messenger, i.this_chat) for i in shown.items] == [("Telegram", False), ("Viber", True)]
    assert shown.items[1].binding_id == viber.binding_id
    labels = [text("chats.other_chat", "be", messenger="Telegram"), text("chats.this_chat", "be", messenger="Viber")]
    assert [i.label for i in shown.items] == labels
    viber_line = text("chats.line", "be", chat=labels[1], when=minsk(T0 + timedelta(hours=1)))
    assert shown.items[1].line == viber_line
    assert shown.text == shown.items[0].line + "\n" + viber_line


def test_removing_another_chat_unbinds_it_and_forgets_its_session(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded

    removed = world.remove(customer, TELEGRAM, viber.binding_id, now=T0 + timedelta(days=2))

    assert removed.customer_id == customer.customer_id and removed.this_chat is False
    assert removed.messenger == "Viber"
    assert world.metrics == [("ChatRemoved", "Count", 1)]
    assert world.bound_to(VIBER) is None
    assert world.sessions.get(key(VIBER)) is None
    assert not world.proof_of(VIBER, customer)


def test_an_older_chat_may_remove_a_newer_one_at_once(world: World, intruded: tuple[Customer, Binding]) -> None:
    # The customer's Telegram chat is itself only minutes old: what counts is that it came first.
    customer, viber = intruded

    world.remove(customer, TELEGRAM, viber.binding_id, now=T0 + timedelta(hours=1, minutes=1))

    assert world.bound_to(VIBER) is None


def test_a_chat_bound_less_than_a_day_ago_cannot_remove_an_older_one(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, _ = intruded
    telegram = next(b for b in world.customers.bindings(customer.customer_id) if b.identity == TELEGRAM)

    with pytest.raises(ChatTooNew):
        world.remove(customer, VIBER, telegram.binding_id, now=T0 + timedelta(hours=1, days=1) - timedelta(seconds=1))

    assert world.bound_to(TELEGRAM) == customer.customer_id


def test_a_day_after_its_binding_a_chat_may_remove_an_older_one(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, _ = intruded
    telegram = next(b for b in world.customers.bindings(customer.customer_id) if b.identity == TELEGRAM)

    world.remove(customer, VIBER, telegram.binding_id, now=T0 + timedelta(hours=1, days=1))

    assert world.bound_to(TELEGRAM) is None


def test_removing_this_chat_leaves_the_turn_to_drop_its_customer(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded

    removed = world.remove(customer, VIBER, viber.binding_id, now=T0 + timedelta(hours=1, minutes=5))

    assert removed.customer_id is None and removed.this_chat is True
    assert world.bound_to(VIBER) is None
    assert not world.proof_of(VIBER, customer)
    # The turn under way saves this chat's session without the customer: removing it here would
    # make that save fail and the removal run again.
    assert world.sessions.get(key(VIBER)) is not None


def test_removing_the_only_chat_keeps_the_customer_who_may_sign_in_again(world: World) -> None:
    customer = world.customer()
    only = world.customers.bindings(customer.customer_id)[0]

    world.remove(customer, TELEGRAM, only.binding_id, now=T0)

    assert world.customers.bindings(customer.customer_id) == []
    assert customer_by_id(customer.customer_id, repository=world.customers) == customer
    assert world.bind(customer, TELEGRAM, T0 + timedelta(days=1)).binding_id != only.binding_id
    assert world.outbox.sent == []  # nobody else to tell


def test_removing_a_binding_of_another_customer_is_not_found(world: World, intruded: tuple[Customer, Binding]) -> None:
    customer, _ = intruded
    other = find_or_create(
        NewCustomer(bank_customer_id="BANK-9", phone="+375297654321", language="ru", identity=OTHERS_TELEGRAM),
        repository=world.customers,
    ).customer
    theirs = world.customers.bindings(other.customer_id)[0]

    with pytest.raises(ChatNotFound):
        world.remove(customer, TELEGRAM, theirs.binding_id, now=T0 + timedelta(days=2))

    assert world.bound_to(OTHERS_TELEGRAM) == other.customer_id


def test_a_chat_bound_before_bindings_had_ids_is_listed_and_removable(world: World) -> None:
    customer = world.customer()
    world.customers.table.update_item(
        Key={"pk": f"CUSTOMER#{customer.customer_id}", "sk": f"IDENTITY#{TELEGRAM.key}"},
        UpdateExpression="REMOVE binding_id, bound_at",
    )
    viber = world.bind(customer, VIBER, T0 + timedelta(days=30))
    legacy = next(b for b in world.customers.bindings(customer.customer_id) if b.identity == TELEGRAM)
    shown = list_chats(
        ListChatsRequest(customer_id=customer.customer_id, chat_key=key(VIBER), language="ru"),
        repository=world.customers,
    )
    assert (shown.items[0].messenger, shown.items[0].bound) == ("Telegram", text("chats.long_ago", "ru"))
    with pytest.raises(ChatNotFound):  # bound before times were kept: older than any announced chat
        world.disown(customer, VIBER, legacy.binding_id)

    world.disown(customer, TELEGRAM, viber.binding_id)  # the older chat (no time kept) may disown a new one
    world.remove(customer, TELEGRAM, legacy.binding_id, now=T0 + timedelta(days=30))

    assert legacy.bound_at is None and legacy.binding_id.startswith("b_")
    assert world.customers.bindings(customer.customer_id) == []


def test_a_single_press_pages_on_the_metric_the_code_emits() -> None:
    from tests.support.aws import template_resources

    alarm = template_resources()["ThisWasntMeAlarm"]["Properties"]
    source = Path(bindings.__file__).read_text(encoding="utf-8")

    assert 'add_metric(name="ThisWasntMe"' in source
    assert (alarm["MetricName"], alarm["Statistic"], alarm["Threshold"]) == ("ThisWasntMe", "Sum", 0)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "OpsAlarmTopic"}]


def test_binding_ids_carry_no_digits_a_scan_could_read_as_a_card_number(world: World) -> None:
    customer = world.customer()
    ids = [
        world.bind(customer, ChannelIdentity(channel="viber", user_id=f"v{n}", chat_id=f"v{n}"), T0).binding_id
        for n in range(50)
    ]
    ids += [legacy_binding_id(customer.customer_id, f"telegram#{n}") for n in range(50)]

    assert all(not any(ch.isdigit() for ch in found) and len(found) == 22 for found in ids)


def test_two_chats_bound_at_the_same_moment_cannot_disown_each_other(world: World) -> None:
    customer = world.customer()
    viber = world.bind(customer, VIBER, T0)
    whatsapp = world.bind(customer, WHATSAPP, T0)

    with pytest.raises(ChatNotFound):
        world.disown(customer, WHATSAPP, viber.binding_id)

    assert world.bound_to(VIBER) == customer.customer_id and whatsapp.bound_at == viber.bound_at


def test_a_chat_no_longer_bound_cannot_remove_the_customers_chats(
    world: World, intruded: tuple[Customer, Binding]
) -> None:
    customer, viber = intruded

    with pytest.raises(ChatTooNew):
        world.remove(customer, OTHERS_TELEGRAM, viber.binding_id, now=T0 + timedelta(days=2))

    assert world.bound_to(VIBER) == customer.customer_id


def test_without_a_clock_given_the_hold_is_counted_from_now(world: World, intruded: tuple[Customer, Binding]) -> None:
    customer, _ = intruded
    telegram = next(b for b in world.customers.bindings(customer.customer_id) if b.identity == TELEGRAM)
    request = RemoveChatRequest(
        customer_id=customer.customer_id, chat_key=key(VIBER), binding_id=telegram.binding_id, language="ru"
    )

    with pytest.raises(ChatTooNew):
        remove_chat(request, repository=world.customers, forget_session=world.sessions.forget)
