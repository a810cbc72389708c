"""Issue 16, deliverable 8 (part): the internal API by role and the secure page bound to its chat and card,
attacked through the local HTTP front as an outsider would. Each case is refused; a positive control
with the right token shows the route itself is reachable, so a refusal means the authorizer said no."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud

pytestmark = pytest.mark.e2e

EVENTS = "/internal/plastic-events"
LOOKUP = "/internal/customers/cus_unknown"


def token_of(cloud: LocalCloud, client_id: str, *, kind: str = "access_token", scope: str = "profile") -> str:
    """A token the sandbox's Keycloak issues to `client_id` (client-credentials grant)."""
    assert cloud.sandbox is not None
    answer = httpx.post(
        f"{cloud.sandbox.urls['keycloak']}/realms/bank/protocol/openid-connect/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client_id, cloud.sandbox.config.keycloak_clients[client_id]),
        timeout=20.0,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()[kind])


def call(cloud: LocalCloud, method: str, path: str, token: str) -> httpx.Response:
    assert cloud.api is not None
    body: dict[str, Any] | None = {"order_id": "po_unknown", "status": "sent"} if method == "POST" else None
    return httpx.request(
        method, f"{cloud.api.base_url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=20.0
    )


def test_the_internal_api_refuses_tokens_without_the_routes_role_an_id_token_and_a_foreign_client(
    cloud: LocalCloud,
) -> None:
    core, operator = token_of(cloud, "core-banking"), token_of(cloud, "operator-console")
    # Positive controls: each route is reachable with its own role (an unknown order / customer → 404).
    assert call(cloud, "POST", EVENTS, core).status_code == 404
    assert call(cloud, "GET", LOOKUP, operator).status_code == 404
    ours = token_of(cloud, "messenger-bank")
    id_token = token_of(cloud, "core-banking", kind="id_token", scope="openid")
    attacks = {
        "our own client's token (azp not allowed, no role) on core banking's route": ("POST", EVENTS, ours),
        "an operator's token (allowed client, another role) on core banking's route": ("POST", EVENTS, operator),
        "core banking's token (just let through on its route) on the operators' route": ("GET", LOOKUP, core),
        "core banking's ID token (typ ID, aud core-banking, the role inside)": ("POST", EVENTS, id_token),
    }
    outcomes = {name: call(cloud, method, path, token).status_code for name, (method, path, token) in attacks.items()}
    print("\ninternal API attacks:", *(f"  {name}: {status}" for name, status in outcomes.items()), sep="\n")
    assert outcomes == dict.fromkeys(attacks, 403)
