"""POST /webhooks/telegram: checks the secret token, queues the update once, answers 200 at once."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.observability import logger, metrics, tracer
from messenger_bank.webhooks.service import accept_update


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return accept_update("telegram", event).model_dump()
