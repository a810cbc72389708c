"""The sandbox's card network, authorization and clearing apart: an authorization holds money without a
posting, its clearing posts the cleared amount (less, or a little more) and releases the hold, a reversal
or the expiry releases it; each refusal comes from a valid step with one thing changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.sandbox.common import ApiError
from local.sandbox.config import SandboxConfig
from local.sandbox.keycloak import TokenIssuer
from local.sandbox.ledger import EQUITY, MERCHANT_SETTLEMENT
from tests.unit.sandbox.test_network import CONFIG, FUNDS, World

HELD = 1_000


@pytest.fixture(scope="module")
def realm_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("realm") / "realm.pem"
    TokenIssuer(path, CONFIG)
    return path


@pytest.fixture
def world(tmp_path: Path, realm_key: Path) -> World:
    return World(tmp_path, realm_key)


def authorize(world: World, key: str | None = None, **changed: Any) -> Any:
    body = world.valid(**{"amount_minor": HELD, **changed})
    return world.http.post("/network/authorizations", json=body, headers={"Idempotency-Key": key or json.dumps(body)})


def held(world: World, **changed: Any) -> str:
    answer = authorize(world, **changed)
    assert answer.status_code == 200, answer.get_json()
    authorization_id: str = answer.get_json()["authorization_id"]
    return authorization_id


def clear(world: World, authorization_id: str, amount: int, key: str = "c1") -> Any:
    return world.http.post(
        f"/network/authorizations/{authorization_id}/clearing",
        json={"amount_minor": amount},
        headers={"Idempotency-Key": key},
    )


def reverse(world: World, authorization_id: str, key: str = "v1") -> Any:
    return world.http.post(f"/network/authorizations/{authorization_id}/reversal", headers={"Idempotency-Key": key})


def expire(world: World, authorization_id: str) -> None:
    """Its hold's time is up (as if the days had passed)."""
    with world.bank.write() as db:
        db.execute("UPDATE holds SET expires_at = '2000-01-01T00:00:00Z' WHERE id = ?", (authorization_id,))


def account(world: World) -> str:
    return str(world.card["account_id"])


def test_an_authorization_holds_the_amount_and_moves_no_money(world: World) -> None:
    operations = world.bank.totals()["operations"]

    answer = authorize(world)

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["partner"], body["available_minor"]) == ("held", "burgerking", FUNDS - HELD)
    assert world.balance() == FUNDS
    assert world.bank.holds(account(world)) == HELD
    totals = world.bank.totals()
    assert (totals["operations"], totals["total"], totals["holds"]) == (operations, 0, HELD)
    assert totals["internal"][MERCHANT_SETTLEMENT] == 0
    assert world.network.events == [
        {
            "event_id": f"evt_{body['authorization_id']}",
            "kind": "authorization_held",
            "authorization_id": body["authorization_id"],
            "purchase_id": None,
            "card_id": world.card["id"],
            "amount_minor": HELD,
            "currency": "BYN",
            "mcc": "5814",
            "merchant": "Burger King Nemiga",
            "channel": "pos",
            "partner": "burgerking",
            "available_minor": FUNDS - HELD,
            "occurred_at": body["created_at"],
        }
    ]


def test_an_authorization_the_available_money_covers_exactly_is_held(world: World) -> None:
    held(world, amount_minor=FUNDS - HELD)
    assert authorize(world).status_code == 200
    assert world.bank.available_to_spend(account(world)) == 0


def test_an_authorization_one_kopeck_above_what_is_available_after_the_holds_is_declined(world: World) -> None:
    held(world, amount_minor=FUNDS - HELD)

    answer = authorize(world, amount_minor=HELD + 1)

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "insufficient_funds")
    assert world.bank.holds(account(world)) == FUNDS - HELD
    event = world.network.events[-1]
    assert (event["kind"], event["reason"], event["available_minor"]) == (
        "purchase_declined",
        "insufficient_funds",
        HELD,
    )


def test_a_one_step_purchase_cannot_spend_what_an_authorization_holds(world: World) -> None:
    held(world, amount_minor=FUNDS - 100)

    answer = world.buy(world.valid(amount_minor=101))

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "insufficient_funds")
    assert world.balance() == FUNDS


def test_a_core_banking_debit_cannot_spend_what_an_authorization_holds(world: World) -> None:
    held(world, amount_minor=FUNDS - 100)
    with world.bank.write() as db:
        world.bank.check_debit(db, account(world), 100)  # what is left can be taken
        with pytest.raises(ApiError) as refused:
            world.bank.check_debit(db, account(world), 101)
    assert refused.value.code == "insufficient_funds"


