"""The card's own daily limits (the customer sets them in the chat) are what the network enforces: purchases at
a terminal, online purchases and cash each against their own limit, counting what the card cleared today and
what its authorizations still hold. Each case changes one thing from a purchase that fits exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.sandbox.keycloak import TokenIssuer
from local.sandbox.ledger import EQUITY, MERCHANT_SETTLEMENT
from tests.unit.sandbox.test_network import CONFIG, World

LIMIT = 2_000
FUNDS = 50_000


@pytest.fixture(scope="module")
def realm_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("realm") / "realm.pem"
    TokenIssuer(path, CONFIG)
    return path


@pytest.fixture
def world(tmp_path: Path, realm_key: Path) -> World:
    world = World(tmp_path, realm_key)
    with world.bank.write() as db:
        world.bank.post(db, "bonus", [(EQUITY, -FUNDS), (world.card["account_id"], FUNDS)], FUNDS)
    for kind in ("purchases", "online", "cash"):
        world.bank.set_card_limit(world.card["id"], kind, LIMIT)
    return world


def authorize(world: World, key: str, **changed: Any) -> Any:
    return world.http.post("/network/authorizations", json=world.valid(**changed), headers={"Idempotency-Key": key})


def declined_for(answer: Any) -> tuple[int, str, str]:
    error = answer.get_json()["error"]
    return answer.status_code, error["code"], error.get("limit", "")


def test_purchases_up_to_the_limit_clear(world: World) -> None:
    assert world.buy(world.valid(amount_minor=LIMIT - 500)).status_code == 200
    assert world.buy(world.valid(amount_minor=500)).status_code == 200


def test_one_kopeck_above_the_days_purchases_is_declined_and_moves_nothing(world: World) -> None:
    world.buy(world.valid(amount_minor=LIMIT - 500))
    before = world.balance()

    answer = world.buy(world.valid(amount_minor=501))

    assert declined_for(answer) == (422, "limit_exceeded", "purchases")
    assert world.balance() == before
    assert world.bank.totals()["internal"][MERCHANT_SETTLEMENT] == LIMIT - 500
    assert (world.network.events[-1]["kind"], world.network.events[-1]["reason"]) == (
        "purchase_declined",
        "limit_exceeded",
    )


def test_the_limit_the_customer_raised_is_the_one_enforced(world: World) -> None:
    world.bank.set_card_limit(world.card["id"], "purchases", LIMIT + 1)
    assert world.buy(world.valid(amount_minor=LIMIT + 1)).status_code == 200


def test_a_held_authorization_counts_against_the_limit(world: World) -> None:
    assert authorize(world, "a1", amount_minor=LIMIT - 500).status_code == 200
    assert declined_for(world.buy(world.valid(amount_minor=501))) == (422, "limit_exceeded", "purchases")


def test_a_reversed_authorization_counts_no_more(world: World) -> None:
    authorization_id = authorize(world, "a1", amount_minor=LIMIT).get_json()["authorization_id"]
    world.http.post(f"/network/authorizations/{authorization_id}/reversal", headers={"Idempotency-Key": "r1"})
    assert world.buy(world.valid(amount_minor=LIMIT)).status_code == 200


def test_a_cleared_authorization_counts_once(world: World) -> None:
    authorization_id = authorize(world, "a1", amount_minor=1_000).get_json()["authorization_id"]
    clearing = world.http.post(
        f"/network/authorizations/{authorization_id}/clearing",
        json={"amount_minor": 1_000},
        headers={"Idempotency-Key": "c1"},
    )
    assert clearing.status_code == 200
    assert world.buy(world.valid(amount_minor=LIMIT - 1_000)).status_code == 200
    assert declined_for(world.buy(world.valid(amount_minor=1))) == (422, "limit_exceeded", "purchases")


def test_online_purchases_count_against_the_online_limit_only(world: World) -> None:
    world.buy(world.valid(amount_minor=LIMIT))  # the day's purchases at terminals are spent

    assert world.buy(world.valid(amount_minor=LIMIT, channel="online")).status_code == 200
    assert declined_for(world.buy(world.valid(amount_minor=1, channel="online"))) == (422, "limit_exceeded", "online")


def test_cash_counts_against_the_cash_limit_only(world: World) -> None:
    world.buy(world.valid(amount_minor=LIMIT))

    assert world.buy(world.valid(amount_minor=LIMIT, mcc="6011", merchant="ATM Nemiga")).status_code == 200
    answer = world.buy(world.valid(amount_minor=1, mcc="6010", merchant="Cash desk"))
    assert declined_for(answer) == (422, "limit_exceeded", "cash")


def test_the_channel_is_kept_with_the_purchase(world: World) -> None:
    body = world.buy(world.valid(channel="online")).get_json()
    operation = world.bank.operation(world.bank.read(), body["purchase_id"])
    assert json.loads(operation["meta"])["channel"] == "online"
    assert world.network.events[-1]["channel"] == "online"


def test_a_channel_no_terminal_sends_is_a_400(world: World) -> None:
    answer = world.buy(world.valid(channel="atm"))
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "invalid_request")


def test_the_bank_wide_limits_still_apply_above_the_cards(world: World) -> None:
    world.bank.set_card_limit(world.card["id"], "purchases", CONFIG.limit_per_operation + 1)
    answer = world.buy(world.valid(amount_minor=CONFIG.limit_per_operation + 1))
    assert declined_for(answer) == (422, "limit_exceeded", "per_operation")
