"""Who may call which internal route: the one place that names each route's Keycloak realm role.

The authorizer (``jwt_authorizer``) lets a request through only when its token carries the role its
route names here; a route not named here is refused for everyone. ``docs/internal-api.openapi.yaml``
repeats each role as ``x-keycloak-role`` for readers, and a unit test holds the two and the template's
``/internal/`` routes equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# HTTP API route keys ("METHOD /path") as API Gateway puts them in the authorizer event's ``routeKey``.
ROUTE_ROLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # An operator's masked view of one customer (the operators' console, a user token).
        "GET /internal/customers/{customer_id}": "operator",
        # The operators' inbox: chats handed to a person, taken, answered and handed back (a user token).
        "GET /internal/handoffs": "operator",
        "POST /internal/handoffs/{handoff_id}/take": "operator",
        "POST /internal/handoffs/{handoff_id}/answer": "operator",
        "POST /internal/handoffs/{handoff_id}/hand-back": "operator",
        # Core banking's push of a plastic-card order's status (a client-credentials token).
        "POST /internal/plastic-events": "core-banking-events",
        # Core banking's push of a card purchase cleared, declined or refunded (a client-credentials token).
        "POST /internal/card-events": "core-banking-events",
    }
)


def role_for(route_key: object) -> str | None:
    """The role `route_key` needs, or None for a route nobody may call."""
    return ROUTE_ROLES.get(route_key) if isinstance(route_key, str) else None
