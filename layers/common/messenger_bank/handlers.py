"""The shape every Lambda handler shares: Powertools context, metrics and tracing around one call.

Functions stay three lines: `lambda_handler = operation_lambda(BlockCardRequest, block_card)`.
A domain error propagates, so its class name becomes the Lambda errorType that a state machine's
Retry / Catch names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from messenger_bank.observability import logger, metrics, tracer

Handler = Callable[[dict[str, Any], LambdaContext], Any]
RequestT = TypeVar("RequestT", bound=BaseModel)


def lambda_entry(handle: Callable[[dict[str, Any], LambdaContext], Any]) -> Handler:
    """Wrap `handle(event, context)` with the Powertools decorators every function uses."""

    @logger.inject_lambda_context(log_event=False, correlation_id_path="correlation_id")
    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
        return handle(event, context)

    return lambda_handler


def operation_lambda[R: BaseModel](request_model: type[R], operation: Callable[[R], BaseModel]) -> Handler:
    """A banking operation as a Lambda: validate the request, call the domain, return JSON."""

    def handle(event: dict[str, Any], _context: LambdaContext) -> Any:
        return operation(request_model.model_validate(event)).model_dump(mode="json")

    return lambda_entry(handle)
