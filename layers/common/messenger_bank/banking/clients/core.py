"""Core banking client: customers, cards, accounts and money. REST/JSON with a Keycloak token.

Every money-moving call sends ``Idempotency-Key``; with it the call may be retried after a timeout or
a 5xx (the bank answers a repeat with the first answer), without it nothing moves.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models import Identity
from messenger_bank.banking.models.core import (
    Balance,
    Card,
    CardDetails,
    CardLimitKind,
    CardLimits,
    CardLookup,
    CreditRequest,
    CustomerRef,
    DebitRequest,
    EncryptedPassword,
    HistoryEntry,
    IssueCardRequest,
    IssuedCard,
    Operation,
    OrderPlasticRequest,
    PasswordCheck,
    PinKey,
    PlasticOrder,
    RefundRequest,
    Requisites,
    SetPinRequest,
    Statement,
    TransferRequest,
)
from messenger_bank.errors import (
    BankProtocolError,
    CardBlocked,
    CardLimitAboveMaximum,
    CardNotFound,
    CustomerNotFound,
    DomainError,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
)

CODES: dict[str, type[DomainError]] = {
    "insufficient_funds": InsufficientFunds,
    "limit_exceeded": LimitExceeded,
    "card_not_found": CardNotFound,
    "account_not_found": CardNotFound,
    "card_blocked": CardBlocked,
    "customer_not_found": CustomerNotFound,
    "idempotency_conflict": IdempotencyConflict,
    "limit_above_maximum": CardLimitAboveMaximum,
}


class CoreClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    # --- customers and cards ------------------------------------------------------------------------
    def create_customer(self, person: Identity) -> CustomerRef:
        """The customer with this personal number; created if new (the bank dedupes: safe to repeat)."""
        body = person.model_dump(mode="json", exclude={"issue_date"})
        answer = self.rest.call("POST", "/api/v1/customers", operation="create_customer", json=body, idempotent=True)
        return CustomerRef.model_validate(answer)

    def issue_virtual_card(self, request: IssueCardRequest) -> IssuedCard:
        body = request.model_dump(mode="json", exclude={"customer_id", "idempotency_key"})
        answer = self.rest.call(
            "POST",
            f"/api/v1/customers/{request.customer_id}/cards",
            operation="issue_card",
            json=body,
            idempotency_key=request.idempotency_key,
        )
        return IssuedCard.model_validate(answer)

    def cards(self, customer_id: str) -> list[Card]:
        answer = self.rest.call("GET", f"/api/v1/customers/{customer_id}/cards", operation="cards", idempotent=True)
        return [Card.model_validate(item) for item in answer.get("cards", [])]

    def card(self, card_id: str) -> Card:
        return Card.model_validate(self.rest.call("GET", f"/api/v1/cards/{card_id}", operation="card", idempotent=True))

    def card_details(self, card_id: str) -> CardDetails:
        """The card's full number, expiry and CVV (secrets in the model); a blocked card → ``CardBlocked``."""
        answer = self.rest.call("GET", f"/api/v1/cards/{card_id}/details", operation="card_details", idempotent=True)
        try:
            return CardDetails.model_validate(answer)
        except ValidationError:
            # Not chained: the error's context would carry the answer, card number and CVV included.
            raise BankProtocolError("core answered card details that are not a card's") from None

    def lookup(self, pan: str) -> CardLookup:
        answer = self.rest.call("POST", "/api/v1/cards/lookup", operation="lookup", json={"pan": pan}, idempotent=True)
        return CardLookup.model_validate(answer)

    def block(self, card_id: str, reason: str) -> Card:
        # Blocking twice is blocking once: safe to repeat.
        answer = self.rest.call(
            "POST",
            f"/api/v1/cards/{card_id}/block",
            operation="block",
            json={"reason": reason},
            idempotent=True,
        )
        return Card.model_validate(answer)

    def unblock(self, card_id: str) -> Card:
        answer = self.rest.call(
            "POST", f"/api/v1/cards/{card_id}/unblock", operation="unblock", json={}, idempotent=True
        )
        return Card.model_validate(answer)

    def pin_key(self) -> PinKey:
        return PinKey.model_validate(self.rest.call("GET", "/api/v1/pin-key", operation="pin_key", idempotent=True))

    def set_pin(self, request: SetPinRequest) -> None:
        body = {"encrypted_pin": request.encrypted_pin.get_secret_value(), "key_id": request.key_id}
        self.rest.call("PUT", f"/api/v1/cards/{request.card_id}/pin", operation="set_pin", json=body, idempotent=True)

    def set_password(self, bank_customer_id: str, password: EncryptedPassword) -> None:
        body = {"encrypted_password": password.encrypted_password.get_secret_value(), "key_id": password.key_id}
        path = f"/api/v1/customers/{bank_customer_id}/password"
        self.rest.call("PUT", path, operation="set_password", json=body, idempotent=True)

    def check_password(self, bank_customer_id: str, password: EncryptedPassword) -> PasswordCheck:
        body = {"encrypted_password": password.encrypted_password.get_secret_value(), "key_id": password.key_id}
        path = f"/api/v1/customers/{bank_customer_id}/password-checks"
        # A check changes nothing at the bank (we count wrong attempts ourselves): safe to repeat.
        answer = self.rest.call("POST", path, operation="check_password", json=body, idempotent=True)
        return PasswordCheck.model_validate(answer)

    def password_set(self, bank_customer_id: str) -> bool:
        path = f"/api/v1/customers/{bank_customer_id}/password"
        return bool(self.rest.call("GET", path, operation="password_status", idempotent=True).get("password_set"))

    def card_limits(self, card_id: str) -> CardLimits:
        answer = self.rest.call("GET", f"/api/v1/cards/{card_id}/limits", operation="card_limits", idempotent=True)
        return CardLimits.model_validate(answer)

    def set_card_limit(self, card_id: str, kind: CardLimitKind, amount: int, currency: str) -> CardLimits:
        # Setting a limit to a value twice leaves it at that value: safe to repeat.
        answer = self.rest.call(
            "PUT",
            f"/api/v1/cards/{card_id}/limits/{kind}",
            operation="set_card_limit",
            json={"amount": amount, "currency": currency},
            idempotent=True,
        )
        return CardLimits.model_validate(answer)

    def order_plastic(self, request: OrderPlasticRequest) -> PlasticOrder:
        body: dict[str, Any] = {"address": request.address.model_dump(mode="json", exclude_none=True)}
        answer = self.rest.call(
            "POST",
            f"/api/v1/cards/{request.card_id}/plastic-orders",
            operation="order_plastic",
            json=body,
            idempotency_key=request.idempotency_key,
        )
        return PlasticOrder.model_validate(answer)

    def plastic_order(self, order_id: str) -> PlasticOrder:
        answer = self.rest.call("GET", f"/api/v1/plastic-orders/{order_id}", operation="plastic_order", idempotent=True)
        return PlasticOrder.model_validate(answer)

    # --- accounts ---------------------------------------------------------------------------------------
    def balance(self, account_id: str) -> Balance:
        answer = self.rest.call("GET", f"/api/v1/accounts/{account_id}/balance", operation="balance", idempotent=True)
        return Balance.model_validate(answer)

    def requisites(self, account_id: str) -> Requisites:
        answer = self.rest.call(
            "GET", f"/api/v1/accounts/{account_id}/requisites", operation="requisites", idempotent=True
        )
        return Requisites.model_validate(answer)

    def statement(self, account_id: str, month: str) -> Statement:
        """The account's statement for ``month`` (YYYY-MM); asking for an ended month has core banking post
        its charges once, so a repeat gives the same statement."""
        answer = self.rest.call(
            "GET", f"/api/v1/accounts/{account_id}/statements/{month}", operation="statement", idempotent=True
        )
        return Statement.model_validate(answer)

    def history(self, account_id: str, limit: int = 20) -> list[HistoryEntry]:
        answer = self.rest.call(
            "GET",
            f"/api/v1/accounts/{account_id}/operations",
            operation="history",
            params={"limit": limit},
            idempotent=True,
        )
        return [HistoryEntry.model_validate(item) for item in answer.get("operations", [])]

    # --- money ------------------------------------------------------------------------------------------
    def transfer(self, request: TransferRequest) -> Operation:
        body = request.model_dump(mode="json", exclude={"idempotency_key"})
        return self._move("/api/v1/transfers", "transfer", body, request.idempotency_key)

    def debit(self, request: DebitRequest) -> Operation:
        body = request.model_dump(mode="json", exclude={"idempotency_key"}, exclude_none=True)
        return self._move("/api/v1/debits", "debit", body, request.idempotency_key)

    def credit(self, request: CreditRequest) -> Operation:
        body = request.model_dump(mode="json", exclude={"idempotency_key", "pan"}, exclude_none=True)
        if request.pan is not None:
            body["pan"] = request.pan.get_secret_value()
        return self._move("/api/v1/credits", "credit", body, request.idempotency_key)

    def refund(self, request: RefundRequest) -> Operation:
        body = request.model_dump(mode="json", exclude={"idempotency_key"}, exclude_none=True)
        return self._move("/api/v1/refunds", "refund", body, request.idempotency_key)

    def _move(self, path: str, operation: str, body: dict[str, Any], key: str) -> Operation:
        answer = self.rest.call("POST", path, operation=operation, json=body, idempotency_key=key)
        return Operation.model_validate(answer)
