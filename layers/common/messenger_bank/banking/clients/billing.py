"""Billing (ERIP) client: SOAP 1.1 with HTTP Basic: payees, account check, payment."""

from __future__ import annotations

from messenger_bank.banking.clients.soap import SoapClient, SoapFault, as_list
from messenger_bank.banking.models import PayeeCategory
from messenger_bank.banking.models.billing import Payee, PayeeAccount, Payment, PayRequest
from messenger_bank.errors import (
    CardNotFound,
    DomainError,
    IdempotencyConflict,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
    PayeeAccountNotFound,
    PayeeNotFound,
)

NAMESPACE = "http://billing.bank.sandbox/v1"
FAULTS: dict[str, type[DomainError]] = {
    "PAYEE_NOT_FOUND": PayeeNotFound,
    "ACCOUNT_NOT_FOUND": PayeeAccountNotFound,
    "INSUFFICIENT_FUNDS": InsufficientFunds,
    "LIMIT_EXCEEDED": LimitExceeded,
    "IDEMPOTENCY_CONFLICT": IdempotencyConflict,
    "idempotency_conflict": IdempotencyConflict,
    "PAYER_ACCOUNT_NOT_FOUND": CardNotFound,
}


def domain_error(fault: SoapFault) -> DomainError:
    return FAULTS.get(fault.code, OperationRejected)(f"billing: {fault.message}", code=fault.code)


class BillingClient:
    def __init__(self, soap: SoapClient) -> None:
        self.soap = soap

    def payees(self, category: PayeeCategory | None = None) -> list[Payee]:
        try:
            answer = self.soap.call("ListPayees", {"category": category}, idempotent=True)
        except SoapFault as fault:
            raise domain_error(fault) from fault
        return [Payee.model_validate(item) for item in as_list(answer.get("payee"))]

    def check_account(self, service_code: str, account: str) -> PayeeAccount:
        try:
            answer = self.soap.call("CheckAccount", {"serviceCode": service_code, "account": account}, idempotent=True)
        except SoapFault as fault:
            raise domain_error(fault) from fault
        return PayeeAccount.model_validate({k: v for k, v in answer.items() if v != ""})

    def pay(self, request: PayRequest) -> Payment:
        """Moves money; carries the idempotency key, so a retry after a timeout cannot pay twice."""
        params = {
            "serviceCode": request.service_code,
            "account": request.account,
            "amount": request.amount,
            "currency": request.currency,
            "payerAccountId": request.payer_account_id,
            "idempotencyKey": request.idempotency_key,
        }
        try:
            answer = self.soap.call("Pay", params, idempotent=True)
        except SoapFault as fault:
            raise domain_error(fault) from fault
        return Payment.model_validate(answer)
