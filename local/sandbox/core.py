"""Core banking: customers, accounts, cards, PIN, requisites, and money movement. REST/JSON, Keycloak.

Money-moving calls need an ``Idempotency-Key`` header: the same key and body replay the first answer
(with ``Idempotent-Replayed: true``), the same key with another body is 409 ``idempotency_conflict``.
Errors are ``{"error": {"code", "message"}}`` with 4xx for the caller's or the customer's problem.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from flask import Flask, Response, jsonify, request
from jose import jwe as jose_jwe

from local.sandbox.common import ApiError, body_json, make_app
from local.sandbox.faults import FaultInjector
from local.sandbox.keycloak import TokenIssuer, load_or_create_key, protect
from local.sandbox.ledger import (
    CARD_LIMIT_MAXIMUMS,
    CREDIT_LIMIT_MAXIMUM,
    CREDIT_SOURCES,
    INTERBANK,
    TRANSIT,
    Bank,
    Stored,
    luhn_valid,
    mask_pan,
)
from local.sandbox.statements import account_statement

PRIVATE_PEM = (
    serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption(),
)
PERSONAL_NUMBER = re.compile(r"^[1-6]\d{6}[A-Z]\d{3}[A-Z]{2}[0-9A-Z]$")
PHONE = re.compile(r"^\+375(25|29|33|44)\d{7}$")
PRODUCTS = ("visa-digital", "mastercard-digital", "belkart-digital")
# Another bank's cards that its issuer refuses (test mode): a credit to them is refused.
REFUSED_EXTERNAL_PREFIX = "400000"
CVK_BYTES = 32


class CardVerification:
    """A card's CVV, as an issuer's HSM gives it: computed from the number and expiry with the card
    verification key (CVK), never stored. The sandbox keeps only the key (``keys/card-verification.key``
    in its state directory, made on first use); README.md documents the rule, so a test can check it."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_bytes(secrets.token_bytes(CVK_BYTES))
        self.key = path.read_bytes()

    def cvv(self, pan: str, expiry: str) -> str:
        """Three digits: the first eight bytes of HMAC-SHA256(CVK, "<pan>|<MM/YY>"), big-endian, mod 1000."""
        digest = hmac.new(self.key, f"{pan}|{expiry}".encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:8], 'big') % 1000:03d}"


def public_card(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "card_id": card["id"],
        "customer_id": card["customer_id"],
        "account_id": card["account_id"],
        "masked_pan": mask_pan(card["pan"]),
        "expiry": card["expiry"],
        "product": card["product"],
        "form": card["form"],
        "status": card["status"],
        "pin_set": card["pin_hash"] is not None,
        "cashback_category": card["cashback_category"],
    }


def amount_of(body: dict[str, Any], currency: str) -> int:
    amount = body.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ApiError(400, "invalid_request", "amount is a positive integer of minor units")
    if body.get("currency") != currency:
        raise ApiError(422, "currency_not_supported", f"only {currency} accounts exist in the sandbox")
    return amount


