"""Showing the page again right after its link was used must say so: the page's read of the used-link record follows
the write at once. DynamoDB says an eventually consistent read "might not reflect the results of a recently completed
write"; moto always reads the latest, so the table here has a replica that missed every write, which every read that
does not ask for a consistent one gets (as a real replica may)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from messenger_bank.securepage.service import Collaborators, handle
from tests.unit.securepage.conftest import ALICE_CARD, event, link_token
from tests.unit.security.conftest import IDEMPOTENCY_TABLE

REPLICA = "idempotency-replica"


class LaggingDynamoDB:
    """The DynamoDB client whose replica of the page's table is empty: a consistent read sees the writes, any other
    read sees the replica. Writes and everything else go to the table itself."""

    def __init__(self, client: Any) -> None:
        self._client = client
        client.create_table(
            TableName=REPLICA,
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_item(self, **request: Any) -> Any:
        if request.get("ConsistentRead") is not True and request["TableName"] == IDEMPOTENCY_TABLE:
            request = {**request, "TableName": REPLICA}
        return self._client.get_item(**request)


def test_a_link_used_a_moment_ago_is_shown_as_used(deps: Collaborators) -> None:
    client: Any = LaggingDynamoDB(deps.dynamodb)  # the client's interface, through __getattr__
    lagging = replace(deps, dynamodb=client)
    token = link_token()
    pin = {"pin": "4829", "pin_confirm": "4829"}
    assert handle(event("POST", "pin", token=token, card=ALICE_CARD, form=pin), lagging).status == 200

    shown = handle(event("GET", "pin", token=token, card=ALICE_CARD), lagging)

    assert shown.status == 410 and 'data-outcome="used"' in shown.body