def test_holds_count_against_the_day_s_limit(tmp_path: Path, realm_key: Path) -> None:
    world = World(tmp_path, realm_key, SandboxConfig(limit_per_operation=100_000, limit_per_day=FUNDS))
    with world.bank.write() as db:  # money enough: only the day's limit stands in the way
        world.bank.post(db, "bonus", [(EQUITY, -FUNDS), (account(world), FUNDS)], FUNDS)
    held(world, amount_minor=FUNDS - 100)

    answer = world.buy(world.valid(amount_minor=101))

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "limit_exceeded")
    assert world.buy(world.valid(amount_minor=100)).status_code == 200


def test_a_clearing_with_a_tip_posts_the_cleared_amount_and_releases_the_hold(world: World) -> None:
    authorization_id = held(world)

    answer = clear(world, authorization_id, 1_150)

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["amount_minor"], body["authorized_minor"]) == ("cleared", 1_150, HELD)
    assert (world.balance(), world.bank.holds(account(world))) == (FUNDS - 1_150, 0)
    assert body["available_minor"] == FUNDS - 1_150
    postings = world.bank.read().execute(
        "SELECT account_id, amount FROM postings WHERE operation_id = ? ORDER BY amount", (body["purchase_id"],)
    )
    assert [tuple(p) for p in postings] == [(account(world), -1_150), (MERCHANT_SETTLEMENT, 1_150)]
    operation = world.bank.operation(world.bank.read(), body["purchase_id"])
    assert (operation["kind"], operation["reference"]) == ("purchase", "purchase mcc=5814 partner=burgerking")
    assert json.loads(operation["meta"])["authorization_id"] == authorization_id
    event = world.network.events[-1]
    assert event == {
        "event_id": f"evt_{body['purchase_id']}",
        "kind": "purchase_cleared",
        "purchase_id": body["purchase_id"],
        "authorization_id": authorization_id,
        "card_id": world.card["id"],
        "amount_minor": 1_150,
        "currency": "BYN",
        "mcc": "5814",
        "merchant": "Burger King Nemiga",
        "channel": "pos",
        "partner": "burgerking",
        "authorized_minor": HELD,
        "available_minor": FUNDS - 1_150,
        "occurred_at": body["created_at"],
    }
    assert world.bank.totals()["total"] == 0


def test_a_fuel_station_clears_less_than_it_authorized(world: World) -> None:
    authorization_id = held(world, amount_minor=FUNDS, mcc="5541", merchant="A-100 fuel")

    assert clear(world, authorization_id, 3_210).status_code == 200

    assert (world.balance(), world.bank.available_to_spend(account(world))) == (FUNDS - 3_210, FUNDS - 3_210)


def test_a_clearing_may_exceed_its_authorization_by_the_tolerance_exactly(world: World) -> None:
    most = HELD * (100 + CONFIG.clearing_tolerance_percent) // 100
    assert clear(world, held(world), most).status_code == 200
    assert world.balance() == FUNDS - most


def test_a_clearing_one_kopeck_above_the_tolerance_is_refused_and_the_hold_stays(world: World) -> None:
    most = HELD * (100 + CONFIG.clearing_tolerance_percent) // 100
    authorization_id = held(world)

    answer = clear(world, authorization_id, most + 1)

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "clearing_above_authorized")
    assert answer.get_json()["error"]["most_minor"] == most
    assert (world.balance(), world.bank.holds(account(world))) == (FUNDS, HELD)


def test_a_clearing_whose_excess_the_account_cannot_cover_is_refused(world: World) -> None:
    """Within the tolerance, but the whole balance is held: only the hold's own money is there."""
    authorization_id = held(world, amount_minor=FUNDS)

    answer = clear(world, authorization_id, FUNDS + 1)

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "insufficient_funds")
    assert (world.balance(), world.bank.holds(account(world))) == (FUNDS, FUNDS)


def test_a_reversal_releases_the_hold_and_is_told(world: World) -> None:
    authorization_id = held(world)
    operations = world.bank.totals()["operations"]

    answer = reverse(world, authorization_id)

    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["status"], answer.get_json()["available_minor"]) == ("reversed", FUNDS)
    assert (world.balance(), world.bank.holds(account(world))) == (FUNDS, 0)
    assert world.bank.totals()["operations"] == operations
    event = world.network.events[-1]
    assert (event["kind"], event["event_id"], event["reason"], event["amount_minor"], event["available_minor"]) == (
        "authorization_released",
        f"evt_{authorization_id}_released",
        "reversed",
        HELD,
        FUNDS,
    )


