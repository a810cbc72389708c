"""Cerberus client: screening, ownership checks, one-time codes. REST/JSON with a Keycloak token."""

from __future__ import annotations

from pydantic import SecretStr

from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models import Identity
from messenger_bank.banking.models.cerberus import CardProof, CreditScoring, OneTimeCode, OneTimeCodeCheck, Screening
from messenger_bank.errors import InvalidOneTimeCode

CODES = {"otp_not_found": InvalidOneTimeCode}


class CerberusClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    def screen(self, person: Identity) -> Screening:
        body = person.model_dump(
            mode="json",
            include={
                "first_name",
                "last_name",
                "middle_name",
                "birth_date",
                "personal_number",
                "document_number",
                "phone",
            },
        )
        # A screening has no side effect on the bank: safe to repeat.
        return Screening.model_validate(
            self.rest.call("POST", "/api/v1/screenings", operation="screen", json=body, idempotent=True)
        )

    def score_credit(self, customer_id: str) -> CreditScoring:
        """The credit limit core banking's customer may have on a card (refused: 0)."""
        # A scoring changes nothing at the bank: safe to repeat.
        body = {"customer_id": customer_id}
        answer = self.rest.call("POST", "/api/v1/credit-scorings", operation="score_credit", json=body, idempotent=True)
        return CreditScoring.model_validate(answer)

    def phone_belongs(self, phone: str, customer_id: str) -> bool:
        answer = self.rest.call(
            "POST",
            "/api/v1/phone-checks",
            operation="phone_check",
            json={"phone": phone, "customer_id": customer_id},
            idempotent=True,
        )
        return bool(answer.get("belongs"))

    def card_belongs(self, card_id: str, customer_id: str) -> bool:
        answer = self.rest.call(
            "POST",
            "/api/v1/card-checks",
            operation="card_check",
            json={"card_id": card_id, "customer_id": customer_id},
            idempotent=True,
        )
        return bool(answer.get("belongs"))

    def prove_card(self, phone: str, card_number: SecretStr, expiry: str) -> CardProof:
        """Sign-in: the customer with `phone` holds the live card `card_number` (the full number, typed
        on the secure page) expiring `expiry`. The number goes only in this request's body."""
        answer = self.rest.call(
            "POST",
            "/api/v1/card-proofs",
            operation="card_proof",
            json={"phone": phone, "pan": card_number.get_secret_value(), "expiry": expiry},
            idempotent=True,
        )
        return CardProof.model_validate(answer)

    def send_code(self, phone: str, purpose: str) -> OneTimeCode:
        # Not retried: a repeat would send a second SMS; the customer can ask again.
        answer = self.rest.call("POST", "/api/v1/otp", operation="send_code", json={"phone": phone, "purpose": purpose})
        return OneTimeCode.model_validate(answer)

    def check_code(self, otp_id: str, code: str) -> OneTimeCodeCheck:
        # Not retried: every attempt counts against the code's limit.
        answer = self.rest.call("POST", f"/api/v1/otp/{otp_id}/verify", operation="check_code", json={"code": code})
        return OneTimeCodeCheck.model_validate(answer)
