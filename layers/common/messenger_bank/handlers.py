"""The shape every Lambda handler shares: Powertools context and metrics around one call (tracing is Lambda's own).

Functions stay three lines: `lambda_handler = operation_lambda(BLOCK_CARD, block_card)` for an operation
the conversation calls (declared in messenger_bank/operations.py), `step_lambda(TransferState,
debit_transfer)` for a journey's step. A domain error propagates, so its class name becomes the Lambda
errorType that a state machine's Retry / Catch names and the conversation turns back into that class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from messenger_bank.errors import DomainError
from messenger_bank.invocation import CORRELATION_KEY, SESSION_KEY, WARM_UP_KEY, SessionCheck, is_warm_up
from messenger_bank.observability import logger, metrics

if TYPE_CHECKING:  # the declarations import every context's models: a webhook or a step needs none of them
    from messenger_bank.operations import Operation

__all__ = [
    "CORRELATION_KEY",
    "SESSION_KEY",
    "Handler",
    "SessionCheck",
    "lambda_entry",
    "operation_lambda",
    "step_lambda",
]

Handler = Callable[[dict[str, Any], LambdaContext], Any]


def lambda_entry(
    handle: Callable[[dict[str, Any], LambdaContext], Any], *, warm: Callable[[], None] | None = None
) -> Handler:
    """Wrap `handle(event, context)` with the Powertools decorators every function uses. A warm-up event
    (invocation.is_warm_up) is answered before `handle`: the init has run, and `warm` pays what the first
    call would otherwise pay while a customer waits (clients, secrets, the bank's token) - nothing that
    changes anything."""

    @logger.inject_lambda_context(log_event=False, correlation_id_path=CORRELATION_KEY)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
        if is_warm_up(event):
            if warm is not None:
                warm()
            metrics.add_metric(name="WarmUps", unit="Count", value=1)
            return {WARM_UP_KEY: "done"}
        try:
            return handle(event, context)
        except DomainError:
            # The bank's or the customer's answer leaves as a Lambda error (a journey's Catch names it): counted,
            # so that LambdaErrorsAlarm takes these off AWS/Lambda Errors and pages on faults only.
            metrics.add_metric(name="DomainErrorsRaised", unit="Count", value=1)
            raise

    return lambda_handler


def operation_lambda[R: BaseModel, A: BaseModel](
    contract: Operation[R, A], operation: Callable[[R], A], *, warm: Callable[[], None] | None = None
) -> Handler:
    """A declared operation as a Lambda: its request validated, its session checked, its result as JSON.

    With a session check, the operation runs only for the customer whose session came with the request:
    a customer id from a button or a forged invoke without that customer's session is refused.
    """

    def handle(event: dict[str, Any], _context: LambdaContext) -> Any:
        parsed = contract.parse(event)
        if contract.session is not None:
            _check_session(event.get(SESSION_KEY), parsed, sensitive=contract.session == "sensitive")
        answer = operation(parsed)
        if not isinstance(answer, contract.result):
            raise TypeError(f"{contract.name} answered {type(answer).__name__}, not {contract.result.__name__}")
        return _answer(event, answer, operation)

    handler = lambda_entry(handle, warm=warm)
    handler.operation = contract  # type: ignore[attr-defined]  # read by the tests that each function is its declaration
    return handler


def step_lambda[R: BaseModel](
    request_model: type[R], step: Callable[[R], BaseModel], *, warm: Callable[[], None] | None = None
) -> Handler:
    """A journey's step as a Lambda: the state machine's input validated, the step's answer as JSON; `warm`
    as lambda_entry's."""

    def handle(event: dict[str, Any], _context: LambdaContext) -> Any:
        parsed = request_model.model_validate(
            {k: v for k, v in event.items() if k not in (CORRELATION_KEY, SESSION_KEY)}
        )
        return _answer(event, step(parsed), step)

    return lambda_entry(handle, warm=warm)


def _answer(event: dict[str, Any], answer: BaseModel, done: Callable[..., Any]) -> Any:
    # The correlation id is the platform's, not the operation's: it is taken off the request and put
    # back on the answer, so that a journey's next step (which gets this answer) carries it on.
    result = answer.model_dump(mode="json")
    # One line per operation, so that every function of a customer's turn shows under its correlation id.
    logger.info("operation done", extra={"operation": done.__name__})
    correlation_id = event.get(CORRELATION_KEY)
    if correlation_id is not None and isinstance(result, dict):
        result[CORRELATION_KEY] = correlation_id
    return result


def _check_session(envelope: object, request: BaseModel, *, sensitive: bool) -> None:
    from messenger_bank.security.session_tokens import check_session

    customer_id = getattr(request, "customer_id", None)
    if not isinstance(customer_id, str):
        raise TypeError(f"{type(request).__name__} names no customer: it cannot be checked against a session")
    chat_key = getattr(request, "chat_key", None)
    try:
        check_session(
            envelope, customer_id, chat_key=chat_key if isinstance(chat_key, str) else None, sensitive=sensitive
        )
    except Exception as refused:
        metrics.add_metric(name="SessionRefused", unit="Count", value=1)
        logger.info("session refused", extra={"reason": type(refused).__name__})
        raise
