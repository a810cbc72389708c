"""The partner programs client on the wire: each partner asked with its own API key under its own base URL, each
call's path and body, which calls are repeated, and a malformed offer left out and counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from messenger_bank.banking.clients.partners import PartnersClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.errors import OperationRejected
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire, error, timeout

OFFER = {
    "offer_id": "tw-001", "partner": "twitch", "partner_name": "Twitch", "title": "Turbo -20%",
    "category": "streaming", "cashback_percent": 20, "valid_until": "2026-12-31",
}  # fmt: skip
ACTIVATION = {"activation_id": "act_1", "offer_id": "tw-001", "status": "active", "promo_code": "TURBO20"}
RULES = {"rules": [{"category": "streaming", "percent": 20, "max_per_month": 5_000}]}


def partners(**wires: Wire) -> PartnersClient:
    return PartnersClient(
        {
            name: RestClient(
                f"partner:{name}", f"https://partners.test/{name}", timeout=TIMEOUT, policy=POLICY,
                api_key=f"{name}-key", client=wire.client,
            )
            for name, wire in wires.items()
        }
    )  # fmt: skip


# (name, call, answer, method, path, body, what the caller gets back)
CALLS: list[tuple[str, Callable[[PartnersClient], Any], dict[str, Any], str, str, Any, Callable[[Any], bool]]] = [
    (
        "offers", lambda p: p.offers("twitch"), {"offers": [OFFER, OFFER | {"offer_id": "tw-002"}]},
        "GET", "/twitch/api/v1/offers", None, lambda r: [o.offer_id for o in r] == ["tw-001", "tw-002"],
    ),
    (
        "activate", lambda p: p.activate("twitch", "tw-001", "cust-ref-1"), ACTIVATION,
        "POST", "/twitch/api/v1/activations", {"offer_id": "tw-001", "customer_ref": "cust-ref-1"},
        lambda r: (r.activation_id, r.promo_code) == ("act_1", "TURBO20"),
    ),
    (
        "cashback_rules", lambda p: p.cashback_rules("twitch"), RULES,
        "GET", "/twitch/api/v1/cashback-rules", None,
        lambda r: [(x.category, x.percent, x.max_per_month) for x in r] == [("streaming", 20, 5_000)],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "answer", "method", "path", "body", "read"), CALLS, ids=[c[0] for c in CALLS])
def test_a_call_goes_to_the_partner_with_its_key_and_is_repeated_after_a_timeout(
    name: str, call: Callable[[PartnersClient], Any], answer: dict[str, Any], method: str, path: str, body: Any,
    read: Callable[[Any], bool],
) -> None:  # fmt: skip
    twitch, gamearena = Wire(timeout, httpx.Response(200, json=answer)), Wire()

    assert read(call(partners(twitch=twitch, gamearena=gamearena)))

    assert len(twitch.seen) == 2 and gamearena.seen == []
    request = twitch.seen[1]
    assert (request.method, request.url.host, request.url.path) == (method, "partners.test", path)
    assert request.headers["X-API-Key"] == "twitch-key"
    assert (twitch.body(1) if request.content else None) == body


@pytest.mark.parametrize("call", [lambda p: p.offers("grushovka"), lambda p: p.cashback_rules("grushovka")])
def test_a_list_missing_from_the_answer_is_empty(call: Callable[[PartnersClient], Any]) -> None:
    assert call(partners(grushovka=Wire(httpx.Response(200, json={})))) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.offers("burgerking"),
        lambda p: p.activate("burgerking", "bk-1", "c"),
        lambda p: p.cashback_rules("burgerking"),
        lambda p: p.picture("burgerking", "https://partners.test/burgerking/x.png"),
    ],
    ids=["offers", "activate", "cashback_rules", "picture"],
)
def test_a_partner_without_credentials_is_never_asked(call: Callable[[PartnersClient], Any]) -> None:
    twitch = Wire()

    with pytest.raises(OperationRejected):
        call(partners(twitch=twitch))
    assert twitch.seen == []


def test_an_unknown_offer_is_rejected() -> None:
    with pytest.raises(OperationRejected) as caught:
        partners(twitch=Wire(error(404, "offer_not_found"))).activate("twitch", "tw-999", "c")
    assert caught.value.details == {"system": "partner:twitch", "code": "offer_not_found", "status": 404}


def test_each_malformed_offer_left_out_is_counted(emitted_metrics: Callable[[], dict[str, tuple[str, float]]]) -> None:
    bad = OFFER | {"offer_id": "tw-002", "cashback_percent": 90}
    untitled = {k: v for k, v in OFFER.items() if k != "title"}
    wire = Wire(httpx.Response(200, json={"offers": [bad, OFFER, untitled]}))

    assert [o.offer_id for o in partners(twitch=wire).offers("twitch")] == ["tw-001"]
    assert emitted_metrics()["PartnerOfferMalformed"] == ("Count", 2.0)


def test_well_formed_offers_count_nothing(emitted_metrics: Callable[[], dict[str, tuple[str, float]]]) -> None:
    partners(twitch=Wire(httpx.Response(200, json={"offers": [OFFER]}))).offers("twitch")

    assert "PartnerOfferMalformed" not in emitted_metrics()
