"""HTTP API Lambda authorizer of the internal routes: Keycloak JWTs (RS256, issuer, audience, expiry)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.handlers import lambda_entry
from messenger_bank.security.jwt_authorizer import authorize


def _handle(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    return authorize(event)


lambda_handler = lambda_entry(_handle)
