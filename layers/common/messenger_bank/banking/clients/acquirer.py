"""Acquirer client: top-up payments (payment page with 3-D Secure) and its signed callbacks."""

from __future__ import annotations

import hashlib
import hmac
import time

from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models.acquirer import TopUp, TopUpEvent, TopUpRequest
from messenger_bank.errors import OperationRejected

CALLBACK_TOLERANCE_SECONDS = 300


class AcquirerClient:
    def __init__(self, rest: RestClient, callback_secret: str) -> None:
        self.rest = rest
        self._callback_secret = callback_secret

    def create_payment(self, request: TopUpRequest) -> TopUp:
        body = request.model_dump(mode="json", exclude={"idempotency_key"}, exclude_none=True)
        answer = self.rest.call(
            "POST",
            "/api/v1/payments",
            operation="create_payment",
            json=body,
            idempotency_key=request.idempotency_key,
        )
        return TopUp.model_validate(answer)

    def payment(self, payment_id: str) -> TopUp:
        answer = self.rest.call("GET", f"/api/v1/payments/{payment_id}", operation="payment", idempotent=True)
        return TopUp.model_validate(answer)

    def verify_callback(self, body: bytes, timestamp: str, signature: str, now: float | None = None) -> TopUpEvent:
        """The callback's event if its HMAC-SHA256 signature is ours and fresh; else OperationRejected."""
        try:
            age = abs((now if now is not None else time.time()) - int(timestamp))
        except ValueError as error:
            raise OperationRejected("acquirer callback: bad timestamp") from error
        expected = (
            "sha256="
            + hmac.new(self._callback_secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        )
        if age > CALLBACK_TOLERANCE_SECONDS or not hmac.compare_digest(expected, signature):
            raise OperationRejected("acquirer callback: signature does not verify")
        return TopUpEvent.model_validate_json(body)
