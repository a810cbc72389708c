"""Every minute (an EventBridge schedule): the operators' queue as metrics, how many chats wait for a person
and for how long the oldest has (handoff/service.py check_queue; the alarm watches the second)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.handlers import lambda_entry
from messenger_bank.handoff.service import check_queue


def handle(_event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    return check_queue().model_dump(mode="json")


lambda_handler = lambda_entry(handle)
