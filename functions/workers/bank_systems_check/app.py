"""Every minute (an EventBridge schedule): probe each bank system whose breaker is open or that chats wait
for, report the breakers' state, and tell the waiting chats once a system is back (outages/service.py)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.handlers import lambda_entry
from messenger_bank.outages.service import check_systems


def handle(_event: dict[str, Any], _context: LambdaContext) -> list[dict[str, Any]]:
    return [checked.model_dump(mode="json") for checked in check_systems()]


lambda_handler = lambda_entry(handle)
