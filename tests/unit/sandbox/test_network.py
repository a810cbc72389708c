"""The sandbox's card network: a purchase clears as one double-entry operation, each decline reason comes
from a valid purchase with one thing changed, the calls are idempotent, and every outcome becomes an event
core banking pushes to the bank with a token of its realm client."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from local.sandbox.config import SandboxConfig
from local.sandbox.faults import FaultInjector
from local.sandbox.keycloak import TokenIssuer
from local.sandbox.ledger import EQUITY, MERCHANT_SETTLEMENT, Bank
from local.sandbox.network import CardNetwork, create_app, partner_of

CONFIG = SandboxConfig(limit_per_operation=100_000)
FUNDS = 5_000


class World:
    def __init__(self, tmp_path: Path, realm_key: Path, config: SandboxConfig = CONFIG) -> None:
        self.bank = Bank(tmp_path / "sandbox.db", config)
        self.issuer = TokenIssuer(realm_key, config)
        self.issuer.issuer_url = "http://127.0.0.1/realms/bank"
        self.network = CardNetwork(self.bank, self.issuer)
        self.http: FlaskClient = create_app(self.network, FaultInjector(seed=1)).test_client()
        with self.bank.write() as db:
            db.execute(
                "INSERT INTO customers (id, personal_number, document_number, first_name, last_name, birth_date, "
                "created_at) VALUES ('cus_buyer', '4170590A001PB1', 'MP1234567', 'Anna', 'Buyer', '1990-05-17', 'now')"
            )
            self.card = self.bank.issue_virtual_card(db, "cus_buyer", "visa-digital", "everything")
            self.bank.post(db, "bonus", [(EQUITY, -FUNDS), (self.card["account_id"], FUNDS)], FUNDS)
        self._keys = 0

    def valid(self, **changed: Any) -> dict[str, Any]:
        return {
            "card_id": self.card["id"],
            "amount_minor": 1_250,
            "currency": "BYN",
            "mcc": "5814",
            "merchant": "Burger King Nemiga",
            **changed,
        }

    def buy(self, body: dict[str, Any], key: str | None = None) -> Any:
        self._keys += 1
        return self.http.post("/network/purchases", json=body, headers={"Idempotency-Key": key or f"k{self._keys}"})

    def balance(self) -> int:
        return self.bank.balance(self.card["account_id"])


@pytest.fixture(scope="module")
def realm_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key for the module's cases (making one takes a while)."""
    path = tmp_path_factory.mktemp("realm") / "realm.pem"
    TokenIssuer(path, CONFIG)
    return path


@pytest.fixture
def world(tmp_path: Path, realm_key: Path) -> World:
    return World(tmp_path, realm_key)


def test_the_network_lists_issued_cards_masked_with_their_customer(world: World) -> None:
    listed = world.http.get("/network/cards").get_json()["cards"]
    ours = next(c for c in listed if c["card_id"] == world.card["id"])
    assert ours == {"card_id": world.card["id"], "masked": ours["masked"], "customer": "cus_buyer"}
    assert ours["masked"].startswith(world.card["pan"][:6]) and ours["masked"].endswith(world.card["pan"][-4:])
    assert world.card["pan"] not in json.dumps(listed)


def test_a_purchase_clears_as_two_postings_to_the_merchants_account(world: World) -> None:
    answer = world.buy(world.valid())

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["partner"], body["available_minor"]) == ("cleared", "burgerking", FUNDS - 1_250)
    postings = world.bank.read().execute(
        "SELECT account_id, amount FROM postings WHERE operation_id = ? ORDER BY amount", (body["purchase_id"],)
    )
    assert [tuple(p) for p in postings] == [(world.card["account_id"], -1_250), (MERCHANT_SETTLEMENT, 1_250)]
    operation = world.bank.operation(world.bank.read(), body["purchase_id"])
    assert operation["kind"] == "purchase"
    assert operation["reference"] == "purchase mcc=5814 partner=burgerking"
    assert json.loads(operation["meta"])["mcc"] == "5814"
    assert json.loads(operation["meta"])["merchant"] == "Burger King Nemiga"
    totals = world.bank.totals()
    assert (totals["total"], totals["unbalanced_operations"], totals["internal"][MERCHANT_SETTLEMENT]) == (0, 0, 1_250)


