"""Passport: the identity registry, SOAP 1.1 with a WSDL, HTTP Basic.

Test mode: every well-formed identity verifies (VALID) except the special cases in README.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, Response

from local.sandbox import soap
from local.sandbox.common import ApiError, make_app, require_basic, soap_action_endpoint
from local.sandbox.config import SandboxConfig
from local.sandbox.faults import FaultInjector
from local.sandbox.soap import Field, Operation

NAMESPACE = "http://passport.bank.sandbox/v1"
PATH = "/ws/passport"
DOCUMENT = re.compile(r"^[A-Z]{2}\d{7}$")
PERSONAL_NUMBER = re.compile(r"^[1-6]\d{6}[A-Z]\d{3}[A-Z]{2}[0-9A-Z]$")

# Special documents (test mode): document number -> registry status.
NOT_FOUND_DOCUMENT = "MP0000000"
INVALID_DOCUMENT = "MP0000001"  # revoked / expired
MISMATCH_LAST_NAME = "Mismatch"  # the registry holds another name for this document


def birth_date_in(personal_number: str) -> date | None:
    """The date of birth encoded in a personal identification number (sex-and-century digit, DDMMYY)."""
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}[personal_number[0]]
    try:
        return date(century + int(personal_number[5:7]), int(personal_number[3:5]), int(personal_number[1:3]))
    except ValueError:
        return None


def verify(params: dict[str, Any]) -> dict[str, Any]:
    document = str(params["documentNumber"]).upper()
    personal = str(params["personalNumber"]).upper()
    try:
        birth = date.fromisoformat(str(params["birthDate"]))
    except ValueError as error:
        raise ApiError(400, "INVALID_REQUEST", "birthDate must be an xsd:date") from error
    if not DOCUMENT.match(document) or not PERSONAL_NUMBER.match(personal):
        raise ApiError(400, "INVALID_REQUEST", "documentNumber or personalNumber is malformed")
    today = datetime.now(UTC).date()
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    checked = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    status, reason = "VALID", ""
    if document == NOT_FOUND_DOCUMENT:
        status, reason = "NOT_FOUND", "no such document in the registry"
    elif document == INVALID_DOCUMENT:
        status, reason = "INVALID", "the document is revoked"
    elif str(params["lastName"]).strip().lower() == MISMATCH_LAST_NAME.lower():
        status, reason = "MISMATCH", "the registry holds other personal data for this document"
    elif birth_date_in(personal) != birth:
        status, reason = "MISMATCH", "the personal number does not agree with the date of birth"
    return {
        "status": status,
        "reason": reason or None,
        "documentNumber": document,
        "personalNumber": personal,
        "birthDate": birth.isoformat(),
        "age": age,
        "checkedAt": checked,
    }


def create_app(config: SandboxConfig, faults: FaultInjector, base_url: Callable[[], str]) -> Flask:
    app = make_app(
        "passport",
        faults,
        responder=lambda status, code, message: soap.fault_response(NAMESPACE, status, code, message),
        endpoint_of=soap_action_endpoint,
        malformed_body=soap.MALFORMED,
    )
    operations = [
        Operation(
            "VerifyPerson",
            request=(
                Field("lastName"),
                Field("firstName"),
                Field("middleName", optional=True),
                Field("birthDate", "date"),
                Field("documentNumber"),
                Field("personalNumber"),
                Field("issueDate", "date", optional=True),
            ),
            response=(
                Field("status"),
                Field("reason", optional=True),
                Field("documentNumber"),
                Field("personalNumber"),
                Field("birthDate", "date"),
                Field("age", "int"),
                Field("checkedAt", "dateTime"),
            ),
            handler=verify,
        )
    ]

    def authorize() -> Response | None:
        return require_basic(config.passport_credentials, "passport")

    soap.mount(app, PATH, "PassportService", NAMESPACE, operations, {}, authorize, base_url)
    return app
