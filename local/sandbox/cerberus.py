"""Cerberus: security screening, credit scoring, phone and card ownership checks, one-time codes.
REST/JSON, Keycloak.

Test mode: everyone is clear except the special last names in README.md; the scoring grants the high
limit except to the last names below (README.md); the one-time code is
``config.test_otp_code`` (random when ``bank.random_otp_codes`` is set), and every code "sent" is kept in
``bank.texts`` for the phone's owner to read.
"""

from __future__ import annotations

import re

from flask import Flask, Response, jsonify

from local.sandbox.common import ApiError, body_json, make_app
from local.sandbox.faults import FaultInjector
from local.sandbox.keycloak import TokenIssuer, protect
from local.sandbox.ledger import Bank, luhn_valid, new_id

SANCTIONED_LAST_NAME = "sanctioned"
FRAUD_LAST_NAME = "fraudster"
# Credit scoring in test mode (minor units): everyone the high limit, these last names less or none.
CREDIT_LIMIT_HIGH = 100_000
CREDIT_LIMIT_LOW = 10_000
LOW_SCORE_LAST_NAME = "modest"
REFUSED_SCORE_LAST_NAME = "debtor"


def create_app(bank: Bank, issuer: TokenIssuer, faults: FaultInjector) -> Flask:
    app = make_app("cerberus", faults)
    protect(app, issuer, "cerberus")

    @app.post("/api/v1/screenings")
    def screen() -> Response:
        body = body_json()
        for name in ("first_name", "last_name", "birth_date", "personal_number", "document_number"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise ApiError(400, "invalid_request", f"{name} is required")
        reasons: list[str] = []
        last = body["last_name"].strip().lower()
        if last == SANCTIONED_LAST_NAME:
            reasons.append("sanctions_list")
        if last == FRAUD_LAST_NAME:
            reasons.append("fraud_suspected")
        existing = bank.find_customer_by_personal_number(body["personal_number"].upper())
        return jsonify(
            {
                "screening_id": new_id("scr"),
                "decision": "rejected" if reasons else "clear",
                "reasons": reasons,
                "existing_customer_id": existing["id"] if existing else None,
            }
        )

    @app.post("/api/v1/credit-scorings")
    def score_credit() -> Response:
        """The credit limit a customer of core banking may have on a card; refused is a limit of 0."""
        customer = bank.customer(str(body_json().get("customer_id", "")))
        last = str(customer["last_name"]).strip().lower()
        limit = {LOW_SCORE_LAST_NAME: CREDIT_LIMIT_LOW, REFUSED_SCORE_LAST_NAME: 0}.get(last, CREDIT_LIMIT_HIGH)
        return jsonify(
            {
                "scoring_id": new_id("crs"),
                "decision": "approved" if limit else "refused",
                "credit_limit": limit,
                "currency": bank.config.currency,
            }
        )

    @app.post("/api/v1/phone-checks")
    def phone_check() -> Response:
        body = body_json()
        customer = bank.find_customer_by_phone(str(body.get("phone", "")))
        belongs = customer is not None and customer["id"] == body.get("customer_id")
        return jsonify({"belongs": belongs, "customer_id": customer["id"] if customer else None})

    @app.post("/api/v1/card-checks")
    def card_check() -> Response:
        body = body_json()
        try:
            card = bank.card(str(body.get("card_id", "")))
        except ApiError:
            return jsonify({"belongs": False})
        return jsonify({"belongs": card["customer_id"] == body.get("customer_id")})

    @app.post("/api/v1/card-proofs")
    def card_proof() -> Response:
        """Sign-in: does the customer with this phone hold this live card (full number), with this expiry?

        Answers only yes / no (and the customer on yes): which part was wrong is not told. A number that
        is not a card number (13-19 digits, Luhn) or an expiry not MM/YY is refused as a bad request, as
        is the last four digits alone: a card is proven by its whole number.
        """
        body = body_json()
        pan, expiry = str(body.get("pan", "")), str(body.get("expiry", ""))
        if not luhn_valid(pan) or not re.fullmatch(r"(0[1-9]|1[0-2])/\d{2}", expiry):
            raise ApiError(400, "invalid_request", "pan is a card number and expiry MM/YY")
        customer = bank.find_customer_by_phone(str(body.get("phone", "")))
        cards = bank.cards_of(customer["id"]) if customer else []
        proven = any(c["pan"] == pan and c["expiry"] == expiry and c["status"] != "closed" for c in cards)
        return jsonify({"proven": proven, "customer_id": customer["id"] if proven and customer else None})

    @app.post("/api/v1/otp")
    def send_otp() -> Response:
        body = body_json()
        phone = str(body.get("phone", ""))
        if not phone.startswith("+") or not phone[1:].isdigit():
            raise ApiError(400, "invalid_request", "phone must be E.164")
        otp = bank.text_a_code(phone, str(body.get("purpose", "confirm")))
        return jsonify({**otp, "channel": "sms"})

    @app.post("/api/v1/otp/<otp_id>/verify")
    def verify_otp(otp_id: str) -> Response:
        return jsonify(bank.check_otp(otp_id, str(body_json().get("code", ""))))

    return app
