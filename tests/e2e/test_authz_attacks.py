"""Issue 16, deliverable 8 (part): the internal API by role and the secure page bound to its chat and card,
attacked through the local HTTP front as an outsider would. Each case is refused; a positive control
with the right token shows the route itself is reachable, so a refusal means the authorizer said no."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import Chat, web_app_form
from tests.e2e.test_attacks import secure_link, two_customers  # noqa: F401 - the fixture: Alice and Bob with cards

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


# --- the secure page, bound to its chat and card ------------------------------------------------------------
def test_a_telegram_pin_link_is_refused_without_its_chats_web_app_data_or_for_another_card(
    cloud: LocalCloud,
    two_customers: dict[str, Any],  # noqa: F811 - the fixture imported above
) -> None:
    alice, bob = two_customers["alice"], two_customers["bob"]  # Alice on Telegram, Bob on Viber
    assert alice["chat"].channel == "telegram"
    link = secure_link(cloud, alice)
    pin = {"pin": "4829", "pin_confirm": "4829"}
    stranger = Chat(cloud, "telegram", "69000001", phone="+375290000001")
    attacks = {
        # The link copied out of Alice's chat (a screenshot, a forwarded message) and opened in a browser.
        "without initData": lambda: httpx.post(link, data=pin, timeout=20.0),
        # Opened as the Web App of another Telegram user's chat.
        "with another chat's initData": lambda: httpx.post(link, data=web_app_form(stranger, pin), timeout=20.0),
        # From her own chat, but naming Bob's card beside the signed one.
        "for another card": lambda: httpx.post(
            f"{link}&card={bob['card_id']}", data=web_app_form(alice["chat"], pin), timeout=20.0
        ),
    }
    outcomes = {name: attack().status_code for name, attack in attacks.items()}
    # The barrier: the same link, from her chat's Web App, still works (none of the above used it up).
    right = httpx.post(link, data=web_app_form(alice["chat"], pin), timeout=20.0)
    print("\nsecure page attacks:", *(f"  {name}: {status}" for name, status in outcomes.items()), sep="\n")

    assert outcomes == dict.fromkeys(attacks, 403)
    assert right.status_code == 200 and 'data-outcome="pin_done"' in right.text
