"""Acquirer: top-up from another bank's card. REST/JSON with an API key, a payment page with a 3-D
Secure step, and a signed callback (HMAC-SHA256) to the payment's callback_url or a configured one.

Callback: POST JSON with headers ``X-Signature-Timestamp: <unix seconds>`` and
``X-Signature: sha256=<hex HMAC-SHA256(callback secret, "<timestamp>.<raw body>")>``; retried up to 3
times until a 2xx.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
from flask import Flask, Response, jsonify, redirect, request

from local.sandbox.common import ApiError, body_json, make_app, require_api_key
from local.sandbox.faults import FaultInjector
from local.sandbox.ledger import Bank, iso, luhn_valid, mask_pan, new_id, now

DECLINED_CARD = "4000000000000002"
PAGE_TTL = timedelta(minutes=15)
SCHEMA = """CREATE TABLE IF NOT EXISTS acquirer_payments (
  id TEXT PRIMARY KEY, data TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL)"""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


class Acquirer:
    def __init__(self, bank: Bank, base_url: Any) -> None:
        self.bank = bank
        self.base_url = base_url
        self.config = bank.config
        self.callback_url_override: str | None = None
        with bank.write() as db:
            db.execute(SCHEMA)

    def get(self, payment_id: str) -> dict[str, Any]:
        row = self.bank.read().execute("SELECT * FROM acquirer_payments WHERE id = ?", (payment_id,)).fetchone()
        if row is None:
            raise ApiError(404, "payment_not_found", "no such payment")
        data: dict[str, Any] = json.loads(row["data"])
        if data["status"] in ("created", "3ds_required") and data["expires_at"] < iso(now()):
            data = self.finish(payment_id, "expired", None)
        return data

    def public(self, data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != "callback_url"}

    def save(self, data: dict[str, Any]) -> None:
        with self.bank.write() as db:
            db.execute(
                "INSERT INTO acquirer_payments (id, data, status, created_at) VALUES (?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET data = excluded.data, status = excluded.status",
                (data["payment_id"], json.dumps(data), data["status"], data["created_at"]),
            )

    def finish(self, payment_id: str, status: str, pan: str | None) -> dict[str, Any]:
        row = self.bank.read().execute("SELECT data FROM acquirer_payments WHERE id = ?", (payment_id,)).fetchone()
        data: dict[str, Any] = json.loads(row["data"])
        if data["status"] in ("succeeded", "failed", "expired"):
            return data
        data.update(status=status, finished_at=iso(now()))
        if pan:
            data["masked_pan"] = mask_pan(pan)
        self.save(data)
        threading.Thread(target=self.deliver, args=(data,), daemon=True, name=f"callback-{payment_id}").start()
        return data

    def deliver(self, data: dict[str, Any]) -> None:
        url = data.get("callback_url") or self.callback_url_override or self.config.acquirer_callback_url
        if not url:
            return
        event = {"event_id": new_id("evt"), "type": f"payment.{data['status']}", "payment": self.public(data)}
        body = json.dumps(event, separators=(",", ":")).encode()
        for attempt in range(3):
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-Signature-Timestamp": stamp,
                "X-Signature": sign(self.config.acquirer_callback_secret, stamp, body),
            }
            try:
                if httpx.post(url, content=body, headers=headers, timeout=5.0).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5 * 2**attempt)


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{amount} {currency} &mdash; {description}</p>{content}</body></html>"""


def page(data: dict[str, Any], title: str, content: str) -> str:
    return PAGE.format(
        title=html.escape(title),
        amount=f"{data['amount'] / 100:.2f}",
        currency=html.escape(data["currency"]),
        description=html.escape(data.get("description") or ""),
        content=content,
    )