def test_a_merchant_that_is_no_partner_has_none() -> None:
    assert partner_of("Burger King") == "burgerking"
    assert partner_of("GRUSHOVKA market 12") == "grushovka"
    assert partner_of("Burger Queen") is None
    assert partner_of("Evroopt") is None


def test_the_cleared_purchase_is_an_event_for_the_bank(world: World) -> None:
    body = world.buy(world.valid()).get_json()

    assert world.network.events == [
        {
            "event_id": f"evt_{body['purchase_id']}",
            "kind": "purchase_cleared",
            "purchase_id": body["purchase_id"],
            "card_id": world.card["id"],
            "amount_minor": 1_250,
            "currency": "BYN",
            "mcc": "5814",
            "merchant": "Burger King Nemiga",
            "channel": "pos",
            "partner": "burgerking",
            "available_minor": FUNDS - 1_250,
            "occurred_at": body["created_at"],
        }
    ]


def _block(world: World) -> dict[str, Any]:
    world.bank.set_card_status(world.card["id"], "blocked")
    return world.valid()


def _over_the_limit(world: World) -> dict[str, Any]:
    """One kopeck above the per-operation limit, on a card that holds enough for it."""
    with world.bank.write() as db:
        world.bank.post(
            db,
            "bonus",
            [(EQUITY, -CONFIG.limit_per_operation), (world.card["account_id"], CONFIG.limit_per_operation)],
            CONFIG.limit_per_operation,
        )
    return world.valid(amount_minor=CONFIG.limit_per_operation + 1)


@pytest.mark.parametrize(
    ("defect", "body_of", "reason"),
    [
        ("more than the card holds", lambda w: w.valid(amount_minor=FUNDS + 1), "insufficient_funds"),
        ("the card is blocked", _block, "card_blocked"),
        ("another currency than the card's", lambda w: w.valid(currency="USD"), "currency_mismatch"),
        ("above the per-operation limit", _over_the_limit, "limit_exceeded"),
    ],
)
def test_a_declined_purchase_moves_nothing_and_is_told_with_its_reason(
    world: World, defect: str, body_of: Any, reason: str
) -> None:
    body = body_of(world)
    before = world.balance()
    answer = world.buy(body)

    assert answer.status_code == 422, defect
    assert answer.get_json()["error"]["code"] == reason
    assert world.balance() == before
    assert world.bank.totals()["internal"][MERCHANT_SETTLEMENT] == 0
    (event,) = world.network.events
    assert (event["kind"], event["reason"], event["amount_minor"], event["available_minor"]) == (
        "purchase_declined",
        reason,
        body["amount_minor"],
        before,
    )


def test_the_whole_balance_can_be_spent(world: World) -> None:
    """The other side of insufficient_funds: exactly what the card holds clears."""
    assert world.buy(world.valid(amount_minor=FUNDS)).status_code == 200
    assert world.balance() == 0


def test_an_unknown_card_is_refused_and_tells_nobody(world: World) -> None:
    answer = world.buy(world.valid(card_id="card_nobody"))

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "card_not_found")
    assert world.network.events == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount_minor", 0), ("amount_minor", "12.50"), ("mcc", "581"), ("currency", "byn"), ("merchant", "")],
)
def test_a_request_no_terminal_would_send_is_a_400(world: World, field: str, value: Any) -> None:
    answer = world.buy(world.valid(**{field: value}))

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (400, "invalid_request")
    assert world.network.events == []


