"""The card network: purchases at merchants as a card scheme sends them to the bank that issued the card.

``POST /network/purchases`` authorizes and clears a purchase in one step (a sandbox has no batch
clearing): a ledger operation of kind ``purchase`` from the card's account to the merchants' settlement
account (``BANK-MERCHANTS``), exactly two postings summing to zero, with the MCC, the merchant and the
partner (when the merchant is one of the bank's partners) in its meta and its reference
(``purchase mcc=<MCC> [partner=<id>]``, what the bank's cashback reads in the history). It is declined,
with the reason as the error code, when the card is blocked (``card_blocked``), the currency is not the
card's (``currency_mismatch``) or the ledger's funds and limits check refuses (``insufficient_funds``,
``limit_exceeded``). ``POST /network/purchases/{id}/refund`` gives a cleared purchase back, whole or in
part. Both are idempotent like core banking's calls (``Idempotency-Key``).

Core banking then tells the bank's side: each cleared, declined or refunded purchase is POSTed as an event
to the events URL (``PUT /admin/network/events-url``, or ``SandboxConfig.network_events_url``; the local
cloud points it at ``/internal/card-events``) with a bearer token of the realm's ``core-banking`` client
(issued in-process: the sandbox is the realm), retried 3 times until a 2xx. Every event is also kept in
``CardNetwork.events``, newest last, whether or not a URL is set. A replayed request sends nothing again.

Authorization and clearing apart, as card schemes run most purchases: ``POST /network/authorizations``
(the purchase's body) passes the same checks and holds the amount on the account (the ledger's ``holds``:
a reservation, no posting); ``POST /network/authorizations/{id}/clearing`` ``{amount_minor}`` releases
the hold and posts the purchase for the cleared amount, which may be less (a fuel station) or up to
``clearing_tolerance_percent`` more (a tip); ``POST /network/authorizations/{id}/reversal`` releases it,
and so does its expiry (``authorization_hold_seconds``; marked and told on the network's next call). An
authorization is cleared or released once: what a network refuses is refused here with its reason.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
from flask import Flask, Response, jsonify, request

from local.sandbox.common import ApiError, body_json, make_app
from local.sandbox.faults import FaultInjector
from local.sandbox.keycloak import TokenIssuer
from local.sandbox.ledger import MERCHANT_SETTLEMENT, Bank, Stored, iso, mask_pan, new_id, now
from local.sandbox.partners import NAMES

# The realm's client whose tokens carry the role the bank's internal events route needs.
EVENTS_CLIENT = "core-banking"
CURRENCY = re.compile(r"^[A-Z]{3}$")
MCC = re.compile(r"^\d{4}$")
MAX_MERCHANT = 60
# Where the card is used, as the terminal's entry mode says: at a terminal or online (card not present).
CHANNELS = ("pos", "online")
# Cash disbursement MCCs (a cash desk, an ATM): they count against the card's cash limit.
CASH_MCCS = frozenset({"6010", "6011"})
DELIVERY_ATTEMPTS = 3
# The bank's first event meets its function cold.
DELIVERY_TIMEOUT_S = 30.0


def _letters(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def partner_of(merchant: str) -> str | None:
    """The partner a merchant is (its name starts with the partner's: "Burger King Nemiga" is burgerking)."""
    letters = _letters(merchant)
    return next((partner for partner, name in NAMES.items() if letters.startswith(_letters(name))), None)


def purchase_reference(mcc: str, partner: str | None) -> str:
    return f"purchase mcc={mcc}" + (f" partner={partner}" if partner else "")


def purchase_request(body: dict[str, Any]) -> dict[str, Any]:
    """The purchase fields, checked; a 400 for a request no terminal would send."""
    amount = body.get("amount_minor")
    card_id, currency, mcc = (str(body.get(name, "")) for name in ("card_id", "currency", "mcc"))
    merchant = str(body.get("merchant", "")).strip()
    channel = body.get("channel", "pos")
    if (
        channel not in CHANNELS
        or not card_id
        or not isinstance(amount, int)
        or isinstance(amount, bool)
        or amount <= 0
        or not CURRENCY.match(currency)
        or not MCC.match(mcc)
        or not 1 <= len(merchant) <= MAX_MERCHANT
    ):
        raise ApiError(
            400,
            "invalid_request",
            "card_id, amount_minor (a positive integer of minor units), currency (ISO 4217), mcc (4 digits) "
            f"and merchant (1-{MAX_MERCHANT} characters) are required; channel, when given, is one of "
            f"{', '.join(CHANNELS)}",
        )
    return {
        "card_id": card_id,
        "amount_minor": amount,
        "currency": currency,
        "mcc": mcc,
        "merchant": merchant,
        "channel": channel,
    }


def card_limit_of(mcc: str, channel: str) -> str:
    """Which of the card's daily limits a purchase counts against: cash, online, or purchases."""
    if mcc in CASH_MCCS:
        return "cash"
    return "online" if channel == "online" else "purchases"


def _purchase_of(hold: Any) -> dict[str, Any]:
    """An authorization's purchase, as its terminal sent it (and the partner the merchant is)."""
    return {
        "card_id": hold["card_id"],
        "amount_minor": hold["amount"],
        "currency": hold["currency"],
        "mcc": hold["mcc"],
        "merchant": hold["merchant"],
        "channel": hold["channel"],
        "partner": hold["partner"],
    }


class CardNetwork:
    """Purchases and refunds on the bank's cards, and the events core banking pushes about them."""

    def __init__(self, bank: Bank, issuer: TokenIssuer) -> None:
        self.bank = bank
        self.issuer = issuer
        self.events_url_override: str | None = None
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def events_url(self) -> str | None:
        return self.events_url_override or self.bank.config.network_events_url

    def cards(self) -> list[dict[str, Any]]:
        rows = self.bank.read().execute("SELECT id, pan, customer_id FROM cards ORDER BY created_at, id")
        return [{"card_id": r["id"], "masked": mask_pan(r["pan"]), "customer": r["customer_id"]} for r in rows]

    # --- purchases -----------------------------------------------------------------------------------
    def _authorized_card(self, db: Any, purchase: dict[str, Any]) -> Any:
        """The card, when the purchase may take its amount from it now; else the decline."""
        card = db.execute("SELECT * FROM cards WHERE id = ?", (purchase["card_id"],)).fetchone()
        if card is None:
            raise ApiError(404, "card_not_found", "no such card")
        if card["status"] != "active":
            raise ApiError(422, "card_blocked", "the card is blocked")
        if self.bank.account(card["account_id"], db)["currency"] != purchase["currency"]:
            raise ApiError(422, "currency_mismatch", "the purchase is not in the card's currency")
        self._check_card_limit(db, card, purchase)
        self.bank.check_debit(db, card["account_id"], int(purchase["amount_minor"]))
        return card

    def _check_card_limit(self, db: Any, card: Any, purchase: dict[str, Any]) -> None:
        """The card's own daily limit of the purchase's kind (the customer sets it in the chat): what the
        card cleared today of that kind and what its authorizations of that kind still hold, plus this one."""
        kind = card_limit_of(purchase["mcc"], purchase["channel"])
        limit = self.bank.card_limits(card["id"], db)[kind]
        if self._card_used_today(db, card, kind) + int(purchase["amount_minor"]) > limit:
            raise ApiError(422, "limit_exceeded", f"the card's daily {kind} limit would be exceeded", limit=kind)

    def _card_used_today(self, db: Any, card: Any, kind: str) -> int:
        start = iso(now().replace(hour=0, minute=0, second=0, microsecond=0))
        cleared = db.execute(
            "SELECT o.meta, -p.amount AS amount FROM postings p JOIN operations o ON o.id = p.operation_id "
            "WHERE p.account_id = ? AND p.amount < 0 AND p.created_at >= ? AND o.kind = 'purchase'",
            (card["account_id"], start),
        ).fetchall()
        held = db.execute(
            "SELECT mcc, channel, amount FROM holds WHERE card_id = ? AND status = 'held' AND created_at >= ?",
            (card["id"], start),
        ).fetchall()
        used = 0
        for row in cleared:
            meta = json.loads(row["meta"])
            if meta.get("card_id") == card["id"] and card_limit_of(meta["mcc"], meta.get("channel", "pos")) == kind:
                used += int(row["amount"])
        return used + sum(int(h["amount"]) for h in held if card_limit_of(h["mcc"], h["channel"]) == kind)

    def purchase(self, purchase: dict[str, Any], key: str) -> tuple[Stored, bool]:
        """Authorize and clear; the answer and whether it was a replay."""
        bank = self.bank
        amount = int(purchase["amount_minor"])
        partner = partner_of(purchase["merchant"])
        self.expire_authorizations()

        def work(db: Any) -> dict[str, Any]:
            card = self._authorized_card(db, purchase)
            meta = {
                "mcc": purchase["mcc"],
                "merchant": purchase["merchant"],
                "channel": purchase["channel"],
                "partner": partner,
                "card_id": card["id"],
                "counterparty": purchase["merchant"],
            }
            operation = bank.post(
                db,
                "purchase",
                [(card["account_id"], -amount), (MERCHANT_SETTLEMENT, amount)],
                amount,
                reference=purchase_reference(purchase["mcc"], partner),
                meta=meta,
            )
            return {
                "purchase_id": operation["operation_id"],
                "status": "cleared",
                **purchase,
                "partner": partner,
                "available_minor": bank.available_to_spend(card["account_id"], db),
                "created_at": operation["created_at"],
            }

        stored, replayed = self._once("purchase", key, purchase, work)
        if not replayed:
            self._announce_purchase(purchase, partner, stored)
        return stored, replayed

    def _announce_purchase(self, purchase: dict[str, Any], partner: str | None, stored: Stored) -> None:
        if stored.status == 200:
            body = stored.body
            self._push(
                {
                    "event_id": f"evt_{body['purchase_id']}",
                    "kind": "purchase_cleared",
                    "purchase_id": body["purchase_id"],
                    **purchase,
                    "partner": partner,
                    "available_minor": body["available_minor"],
                    "occurred_at": body["created_at"],
                }
            )
            return
        self._announce_decline(purchase, partner, stored)

    def _announce_decline(self, purchase: dict[str, Any], partner: str | None, stored: Stored) -> None:
        reason = stored.body["error"]["code"]
        if reason == "card_not_found":  # no card of ours: there is nobody to tell
            return
        account_id = self.bank.card(purchase["card_id"])["account_id"]
        self._push(
            {
                "event_id": new_id("evt"),
                "kind": "purchase_declined",
                "purchase_id": None,
                **purchase,
                "partner": partner,
                "reason": reason,
                "available_minor": self.bank.available_to_spend(account_id),
                "occurred_at": iso(now()),
            }
        )

    def refund(self, purchase_id: str, body: dict[str, Any], key: str) -> tuple[Stored, bool]:
        """Give a cleared purchase back to its card, whole (no ``amount_minor``) or in part."""
        bank = self.bank

        def work(db: Any) -> dict[str, Any]:
            row = db.execute("SELECT * FROM operations WHERE id = ?", (purchase_id,)).fetchone()
            if row is None or row["kind"] != "purchase":
                raise ApiError(404, "purchase_not_found", "no such purchase")
            remaining = int(row["amount"]) - bank.settled(db, purchase_id)
            amount = body.get("amount_minor", remaining)
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0 or amount > remaining:
                raise ApiError(422, "already_refunded", "nothing (or less) is left of this purchase to refund")
            account_id = db.execute(
                "SELECT account_id FROM postings WHERE operation_id = ? AND amount < 0", (purchase_id,)
            ).fetchone()["account_id"]
            operation = bank.post(
                db,
                "refund",
                [(MERCHANT_SETTLEMENT, -amount), (account_id, amount)],
                amount,
                debit_id=purchase_id,
                reference=row["reference"],
                meta=json.loads(row["meta"]),
            )
            return {
                "refund_id": operation["operation_id"],
                "purchase_id": purchase_id,
                "status": "refunded",
                "amount_minor": amount,
                "currency": row["currency"],
                "available_minor": bank.available_to_spend(account_id, db),
                "created_at": operation["created_at"],
            }

        stored, replayed = self._once("purchase-refund", key, {"purchase_id": purchase_id, **body}, work)
        if not replayed and stored.status == 200:
            answer = stored.body
            meta = json.loads(bank.operation(bank.read(), purchase_id)["meta"])
            self._push(
                {
                    "event_id": f"evt_{answer['refund_id']}",
                    "kind": "purchase_refunded",
                    "purchase_id": purchase_id,
                    "card_id": meta["card_id"],
                    "amount_minor": answer["amount_minor"],
                    "currency": answer["currency"],
                    "mcc": meta["mcc"],
                    "merchant": meta["merchant"],
                    "partner": meta["partner"],
                    "available_minor": answer["available_minor"],
                    "occurred_at": answer["created_at"],
                }
            )
        return stored, replayed

    # --- authorizations, cleared or released later ----------------------------------------------------
    def authorize(self, purchase: dict[str, Any], key: str) -> tuple[Stored, bool]:
        """Hold the purchase's amount on the card's account (no posting); declined as ``purchase`` declines."""
        bank = self.bank
        partner = partner_of(purchase["merchant"])
        self.expire_authorizations()

        def work(db: Any) -> dict[str, Any]:
            card = self._authorized_card(db, purchase)
            authorization_id, moment = new_id("auth"), now()
            expires_at = iso(moment + timedelta(seconds=bank.config.authorization_hold_seconds))
            db.execute(
                "INSERT INTO holds (id, account_id, card_id, amount, currency, mcc, merchant, channel, partner, "
                "status, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,'held',?,?)",
                (
                    authorization_id,
                    card["account_id"],
                    card["id"],
                    purchase["amount_minor"],
                    purchase["currency"],
                    purchase["mcc"],
                    purchase["merchant"],
                    purchase["channel"],
                    partner,
                    iso(moment),
                    expires_at,
                ),
            )
            return {
                "authorization_id": authorization_id,
                "status": "held",
                **purchase,
                "partner": partner,
                "available_minor": bank.available_to_spend(card["account_id"], db),
                "created_at": iso(moment),
                "expires_at": expires_at,
            }

        stored, replayed = self._once("authorization", key, purchase, work)
        if replayed:
            return stored, replayed
        if stored.status != 200:
            self._announce_decline(purchase, partner, stored)
            return stored, replayed
        body = stored.body
        self._push(
            {
                "event_id": f"evt_{body['authorization_id']}",
                "kind": "authorization_held",
                "authorization_id": body["authorization_id"],
                "purchase_id": None,
                **purchase,
                "partner": partner,
                "available_minor": body["available_minor"],
                "occurred_at": body["created_at"],
            }
        )
        return stored, replayed

    def _held(self, db: Any, authorization_id: str) -> Any:
        """The authorization, while it still holds its money; else what a network answers."""
        row = db.execute("SELECT * FROM holds WHERE id = ?", (authorization_id,)).fetchone()
        if row is None:
            raise ApiError(404, "authorization_not_found", "no such authorization")
        if row["status"] == "cleared":
            raise ApiError(422, "already_cleared", "the authorization is cleared already")
        if row["status"] == "reversed":
            raise ApiError(422, "authorization_reversed", "the authorization was reversed")
        if row["status"] == "expired" or row["expires_at"] <= iso(now()):
            raise ApiError(422, "authorization_expired", "the authorization expired and its hold is released")
        return row

    def clear(self, authorization_id: str, body: dict[str, Any], key: str) -> tuple[Stored, bool]:
        """Post the authorized purchase for the cleared amount and release its hold, in one transaction."""
        bank = self.bank
        amount = body.get("amount_minor")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ApiError(400, "invalid_request", "amount_minor (a positive integer of minor units) is required")
        self.expire_authorizations()

        def work(db: Any) -> dict[str, Any]:
            hold = self._held(db, authorization_id)
            most = hold["amount"] * (100 + bank.config.clearing_tolerance_percent) // 100
            if amount > most:
                raise ApiError(
                    422,
                    "clearing_above_authorized",
                    f"a clearing may exceed its authorization by {bank.config.clearing_tolerance_percent} % at most",
                    most_minor=most,
                )
            db.execute(
                "UPDATE holds SET status = 'cleared', released_at = ? WHERE id = ?", (iso(now()), authorization_id)
            )
            # The hold is released in this transaction: only what exceeds it needs money beside it.
            bank.check_funds(db, hold["account_id"], amount)
            meta = {
                "mcc": hold["mcc"],
                "merchant": hold["merchant"],
                "channel": hold["channel"],
                "partner": hold["partner"],
                "card_id": hold["card_id"],
                "counterparty": hold["merchant"],
                "authorization_id": authorization_id,
            }
            operation = bank.post(
                db,
                "purchase",
                [(hold["account_id"], -amount), (MERCHANT_SETTLEMENT, amount)],
                amount,
                reference=purchase_reference(hold["mcc"], hold["partner"]),
                meta=meta,
            )
            db.execute("UPDATE holds SET operation_id = ? WHERE id = ?", (operation["operation_id"], authorization_id))
            return {
                "purchase_id": operation["operation_id"],
                "authorization_id": authorization_id,
                "status": "cleared",
                "authorized_minor": hold["amount"],
                **_purchase_of(hold),
                "amount_minor": amount,
                "available_minor": bank.available_to_spend(hold["account_id"], db),
                "created_at": operation["created_at"],
            }

        stored, replayed = self._once("clearing", key, {"authorization_id": authorization_id, **body}, work)
        if not replayed and stored.status == 200:
            answer = stored.body
            self._push(
                {
                    "event_id": f"evt_{answer['purchase_id']}",
                    "kind": "purchase_cleared",
                    "purchase_id": answer["purchase_id"],
                    "authorization_id": authorization_id,
                    **{
                        name: answer[name]
                        for name in ("card_id", "amount_minor", "currency", "mcc", "merchant", "channel")
                    },
                    "partner": answer["partner"],
                    "authorized_minor": answer["authorized_minor"],
                    "available_minor": answer["available_minor"],
                    "occurred_at": answer["created_at"],
                }
            )
        return stored, replayed

    def reverse(self, authorization_id: str, key: str) -> tuple[Stored, bool]:
        """Release the whole hold (the merchant cancels the purchase before clearing it)."""
        bank = self.bank
        self.expire_authorizations()

        def work(db: Any) -> dict[str, Any]:
            hold = self._held(db, authorization_id)
            released_at = iso(now())
            db.execute(
                "UPDATE holds SET status = 'reversed', released_at = ? WHERE id = ?", (released_at, authorization_id)
            )
            return {
                "authorization_id": authorization_id,
                "status": "reversed",
                **_purchase_of(hold),
                "available_minor": bank.available_to_spend(hold["account_id"], db),
                "released_at": released_at,
            }

        stored, replayed = self._once("reversal", key, {"authorization_id": authorization_id}, work)
        if not replayed and stored.status == 200:
            answer = stored.body
            self._announce_release(answer, "reversed", answer["available_minor"], answer["released_at"])
        return stored, replayed

    def expire_authorizations(self) -> list[str]:
        """Mark the authorizations past their expiry (their holds count for nothing already) and tell the bank
        that each is released; the ids marked."""
        bank = self.bank
        due = "SELECT 1 FROM holds WHERE status = 'held' AND expires_at <= ? LIMIT 1"
        if bank.read().execute(due, (iso(now()),)).fetchone() is None:  # the usual case: no write needed
            return []
        with bank.write() as db:
            moment = iso(now())
            rows = db.execute(
                "SELECT * FROM holds WHERE status = 'held' AND expires_at <= ? ORDER BY expires_at", (moment,)
            ).fetchall()
            for row in rows:
                db.execute("UPDATE holds SET status = 'expired', released_at = ? WHERE id = ?", (moment, row["id"]))
        for row in rows:
            answer = {"authorization_id": row["id"], **_purchase_of(row)}
            self._announce_release(answer, "expired", bank.available_to_spend(row["account_id"]), moment)
        return [row["id"] for row in rows]

    def authorization(self, authorization_id: str) -> dict[str, Any]:
        self.expire_authorizations()
        row = self.bank.read().execute("SELECT * FROM holds WHERE id = ?", (authorization_id,)).fetchone()
        if row is None:
            raise ApiError(404, "authorization_not_found", "no such authorization")
        return {
            "authorization_id": row["id"],
            "status": row["status"],
            **_purchase_of(row),
            "created_at": row["created_at"],
            "expires_at": row["expires_at"],
            "released_at": row["released_at"],
            "purchase_id": row["operation_id"],
        }

    def _announce_release(self, answer: dict[str, Any], reason: str, available: int, at: str) -> None:
        self._push(
            {
                "event_id": f"evt_{answer['authorization_id']}_released",
                "kind": "authorization_released",
                "authorization_id": answer["authorization_id"],
                "purchase_id": None,
                **{name: answer[name] for name in ("card_id", "amount_minor", "currency", "mcc", "merchant")},
                "partner": answer["partner"],
                "reason": reason,
                "available_minor": available,
                "occurred_at": at,
            }
        )

    def _once(
        self, scope: str, key: str, body: dict[str, Any], work: Callable[[Any], dict[str, Any]]
    ) -> tuple[Stored, bool]:
        before = (
            self.bank.read()
            .execute("SELECT 1 FROM idempotency WHERE scope = ? AND key = ?", (f"network:{scope}", key))
            .fetchone()
        )
        return self.bank.idempotent(f"network:{scope}", key, body, work), before is not None

    # --- events to the bank --------------------------------------------------------------------------
    def _push(self, event: dict[str, Any]) -> None:
        with self._lock:
            self.events.append(event)
        url = self.events_url
        if url:
            name = f"card-event-{event['event_id']}"
            threading.Thread(target=self.deliver, args=(url, event), daemon=True, name=name).start()

    def deliver(self, url: str, event: dict[str, Any]) -> bool:
        """POST the event until the bank answers 2xx, ``DELIVERY_ATTEMPTS`` times at most."""
        for attempt in range(DELIVERY_ATTEMPTS):
            token = self.issuer.issue(EVENTS_CLIENT, "profile email")["access_token"]
            try:
                answer = httpx.post(
                    url, json=event, headers={"Authorization": f"Bearer {token}"}, timeout=DELIVERY_TIMEOUT_S
                )
                if answer.is_success:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.5 * 2**attempt)
        return False


