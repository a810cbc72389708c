"""Told when a bank system is back: recorded per chat and system, told once when the check finds the system
answering, never while it is still down, never twice (two checks racing), and the breaker closed by the probe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking.breaker import BreakerBoard, BreakerPolicy
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.outages.models import TellWhenBackRequest
from messenger_bank.outages.repository import WAIT_HOURS, SubscriptionsRepository
from messenger_bank.outages.service import check_systems, system_name, tell_when_back
from tests.support.aws import create_table

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
POLICY = BreakerPolicy(failures_to_open=2, window=60.0, cool_down=30.0)


class World:
    def __init__(self, customers: Any, breakers: Any) -> None:
        self.subscriptions = SubscriptionsRepository(customers)
        self.board = BreakerBoard(breakers, POLICY)
        self.up: set[str] = set()
        self.probed: list[str] = []
        self.told: list[NotifyRequest] = []

    def probe(self, system: str) -> bool:
        self.probed.append(system)
        return system in self.up

    def tell(self, request: NotifyRequest) -> Notified:
        self.told.append(request)
        return Notified(delivered=True, outcome="sent")

    def check(self, at: datetime) -> list[Any]:
        return check_systems(board=self.board, probe=self.probe, tell=self.tell, repository=self.subscriptions, now=at)

    def open_core(self, at: datetime) -> None:
        for _ in range(POLICY.failures_to_open):
            self.board.record_failure("core", at.timestamp())


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        client = boto3.client("dynamodb")
        dynamodb = boto3.resource("dynamodb")
        customers = dynamodb.Table(create_table(client, "CustomersTable"))
        breakers = dynamodb.Table(create_table(client, "BankBreakersTable"))
        yield World(customers, breakers)


def ask(world: World, chat_key: str = "telegram:1001", language: str = "ru") -> None:
    request = TellWhenBackRequest.model_validate({"chat_key": chat_key, "systems": ["core"], "language": language})
    tell_when_back(request, repository=world.subscriptions, now=NOW)


def test_a_chat_waiting_for_a_system_that_is_back_is_told_once_in_its_language(world: World) -> None:
    world.open_core(NOW)
    ask(world, language="en")
    world.up.add("core")
    world.check(NOW + timedelta(seconds=POLICY.cool_down))
    assert [(t.chat_key, t.message, t.language) for t in world.told] == [("telegram:1001", "outage.back", "en")]
    assert world.told[0].values == {"system": system_name("core", "en")}
    world.check(NOW + timedelta(seconds=POLICY.cool_down + 60))
    assert len(world.told) == 1  # the next check tells nobody again


def test_nobody_is_told_while_the_system_is_still_down(world: World) -> None:
    world.open_core(NOW)
    ask(world)
    checked = world.check(NOW + timedelta(seconds=POLICY.cool_down))
    assert world.told == []
    assert next(c for c in checked if c.system == "core").down
    assert world.board.read("core").status == "open"  # the probe's failure opened it again


def test_an_open_breaker_is_not_probed_before_its_cool_down(world: World) -> None:
    world.open_core(NOW)
    ask(world)
    world.up.add("core")
    world.check(NOW + timedelta(seconds=POLICY.cool_down - 1))
    assert (world.probed, world.told) == ([], [])


def test_the_probe_that_answers_closes_the_breaker(world: World) -> None:
    world.open_core(NOW)
    world.up.add("core")
    checked = world.check(NOW + timedelta(seconds=POLICY.cool_down))
    assert world.board.read("core").clean
    assert not next(c for c in checked if c.system == "core").down


def test_a_closed_breaker_with_a_chat_waiting_is_probed_and_tells_only_once_it_answers(world: World) -> None:
    ask(world)  # asked after a failure that did not open the breaker
    world.check(NOW)
    assert (world.probed, world.told) == (["core"], [])
    world.up.add("core")
    world.check(NOW + timedelta(minutes=1))
    assert [t.chat_key for t in world.told] == ["telegram:1001"]


def test_healthy_systems_nobody_waits_for_are_not_probed(world: World) -> None:
    world.check(NOW)
    assert world.probed == []


def test_of_two_checks_racing_only_the_one_that_takes_the_subscription_tells(world: World) -> None:
    ask(world)
    assert world.subscriptions.take("core", "telegram:1001") is True
    assert world.subscriptions.take("core", "telegram:1001") is False


def test_asking_twice_is_asking_once(world: World) -> None:
    ask(world)
    ask(world)
    assert world.subscriptions.waiting("core", NOW) == [("telegram:1001", "ru")]


def test_a_chat_that_asked_longer_ago_than_the_wait_is_not_told(world: World) -> None:
    ask(world)
    assert world.subscriptions.waiting("core", NOW + timedelta(hours=WAIT_HOURS)) == []
    assert world.subscriptions.waiting("core", NOW + timedelta(hours=WAIT_HOURS) - timedelta(seconds=1)) != []


def test_a_chat_is_told_only_about_the_systems_it_asked_for(world: World) -> None:
    request = TellWhenBackRequest.model_validate({"chat_key": "viber:abc", "systems": ["billing"], "language": "ru"})
    tell_when_back(request, repository=world.subscriptions, now=NOW)
    world.up.update({"core", "billing"})
    world.check(NOW)
    assert [(t.chat_key, t.values["system"]) for t in world.told] == [("viber:abc", system_name("billing", "ru"))]