def test_the_same_key_and_body_clear_once_and_tell_once(world: World) -> None:
    first = world.buy(world.valid(), key="pos-1")
    again = world.buy(world.valid(), key="pos-1")

    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert world.balance() == FUNDS - 1_250
    assert len(world.network.events) == 1


def test_a_decline_is_replayed_too(world: World) -> None:
    """A refusal stands for its key even when the same purchase would clear now (the card was topped up)."""
    first = world.buy(world.valid(amount_minor=FUNDS + 1), key="pos-2")
    with world.bank.write() as db:
        world.bank.post(db, "bonus", [(EQUITY, -1), (world.card["account_id"], 1)], 1)
    again = world.buy(world.valid(amount_minor=FUNDS + 1), key="pos-2")

    assert (again.status_code, again.get_json()) == (first.status_code, first.get_json())
    assert world.balance() == FUNDS + 1
    assert len(world.network.events) == 1


def test_the_same_key_with_another_purchase_is_a_conflict(world: World) -> None:
    world.buy(world.valid(), key="pos-3")
    answer = world.buy(world.valid(amount_minor=1_251), key="pos-3")

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (409, "idempotency_conflict")
    assert world.balance() == FUNDS - 1_250
    assert len(world.network.events) == 1


def refund(world: World, purchase_id: str, key: str, **body: Any) -> Any:
    return world.http.post(f"/network/purchases/{purchase_id}/refund", json=body, headers={"Idempotency-Key": key})


def test_a_refund_gives_the_purchase_back_and_is_an_event(world: World) -> None:
    purchase = world.buy(world.valid()).get_json()

    answer = refund(world, purchase["purchase_id"], "r1")

    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["amount_minor"], body["available_minor"]) == (1_250, FUNDS)
    assert world.balance() == FUNDS
    operation = world.bank.operation(world.bank.read(), body["refund_id"])
    assert (operation["kind"], operation["debit_id"], operation["reference"]) == (
        "refund",
        purchase["purchase_id"],
        "purchase mcc=5814 partner=burgerking",
    )
    event = world.network.events[-1]
    assert (event["kind"], event["event_id"], event["purchase_id"], event["amount_minor"], event["merchant"]) == (
        "purchase_refunded",
        f"evt_{body['refund_id']}",
        purchase["purchase_id"],
        1_250,
        "Burger King Nemiga",
    )
    assert world.bank.totals()["total"] == 0


def test_a_purchase_is_refunded_at_most_its_amount(world: World) -> None:
    purchase = world.buy(world.valid())
    purchase_id = purchase.get_json()["purchase_id"]

    assert refund(world, purchase_id, "r2", amount_minor=1_000).status_code == 200
    assert refund(world, purchase_id, "r3", amount_minor=250).status_code == 200
    answer = refund(world, purchase_id, "r4", amount_minor=1)

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (422, "already_refunded")
    assert world.balance() == FUNDS


def test_only_a_purchase_can_be_refunded(world: World) -> None:
    answer = refund(world, "op_nothing", "r5")
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "purchase_not_found")


@pytest.fixture
def bank_side() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in for the bank's internal API that records what it is sent."""
    received: list[dict[str, Any]] = []
    app = Flask("bank")

    @app.post("/internal/card-events")
    def card_events() -> tuple[str, int]:
        received.append({"authorization": request.headers.get("Authorization", ""), "event": request.get_json()})
        return "{}", 200

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/internal/card-events", received
    server.shutdown()
    thread.join()


def test_events_go_to_the_bank_with_a_token_carrying_the_events_role(
    world: World, bank_side: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = bank_side
    event = {"event_id": "evt_1", "kind": "purchase_cleared"}

    assert world.network.deliver(url, event) is True

    (delivery,) = received
    assert delivery["event"] == event
    scheme, _, token = delivery["authorization"].partition(" ")
    claims = world.issuer.verify(token, "core-banking")
    assert (scheme, claims["azp"]) == ("Bearer", "core-banking")
    assert claims["realm_access"]["roles"] == ["core-banking-events"]