def _answer(stored: Stored, replayed: bool) -> Response:
    response = jsonify(stored.body)
    response.status_code = stored.status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def create_app(network: CardNetwork, faults: FaultInjector) -> Flask:
    """The network's REST face; no credentials (127.0.0.1 only), as it stands for the merchants' terminals."""
    app = make_app("network", faults)

    def idempotency_key() -> str:
        return request.headers.get("Idempotency-Key", "")

    @app.get("/network/cards")
    def list_network_cards() -> Response:
        return jsonify({"cards": network.cards()})

    @app.post("/network/purchases")
    def purchase() -> Response:
        return _answer(*network.purchase(purchase_request(body_json()), idempotency_key()))

    @app.post("/network/authorizations")
    def authorize() -> Response:
        return _answer(*network.authorize(purchase_request(body_json()), idempotency_key()))

    @app.get("/network/authorizations/<authorization_id>")
    def get_authorization(authorization_id: str) -> Response:
        return jsonify(network.authorization(authorization_id))

    @app.post("/network/authorizations/<authorization_id>/clearing")
    def clear_authorization(authorization_id: str) -> Response:
        return _answer(*network.clear(authorization_id, body_json(), idempotency_key()))

    @app.post("/network/authorizations/<authorization_id>/reversal")
    def reverse_authorization(authorization_id: str) -> Response:
        return _answer(*network.reverse(authorization_id, idempotency_key()))

    @app.post("/network/purchases/<purchase_id>/refund")
    def refund_purchase(purchase_id: str) -> Response:
        data = request.get_json(silent=True)
        body = data if isinstance(data, dict) else {}
        return _answer(*network.refund(purchase_id, body, idempotency_key()))

    return app
