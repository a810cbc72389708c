"""Passport registry client: SOAP 1.1 ``VerifyPerson`` with HTTP Basic."""

from __future__ import annotations

from messenger_bank.banking.clients.soap import SoapClient, SoapFault
from messenger_bank.banking.models import Identity
from messenger_bank.banking.models.passport import IdentityCheck
from messenger_bank.errors import IdentityNotConfirmed, OperationRejected

NAMESPACE = "http://passport.bank.sandbox/v1"


class PassportClient:
    def __init__(self, soap: SoapClient) -> None:
        self.soap = soap

    def verify_person(self, person: Identity) -> IdentityCheck:
        """The registry's verdict on the person (a read: retried on transient failures)."""
        params = {
            "lastName": person.last_name,
            "firstName": person.first_name,
            "middleName": person.middle_name,
            "birthDate": person.birth_date.isoformat(),
            "documentNumber": person.document_number,
            "personalNumber": person.personal_number,
            "issueDate": person.issue_date.isoformat() if person.issue_date else None,
        }
        try:
            answer = self.soap.call("VerifyPerson", params, idempotent=True)
        except SoapFault as fault:
            if fault.code == "INVALID_REQUEST":
                raise IdentityNotConfirmed("the registry refuses the document data as malformed") from fault
            raise OperationRejected(f"passport: {fault.code or fault.faultcode}") from fault
        return IdentityCheck.model_validate(answer)
