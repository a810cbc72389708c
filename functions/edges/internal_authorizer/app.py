"""HTTP API Lambda authorizer of the internal routes: Keycloak JWTs (RS256, issuer, audience, expiry)."""

from messenger_bank.handlers import lambda_entry
from messenger_bank.security.jwt_authorizer import authorize

lambda_handler = lambda_entry(lambda event, _context: authorize(event))
