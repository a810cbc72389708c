"""Billing (ERIP-like): payee catalogue, account check, amount due, payment. SOAP 1.1, HTTP Basic.

Test mode: any account that matches the payee's pattern exists, except accounts that begin with 000
(unknown account). A payment moves money in the shared ledger from the payer's account to the bank's
billing settlement account, once per idempotency key.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response

from local.sandbox import soap
from local.sandbox.common import ApiError, make_app, require_basic, soap_action_endpoint
from local.sandbox.faults import FaultInjector
from local.sandbox.ledger import BILLING, Bank
from local.sandbox.soap import Field, Operation

NAMESPACE = "http://billing.bank.sandbox/v1"
PATH = "/ws/billing"
UNKNOWN_ACCOUNT_PREFIX = "000"


@dataclass(frozen=True)
class Payee:
    service_code: str
    name: str
    category: str
    account_label: str
    account_pattern: str
    has_amount_due: bool


CATALOGUE: tuple[Payee, ...] = (
    Payee("100101", "A1", "mobile", "phone", r"^\+375(29|44)\d{7}$", False),
    Payee("100102", "MTS", "mobile", "phone", r"^\+375(29|33)\d{7}$", False),
    Payee("100103", "life:)", "mobile", "phone", r"^\+37525\d{7}$", False),
    Payee("200101", "Housing and communal services, Minsk", "utilities", "personal account", r"^\d{10}$", True),
    Payee("200102", "Minskenergosbyt (electricity)", "utilities", "personal account", r"^\d{9}$", True),
    Payee("200103", "Mingaz (gas)", "utilities", "personal account", r"^\d{8}$", True),
    Payee("200104", "Minskvodokanal (water)", "utilities", "personal account", r"^\d{10}$", True),
    Payee("300101", "ZALA", "tv", "contract", r"^\d{12}$", False),
    Payee("300102", "Kosmos TV", "tv", "contract", r"^\d{8}$", False),
    Payee("400101", "byfly", "internet", "contract", r"^\d{10}$", False),
    Payee("400102", "Atlant Telecom", "internet", "contract", r"^\d{7}$", False),
    Payee("500101", "Minsk transport card", "transport", "card number", r"^\d{10}$", False),
    Payee("500102", "Minsk metro monthly pass", "transport", "card number", r"^\d{10}$", True),
)
BY_CODE = {p.service_code: p for p in CATALOGUE}


def payee_data(p: Payee) -> dict[str, Any]:
    return {
        "serviceCode": p.service_code,
        "name": p.name,
        "category": p.category,
        "accountLabel": p.account_label,
        "accountPattern": p.account_pattern,
        "hasAmountDue": p.has_amount_due,
    }


def amount_due(payee: Payee, account: str) -> int | None:
    if not payee.has_amount_due:
        return None
    digest = int(hashlib.sha256(f"{payee.service_code}:{account}".encode()).hexdigest()[:8], 16)
    return 500 + digest % 15_000  # 5.00 - 155.00 BYN, stable per account


def check(params: dict[str, Any]) -> tuple[Payee, str]:
    payee = BY_CODE.get(str(params["serviceCode"]))
    if payee is None:
        raise ApiError(400, "PAYEE_NOT_FOUND", "no payee with this service code")
    account = str(params["account"]).replace(" ", "")
    digits = account[-7:] if payee.category == "mobile" else account  # a phone's subscriber number
    if not re.match(payee.account_pattern, account) or digits.startswith(UNKNOWN_ACCOUNT_PREFIX):
        raise ApiError(400, "ACCOUNT_NOT_FOUND", f"{payee.name} knows no such {payee.account_label}")
    return payee, account


def create_app(bank: Bank, faults: FaultInjector, base_url: Callable[[], str]) -> Flask:
    app = make_app(
        "billing",
        faults,
        responder=lambda status, code, message: soap.fault_response(NAMESPACE, status, code, message),
        endpoint_of=soap_action_endpoint,
        malformed_body=soap.MALFORMED,
    )

    def list_payees(params: dict[str, Any]) -> dict[str, Any]:
        category = params.get("category") or None
        return {"payee": [payee_data(p) for p in CATALOGUE if category in (None, p.category)]}

    def check_account(params: dict[str, Any]) -> dict[str, Any]:
        payee, account = check(params)
        return {
            "serviceCode": payee.service_code,
            "account": account,
            "holderName": f"{account[-4:]} subscriber",
            "amountDue": amount_due(payee, account),
            "currency": bank.config.currency,
        }

    def pay(params: dict[str, Any]) -> dict[str, Any]:
        payee, account = check(params)
        try:
            amount = int(params["amount"])
        except ValueError as error:
            raise ApiError(400, "INVALID_REQUEST", "amount is an integer of minor units") from error
        if amount <= 0 or params["currency"] != bank.config.currency:
            raise ApiError(400, "INVALID_REQUEST", "a positive amount in the bank's currency is required")
        payer = str(params["payerAccountId"])
        body = {k: params.get(k) for k in ("serviceCode", "account", "amount", "currency", "payerAccountId")}

        def work(db: sqlite3.Connection) -> dict[str, Any]:
            holder = db.execute("SELECT kind FROM accounts WHERE id = ?", (payer,)).fetchone()
            if holder is None or holder["kind"] != "customer":
                raise ApiError(400, "PAYER_ACCOUNT_NOT_FOUND", "no such payer account")
            bank.check_debit(db, payer, amount)
            meta = {
                "counterparty": f"{payee.name} {account[:3]}***{account[-3:]}",
                "service_code": payee.service_code,
            }
            operation = bank.post(db, "bill_payment", [(payer, -amount), (BILLING, amount)], amount, meta=meta)
            return {
                "paymentId": operation["operation_id"],
                "status": "COMPLETED",
                "receiptNumber": f"R{operation['operation_id'][-10:].upper()}",
                "serviceCode": payee.service_code,
                "account": account,
                "amount": amount,
                "currency": bank.config.currency,
                "paidAt": operation["created_at"],
            }

        stored = bank.idempotent("billing.pay", str(params["idempotencyKey"]), body, work)
        if stored.status >= 400:
            refusal = stored.body["error"]
            code = {"insufficient_funds": "INSUFFICIENT_FUNDS", "limit_exceeded": "LIMIT_EXCEEDED"}.get(
                refusal["code"], refusal["code"]
            )
            raise ApiError(stored.status, code, refusal["message"])
        return stored.body

    payee_type = (
        Field("serviceCode"),
        Field("name"),
        Field("category"),
        Field("accountLabel"),
        Field("accountPattern"),
        Field("hasAmountDue", "boolean"),
    )
    payment = (
        Field("paymentId"),
        Field("status"),
        Field("receiptNumber"),
        Field("serviceCode"),
        Field("account"),
        Field("amount", "long"),
        Field("currency"),
        Field("paidAt", "dateTime"),
    )
    operations = [
        Operation(
            "ListPayees",
            (Field("category", optional=True),),
            (Field("payee", "Payee", repeated=True),),
            list_payees,
        ),
        Operation(
            "CheckAccount",
            (Field("serviceCode"), Field("account")),
            (
                Field("serviceCode"),
                Field("account"),
                Field("holderName"),
                Field("amountDue", "long", optional=True),
                Field("currency"),
            ),
            check_account,
        ),
        Operation(
            "Pay",
            (
                Field("serviceCode"),
                Field("account"),
                Field("amount", "long"),
                Field("currency"),
                Field("payerAccountId"),
                Field("idempotencyKey"),
            ),
            payment,
            pay,
        ),
    ]

    def authorize() -> Response | None:
        return require_basic(bank.config.billing_credentials, "billing")

    soap.mount(app, PATH, "BillingService", NAMESPACE, operations, {"Payee": payee_type}, authorize, base_url)
    return app
