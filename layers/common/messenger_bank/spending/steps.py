"""The step-up code as journey steps, for any journey that moves money (the bill payment's AwaitCode and
CheckCode states; the transfer journey's own steps call the same service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from messenger_bank.customers.service import CustomersRepository
from messenger_bank.journeys import service as journeys
from messenger_bank.observability import logger
from messenger_bank.spending import service as spending
from messenger_bank.spending.errors import CodeCancelled
from messenger_bank.spending.models import CodeAccepted, CodeCheck, CodeWait, CodeWaiting
from messenger_bank.spending.repository import SpendingRepository

if TYPE_CHECKING:
    from messenger_bank.banking.service import CerberusClient


def await_code(
    request: CodeWait,
    *,
    repository: SpendingRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    cerberus: CerberusClient | None = None,
    park: Callable[..., None] = journeys.park,
) -> CodeWaiting:
    """Cerberus sends the code to the customer's phone, then the task token waits for what they type."""
    spending.send_code(
        request.challenge,
        request.customer_id,
        purpose=request.purpose,
        repository=repository,
        customers_repository=customers_repository,
        cerberus=cerberus,
    )
    park(request.reference, request.task_token, chat_key=request.chat_key)
    logger.info("waiting for the code", extra={"reference": request.reference})
    return CodeWaiting(reference=request.reference)


def check_code(
    request: CodeCheck, *, repository: SpendingRepository | None = None, cerberus: CerberusClient | None = None
) -> CodeAccepted:
    """InvalidOneTimeCode (wrong, or none sent or typed) or CodeCancelled (the customer left)."""
    if request.otp.decision == "cancel":
        raise CodeCancelled("the customer left the code prompt")
    spending.check_code(
        request.challenge, request.customer_id, request.otp.code, repository=repository, cerberus=cerberus
    )
    return CodeAccepted()