def answer(stored: Stored, replayed: bool = False) -> Response:
    response = jsonify(stored.body)
    response.status_code = stored.status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def create_app(bank: Bank, issuer: TokenIssuer, faults: FaultInjector, pin_key_path: Path) -> Flask:
    app = make_app("core", faults)
    protect(app, issuer, "core-banking")
    pin_key = load_or_create_key(pin_key_path)
    verification = CardVerification(pin_key_path.with_name("card-verification.key"))
    pin_key_id = hashlib.sha256(
        pin_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ).hexdigest()[:16]

    def idempotency_key() -> str:
        return request.headers.get("Idempotency-Key", "")

    def run(scope: str, body: dict[str, Any], work: Any) -> Response:
        key = idempotency_key()
        before = bank.read().execute("SELECT 1 FROM idempotency WHERE scope = ? AND key = ?", (scope, key)).fetchone()
        return answer(bank.idempotent(scope, key, body, work), replayed=before is not None)

    def customer_account(db: sqlite3.Connection, body: dict[str, Any], debit: bool) -> str:
        if body.get("card_id"):
            row = db.execute("SELECT * FROM cards WHERE id = ?", (body["card_id"],)).fetchone()
            if row is None:
                raise ApiError(404, "card_not_found", "no such card")
            if debit and row["status"] != "active":
                raise ApiError(422, "card_blocked", "the card is blocked")
            return str(row["account_id"])
        account = db.execute("SELECT * FROM accounts WHERE id = ?", (body.get("account_id", ""),)).fetchone()
        if account is None or account["kind"] != "customer":
            raise ApiError(404, "account_not_found", "no such account")
        return str(account["id"])

    # --- customers and cards ----------------------------------------------------------------------
    @app.post("/api/v1/customers")
    def create_customer() -> Response:
        body = body_json()
        data: dict[str, Any] = {
            "first_name": str(body.get("first_name", "")).strip(),
            "last_name": str(body.get("last_name", "")).strip(),
            "middle_name": body.get("middle_name"),
            "birth_date": str(body.get("birth_date", "")),
            "personal_number": str(body.get("personal_number", "")).upper(),
            "document_number": str(body.get("document_number", "")).upper(),
            "phone": body.get("phone"),
        }
        if not data["first_name"] or not data["last_name"] or not PERSONAL_NUMBER.match(data["personal_number"]):
            raise ApiError(400, "invalid_request", "first_name, last_name and a valid personal_number are required")
        if data["phone"] is not None and not PHONE.match(str(data["phone"])):
            raise ApiError(400, "invalid_request", "phone must be a Belarusian mobile number in E.164")
        customer, created = bank.create_customer(data)
        response = jsonify({"customer_id": customer["id"], "created": created})
        response.status_code = 201 if created else 200
        return response

    @app.get("/api/v1/customers/<customer_id>")
    def get_customer(customer_id: str) -> Response:
        c = bank.customer(customer_id)
        return jsonify(
            {
                "customer_id": c["id"],
                "first_name": c["first_name"],
                "last_name": c["last_name"],
                "phone": c["phone"],
                "created_at": c["created_at"],
            }
        )

    @app.get("/api/v1/customers/<customer_id>/cards")
    def list_cards(customer_id: str) -> Response:
        bank.customer(customer_id)
        return jsonify({"cards": [public_card(c) for c in bank.cards_of(customer_id)]})

    @app.post("/api/v1/customers/<customer_id>/cards")
    def issue_card(customer_id: str) -> Response:
        body = body_json()
        product = str(body.get("product", "visa-digital"))
        if product not in PRODUCTS:
            raise ApiError(400, "invalid_request", f"product is one of {', '.join(PRODUCTS)}")
        cashback = str(body.get("cashback_category", "everything"))
        credit_limit = body.get("credit_limit", 0)
        if not isinstance(credit_limit, int) or isinstance(credit_limit, bool) or credit_limit < 0:
            raise ApiError(400, "invalid_request", "credit_limit is a non-negative integer of minor units")
        if credit_limit > CREDIT_LIMIT_MAXIMUM:
            raise ApiError(422, "limit_above_maximum", "above what the bank allows", maximum=CREDIT_LIMIT_MAXIMUM)

        def work(db: sqlite3.Connection) -> dict[str, Any]:
            card = bank.issue_virtual_card(db, customer_id, product, cashback, credit_limit)
            account = bank.account(card["account_id"], db)
            return {
                **public_card(card),
                "pan": card["pan"],
                "iban": account["iban"],
                "credit_limit": account["credit_limit"],
            }

        return run(f"issue:{customer_id}", {"customer_id": customer_id, **body}, work)

    @app.get("/api/v1/cards/<card_id>")
    def get_card(card_id: str) -> Response:
        return jsonify(public_card(bank.card(card_id)))

    @app.get("/api/v1/cards/<card_id>/details")
    def card_details(card_id: str) -> Response:
        """The card's full number, expiry and CVV, for the card's owner to see once (the bank's secure page)."""
        card = bank.card(card_id)
        if card["status"] != "active":
            raise ApiError(422, "card_blocked", "a blocked card's details are not given")
        response = jsonify(
            {
                "card_id": card["id"],
                "pan": card["pan"],
                "expiry": card["expiry"],
                "cvv": verification.cvv(card["pan"], card["expiry"]),
            }
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.post("/api/v1/cards/lookup")
    def lookup_card() -> Response:
        pan = str(body_json().get("pan", ""))
        if not luhn_valid(pan):
            raise ApiError(422, "invalid_pan", "not a card number")
        card = bank.card_by_pan(pan)
        if card is None:
            return jsonify({"own": False, "masked_pan": mask_pan(pan)})
        return jsonify({"own": True, **public_card(card)})

    @app.post("/api/v1/cards/<card_id>/block")
    def block(card_id: str) -> Response:
        return jsonify(public_card(bank.set_card_status(card_id, "blocked")))

    @app.post("/api/v1/cards/<card_id>/unblock")
    def unblock(card_id: str) -> Response:
        return jsonify(public_card(bank.set_card_status(card_id, "active")))

    @app.get("/api/v1/pin-key")
    def get_pin_key() -> Response:
        pem = pin_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return jsonify(
            {
                "key_id": pin_key_id,
                "algorithm": "RSA-OAEP-256",
                "public_key_pem": pem.decode(),
                "plaintext": "<card_id>:<4-digit PIN>",
            }
        )

    @app.put("/api/v1/cards/<card_id>/pin")
    def set_pin(card_id: str) -> Response:
        body = body_json()
        bank.card(card_id)
        if body.get("key_id") != pin_key_id:
            raise ApiError(422, "unknown_pin_key", "the PIN block is encrypted with an unknown key")
        try:
            blob = base64.b64decode(str(body.get("encrypted_pin", "")), validate=True)
            plain = pin_key.decrypt(
                blob, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
            ).decode()
        except Exception as error:  # any decoding or decryption failure looks the same to the caller
            raise ApiError(422, "invalid_pin_block", "the PIN block cannot be decrypted") from error
        target, _, pin = plain.rpartition(":")
        if target != card_id or not re.fullmatch(r"\d{4}", pin):
            raise ApiError(422, "invalid_pin_block", "the PIN block is not a 4-digit PIN for this card")
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1)
        bank.set_pin_hash(card_id, f"scrypt${salt.hex()}${digest.hex()}")
        return Response(status=204)

    def opened_password(body: dict[str, Any]) -> str:
        """The password in a JWE (RSA-OAEP-256 + A256GCM) made with the bank's encryption key."""
        if body.get("key_id") != pin_key_id:
            raise ApiError(422, "unknown_key", "the password is encrypted with an unknown key")
        token = str(body.get("encrypted_password", ""))
        try:
            header = jose_jwe.get_unverified_header(token)
            if header.get("alg") != "RSA-OAEP-256" or header.get("enc") != "A256GCM":
                raise ValueError("unexpected JWE algorithms")
            plain = jose_jwe.decrypt(token, pin_key.private_bytes(*PRIVATE_PEM))
        except Exception as error:  # any decoding or decryption failure looks the same to the caller
            raise ApiError(422, "invalid_password_block", "the password cannot be decrypted") from error
        if plain is None:
            raise ApiError(422, "invalid_password_block", "the password cannot be decrypted")
        return bytes(plain).decode("utf-8")

    @app.put("/api/v1/customers/<customer_id>/password")
    def set_password(customer_id: str) -> Response:
        bank.customer(customer_id)
        password = opened_password(body_json())
        if not 8 <= len(password) <= 64:
            raise ApiError(422, "weak_password", "a password has 8-64 characters")
        salt = secrets.token_bytes(16)
        digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
        bank.set_password_hash(customer_id, f"scrypt${salt.hex()}${digest.hex()}")
        return Response(status=204)

    @app.post("/api/v1/customers/<customer_id>/password-checks")
    def check_password(customer_id: str) -> Response:
        """``{"valid": bool, "password_set": bool}``: the caller counts and limits wrong attempts."""
        bank.customer(customer_id)
        stored = bank.password_hash(customer_id)
        password = opened_password(body_json())
        if stored is None:
            return jsonify({"valid": False, "password_set": False})
        _scheme, salt, digest = stored.split("$")
        given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
        return jsonify({"valid": hmac.compare_digest(given.hex(), digest), "password_set": True})

    @app.get("/api/v1/customers/<customer_id>/password")
    def password_status(customer_id: str) -> Response:
        bank.customer(customer_id)
        return jsonify({"password_set": bank.password_hash(customer_id) is not None})

    @app.get("/api/v1/cards/<card_id>/limits")
    def card_limits(card_id: str) -> Response:
        return jsonify(limits_answer(card_id, bank.card_limits(card_id)))

    @app.put("/api/v1/cards/<card_id>/limits/<kind>")
    def set_card_limit(card_id: str, kind: str) -> Response:
        if kind not in CARD_LIMIT_MAXIMUMS:
            raise ApiError(404, "unknown_limit", f"limits are {', '.join(CARD_LIMIT_MAXIMUMS)}")
        amount = amount_of(body_json(), bank.config.currency)
        if amount > CARD_LIMIT_MAXIMUMS[kind]:
            raise ApiError(422, "limit_above_maximum", "above what the bank allows", maximum=CARD_LIMIT_MAXIMUMS[kind])
        if bank.card(card_id)["status"] != "active":
            raise ApiError(422, "card_blocked", "the card is blocked")
        return jsonify(limits_answer(card_id, bank.set_card_limit(card_id, kind, amount)))

    def limits_answer(card_id: str, limits: dict[str, int]) -> dict[str, Any]:
        return {
            "card_id": card_id,
            "currency": bank.config.currency,
            "limits": [
                {"kind": kind, "period": "day", "amount": amount, "maximum": CARD_LIMIT_MAXIMUMS[kind]}
                for kind, amount in limits.items()
            ],
        }

    @app.post("/api/v1/cards/<card_id>/plastic-orders")
    def order_plastic(card_id: str) -> Response:
        body = body_json()
        address = body.get("address")
        if not isinstance(address, dict) or not address.get("city") or not address.get("street"):
            raise ApiError(400, "invalid_request", "address with city and street is required")
        return run(f"plastic:{card_id}", body, lambda db: bank.order_plastic(db, card_id, address))

    @app.get("/api/v1/plastic-orders/<order_id>")
    def get_plastic_order(order_id: str) -> Response:
        return jsonify(bank.plastic_order(order_id))

    @app.post("/api/v1/plastic-orders/<order_id>/advance")
    def advance_plastic_order(order_id: str) -> Response:
        """Sandbox only: moves an order one step (ordered → produced → sent → delivered)."""
        return jsonify(bank.advance_plastic_order(order_id))

    # --- accounts -------------------------------------------------------------------------------------
    @app.get("/api/v1/accounts/<account_id>/balance")
    def balance(account_id: str) -> Response:
        account = bank.account(account_id)
        if account["kind"] != "customer":
            raise ApiError(404, "account_not_found", "no such account")
        # The ledger's balance (below zero: credit in use), the credit line, and what the card's
        # authorizations hold (not yet cleared); the caller works out what is available.
        return jsonify(
            {
                "account_id": account_id,
                "balance": bank.balance(account_id),
                "credit_limit": account["credit_limit"],
                "holds": bank.holds(account_id),
                "currency": account["currency"],
            }
        )

    @app.get("/api/v1/accounts/<account_id>/requisites")
    def requisites(account_id: str) -> Response:
        account = bank.account(account_id)
        if account["kind"] != "customer":
            raise ApiError(404, "account_not_found", "no such account")
        holder = bank.customer(account["customer_id"])
        config = bank.config
        return jsonify(
            {
                "account_id": account_id,
                "iban": account["iban"],
                "currency": account["currency"],
                "holder_name": f"{holder['last_name']} {holder['first_name']}",
                "bank_name": config.bank_name,
                "bic": config.bank_bic,
                "bank_taxpayer_number": config.bank_taxpayer_number,
            }
        )

    @app.get("/api/v1/accounts/<account_id>/statements/<month>")
    def statement(account_id: str, month: str) -> Response:
        """The month's statement (local/sandbox/statements.py): an ended month's charges are posted once."""
        return jsonify(account_statement(bank, account_id, month))

    @app.get("/api/v1/accounts/<account_id>/operations")
    def operations(account_id: str) -> Response:
        bank.account(account_id)
        limit = max(1, min(request.args.get("limit", 20, type=int) or 20, 100))
        return jsonify({"operations": bank.history(account_id, limit)})

    @app.get("/api/v1/operations/<operation_id>")
    def get_operation(operation_id: str) -> Response:
        op = bank.operation(bank.read(), operation_id)
        op["meta"] = json.loads(op["meta"])
        return jsonify(op)

    # --- money ------------------------------------------------------------------------------------------
    @app.post("/api/v1/transfers")
    def transfer() -> Response:
        body = body_json()
        amount = amount_of(body, bank.config.currency)

        def work(db: sqlite3.Connection) -> dict[str, Any]:
            source = customer_account(db, {"account_id": body.get("from_account_id")}, debit=True)
            target = customer_account(db, {"account_id": body.get("to_account_id")}, debit=False)
            if source == target:
                raise ApiError(422, "same_account", "source and target are the same account")
            bank.check_debit(db, source, amount)
            return bank.post(
                db, "transfer", [(source, -amount), (target, amount)], amount, reference=body.get("reference")
            )

        return run("transfer", body, work)

    @app.post("/api/v1/debits")
    def debit() -> Response:
        body = body_json()
        amount = amount_of(body, bank.config.currency)

        def work(db: sqlite3.Connection) -> dict[str, Any]:
            source = customer_account(db, body, debit=True)
            bank.check_debit(db, source, amount)
            meta = {"counterparty": body.get("counterparty")}
            return bank.post(
                db,
                "debit",
                [(source, -amount), (TRANSIT, amount)],
                amount,
                reference=body.get("reference"),
                meta=meta,
            )

        return run("debit", body, work)

    @app.post("/api/v1/credits")
    def credit() -> Response:
        body = body_json()
        amount = amount_of(body, bank.config.currency)

        def work(db: sqlite3.Connection) -> dict[str, Any]:
            debit_id = body.get("debit_id")
            if debit_id:
                original = bank.operation(db, str(debit_id))
                if original["kind"] != "debit":
                    raise ApiError(422, "not_a_debit", "debit_id names no debit")
                if bank.settled(db, original["id"]) + amount > original["amount"]:
                    raise ApiError(422, "debit_already_settled", "the debit is already credited or refunded")
                source = TRANSIT
            else:
                source_name = str(body.get("source", ""))
                if source_name not in CREDIT_SOURCES:
                    raise ApiError(
                        400, "invalid_request", "a credit needs debit_id or source: " + " | ".join(CREDIT_SOURCES)
                    )
                source = CREDIT_SOURCES[source_name]
            if body.get("pan"):
                pan = str(body["pan"])
                if not luhn_valid(pan):
                    raise ApiError(422, "invalid_pan", "not a card number")
                own = bank.card_by_pan(pan)
                if own is None and pan.startswith(REFUSED_EXTERNAL_PREFIX):
                    raise ApiError(404, "card_not_found", "the card's bank refuses the credit: no such card")
                target = own["account_id"] if own else INTERBANK
                # Whom the money is from, as the payer's bank says (a mask); else the card credited.
                counterparty: str | None = body.get("counterparty") or mask_pan(pan)
            else:
                target = customer_account(db, body, debit=False)
                counterparty = body.get("counterparty")
            result = bank.post(
                db,
                "credit",
                [(source, -amount), (target, amount)],
                amount,
                debit_id=debit_id,
                reference=body.get("reference"),
                meta={"counterparty": counterparty},
            )
            if target != INTERBANK:
                # The account's balance right after (kept with the answer, so a replay says the same): below
                # zero is credit still in use; the caller tells from it how much of the money repaid credit.
                result["balance_after"] = bank.balance(target, db)
            return result

        # The card number is hashed into the idempotency record, never stored in clear there.
        return run("credit", body, work)

    @app.post("/api/v1/refunds")
    def refund() -> Response:
        body = body_json()

        def work(db: sqlite3.Connection) -> dict[str, Any]:
            original = bank.operation(db, str(body.get("debit_id", "")))
            if original["kind"] != "debit":
                raise ApiError(422, "not_a_debit", "debit_id names no debit")
            remaining = original["amount"] - bank.settled(db, original["id"])
            amount = body.get("amount", remaining)
            if not isinstance(amount, int) or amount <= 0 or amount > remaining:
                raise ApiError(422, "debit_already_settled", "nothing (or less) is left of this debit to refund")
            source_account = db.execute(
                "SELECT account_id FROM postings WHERE operation_id = ? AND amount < 0", (original["id"],)
            ).fetchone()["account_id"]
            return bank.post(
                db,
                "refund",
                [(TRANSIT, -amount), (source_account, amount)],
                amount,
                debit_id=original["id"],
                reference=body.get("reference"),
            )

        return run("refund", body, work)

    return app