def test_an_expired_authorization_holds_nothing_and_is_told_released_on_the_network_s_next_call(
    world: World,
) -> None:
    authorization_id = held(world)
    expire(world, authorization_id)

    assert world.bank.available_to_spend(account(world)) == FUNDS  # before the network marks it
    assert world.network.expire_authorizations() == [authorization_id]

    status = world.http.get(f"/network/authorizations/{authorization_id}").get_json()
    assert status["status"] == "expired"
    event = world.network.events[-1]
    assert (event["kind"], event["reason"], event["available_minor"]) == ("authorization_released", "expired", FUNDS)
    assert world.network.expire_authorizations() == []  # told once


def _cleared(world: World, authorization_id: str) -> None:
    assert clear(world, authorization_id, HELD, key="first").status_code == 200


def _reversed(world: World, authorization_id: str) -> None:
    assert reverse(world, authorization_id, key="first").status_code == 200


def _expired(world: World, authorization_id: str) -> None:
    expire(world, authorization_id)
    assert world.network.expire_authorizations() == [authorization_id]


@pytest.mark.parametrize(
    ("defect", "before", "step", "status", "code"),
    [
        ("clearing twice", _cleared, "clear", 422, "already_cleared"),
        ("clearing a reversed authorization", _reversed, "clear", 422, "authorization_reversed"),
        ("clearing an expired authorization", _expired, "clear", 422, "authorization_expired"),
        ("reversing a cleared authorization", _cleared, "reverse", 422, "already_cleared"),
        ("reversing twice", _reversed, "reverse", 422, "authorization_reversed"),
        ("reversing an expired authorization", _expired, "reverse", 422, "authorization_expired"),
    ],
)
def test_what_a_network_refuses_is_refused_and_moves_nothing(
    world: World, defect: str, before: Any, step: str, status: int, code: str
) -> None:
    authorization_id = held(world)
    before(world, authorization_id)
    balance, holds, events = world.balance(), world.bank.holds(account(world)), len(world.network.events)

    answer = (
        clear(world, authorization_id, HELD, key="second")
        if step == "clear"
        else reverse(world, authorization_id, key="second")
    )

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (status, code), defect
    assert (world.balance(), world.bank.holds(account(world)), len(world.network.events)) == (balance, holds, events)


@pytest.mark.parametrize("step", ["clear", "reverse", "get"])
def test_an_unknown_authorization_is_a_404(world: World, step: str) -> None:
    if step == "clear":
        answer = clear(world, "auth_nothing", HELD)
    elif step == "reverse":
        answer = reverse(world, "auth_nothing")
    else:
        answer = world.http.get("/network/authorizations/auth_nothing")
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "authorization_not_found")


@pytest.mark.parametrize("amount", [0, -5, "12.50", None])
def test_a_clearing_without_a_positive_amount_is_a_400(world: World, amount: Any) -> None:
    authorization_id = held(world)
    answer = world.http.post(
        f"/network/authorizations/{authorization_id}/clearing",
        json={"amount_minor": amount},
        headers={"Idempotency-Key": "c"},
    )
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "invalid_request")
    assert world.bank.holds(account(world)) == HELD


def test_the_same_clearing_key_and_body_clear_once_and_tell_once(world: World) -> None:
    authorization_id = held(world)
    first = clear(world, authorization_id, 900, key="k")
    again = clear(world, authorization_id, 900, key="k")

    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert world.balance() == FUNDS - 900
    assert [e["kind"] for e in world.network.events] == ["authorization_held", "purchase_cleared"]


def test_the_same_clearing_key_with_another_amount_is_a_conflict(world: World) -> None:
    authorization_id = held(world)
    clear(world, authorization_id, 900, key="k")

    answer = clear(world, authorization_id, 901, key="k")

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (409, "idempotency_conflict")
    assert world.balance() == FUNDS - 900


def test_a_replayed_authorization_holds_once(world: World) -> None:
    first = authorize(world, key="a")
    again = authorize(world, key="a")

    assert again.get_json() == first.get_json()
    assert world.bank.holds(account(world)) == HELD
    assert len(world.network.events) == 1


def test_a_cleared_authorization_can_be_refunded_as_a_purchase(world: World) -> None:
    purchase_id = clear(world, held(world), HELD).get_json()["purchase_id"]

    answer = world.http.post(f"/network/purchases/{purchase_id}/refund", json={}, headers={"Idempotency-Key": "r"})

    assert answer.status_code == 200, answer.get_json()
    assert world.balance() == FUNDS


def test_the_ledger_s_figures_show_holds_beside_the_totals(world: World) -> None:
    held(world)
    totals = world.bank.totals()
    assert (totals["holds"], totals["accounts_over_available"], totals["total"]) == (HELD, [], 0)
