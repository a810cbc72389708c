"""GET / POST /secure/{pin|password}: the one-time page where a PIN or the bank password is set."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.handlers import lambda_entry
from messenger_bank.securepage.service import handle


def _handle(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    return handle(event)


lambda_handler = lambda_entry(_handle)
