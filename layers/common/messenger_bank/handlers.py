"""The shape every Lambda handler shares: Powertools context, metrics and tracing around one call.

Functions stay three lines: `lambda_handler = operation_lambda(BlockCardRequest, block_card)`.
A domain error propagates, so its class name becomes the Lambda errorType that a state machine's
Retry / Catch names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from messenger_bank.observability import logger, metrics, tracer

Handler = Callable[[dict[str, Any], LambdaContext], Any]
RequestT = TypeVar("RequestT", bound=BaseModel)


# The key under which a correlation id travels in every Lambda's event (see webhooks.correlation_id_of).
CORRELATION_KEY = "correlation_id"
# The key under which the conversation sends the chat's session (security.session_tokens.SessionEnvelope).
SESSION_KEY = "session"
# What an operation asks of the session: "customer" - a valid one, of the customer the request names;
# "sensitive" - also a card or bank password proven recently (else ReauthenticationRequired).
SessionCheck = Literal["customer", "sensitive"]


def lambda_entry(handle: Callable[[dict[str, Any], LambdaContext], Any]) -> Handler:
    """Wrap `handle(event, context)` with the Powertools decorators every function uses."""

    @logger.inject_lambda_context(log_event=False, correlation_id_path=CORRELATION_KEY)
    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
        if isinstance(event, dict) and event.get(CORRELATION_KEY):
            tracer.put_annotation(key=CORRELATION_KEY, value=str(event[CORRELATION_KEY]))
        return handle(event, context)

    return lambda_handler


def operation_lambda[R: BaseModel](
    request_model: type[R], operation: Callable[[R], BaseModel], *, session: SessionCheck | None = None
) -> Handler:
    """A banking operation as a Lambda: validate the request, check the session, call the domain, return JSON.

    With `session`, the operation runs only for the customer whose session came with the request: a
    customer id from a button or a forged invoke without that customer's session is refused.
    """

    def handle(event: dict[str, Any], _context: LambdaContext) -> Any:
        # The correlation id is the platform's, not the operation's: it is taken off the request and put
        # back on the answer, so that a journey's next step (which gets this answer) carries it on.
        correlation_id = event.get(CORRELATION_KEY)
        request = {key: value for key, value in event.items() if key not in (CORRELATION_KEY, SESSION_KEY)}
        parsed = request_model.model_validate(request)
        if session is not None:
            _check_session(event.get(SESSION_KEY), parsed, sensitive=session == "sensitive")
        answer = operation(parsed).model_dump(mode="json")
        # One line per operation, so that every function of a customer's turn shows under its correlation id.
        logger.info("operation done", extra={"operation": operation.__name__})
        if correlation_id is not None and isinstance(answer, dict):
            answer[CORRELATION_KEY] = correlation_id
        return answer

    handler = lambda_entry(handle)
    handler.session_check = session  # type: ignore[attr-defined]  # read by the tests that every operation checks
    return handler


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