def create_app(bank: Bank, faults: FaultInjector, base_url: Any) -> tuple[Flask, Acquirer]:
    app = make_app("acquirer", faults)
    acquirer = Acquirer(bank, base_url)
    config = bank.config

    @app.post("/api/v1/payments")
    def create_payment() -> Response:
        require_api_key(config.acquirer_api_key)
        body = body_json()
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ApiError(400, "invalid_request", "amount is a positive integer of minor units")
        if not body.get("order_id"):
            raise ApiError(400, "invalid_request", "order_id is required")

        def work(_: Any) -> dict[str, Any]:
            payment_id = new_id("pay")
            created = now()
            return {
                "payment_id": payment_id,
                "order_id": str(body["order_id"]),
                "amount": amount,
                "currency": str(body.get("currency", config.currency)),
                "description": body.get("description"),
                "status": "created",
                "payment_url": f"{base_url()}/pay/{payment_id}",
                "callback_url": body.get("callback_url"),
                "return_url": body.get("return_url"),
                "created_at": iso(created),
                "expires_at": iso(created + PAGE_TTL),
            }

        stored = bank.idempotent("acquirer.payment", request.headers.get("Idempotency-Key", ""), body, work)
        if stored.status == 200:
            exists = (
                bank.read()
                .execute("SELECT 1 FROM acquirer_payments WHERE id = ?", (stored.body["payment_id"],))
                .fetchone()
            )
            if exists is None:
                acquirer.save(stored.body)
        response = jsonify(acquirer.public(acquirer.get(stored.body["payment_id"])))
        response.status_code = 201
        return response

    @app.get("/api/v1/payments/<payment_id>")
    def get_payment(payment_id: str) -> Response:
        require_api_key(config.acquirer_api_key)
        return jsonify(acquirer.public(acquirer.get(payment_id)))

    @app.post("/api/v1/payments/<payment_id>/simulate")
    def simulate(payment_id: str) -> Response:
        """Test mode: finish a payment as if the customer had used the page (succeeded/failed/abandoned)."""
        require_api_key(config.acquirer_api_key)
        outcome = str(body_json().get("outcome", "succeeded"))
        acquirer.get(payment_id)
        status = {"succeeded": "succeeded", "failed": "failed", "abandoned": "expired"}.get(outcome)
        if status is None:
            raise ApiError(400, "invalid_request", "outcome is succeeded, failed or abandoned")
        return jsonify(acquirer.public(acquirer.finish(payment_id, status, "4111111111111111")))

    @app.route("/pay/<payment_id>", methods=["GET", "POST"])
    def payment_page(payment_id: str) -> Response | str:
        data = acquirer.get(payment_id)
        if data["status"] != "created":
            return page(data, "Payment " + data["status"], "<p>This payment link is no longer active.</p>")
        if request.method == "GET":
            return page(
                data,
                "Top up your card",
                f'<form method="post" action="/pay/{html.escape(payment_id)}">'
                '<label>Card number <input name="pan" inputmode="numeric" autocomplete="cc-number"></label>'
                '<label>Expiry <input name="expiry" placeholder="MM/YY"></label>'
                '<label>CVV <input name="cvv" type="password" inputmode="numeric"></label>'
                '<button type="submit">Pay</button></form>',
            )
        pan = request.form.get("pan", "").replace(" ", "")
        if not luhn_valid(pan) or len(request.form.get("cvv", "")) != 3:
            return page(data, "Top up your card", "<p>Check the card number and CVV.</p>")
        if pan == DECLINED_CARD:
            acquirer.finish(payment_id, "failed", pan)
            return page(data, "Payment declined", "<p>The card was declined.</p>")
        data.update(status="3ds_required", masked_pan=mask_pan(pan))
        acquirer.save(data)
        return redirect(f"/pay/{payment_id}/3ds", code=303)  # type: ignore[return-value]

    @app.route("/pay/<payment_id>/3ds", methods=["GET", "POST"])
    def three_d_secure(payment_id: str) -> Response | str:
        data = acquirer.get(payment_id)
        if data["status"] != "3ds_required":
            return page(data, "Payment " + data["status"], "<p>This payment link is no longer active.</p>")
        if request.method == "GET":
            return page(
                data,
                "3-D Secure",
                f"<p>Enter the code sent to your phone (test mode: {config.test_otp_code}).</p>"
                f'<form method="post" action="/pay/{html.escape(payment_id)}/3ds">'
                '<input name="code" inputmode="numeric"><button type="submit">Confirm</button></form>',
            )
        ok = hmac.compare_digest(request.form.get("code", ""), config.test_otp_code)
        finished = acquirer.finish(payment_id, "succeeded" if ok else "failed", None)
        if finished.get("return_url"):
            return redirect(str(finished["return_url"]), code=303)  # type: ignore[return-value]
        return page(finished, "Payment " + finished["status"], "<p>You can return to the chat.</p>")

    return app, acquirer
