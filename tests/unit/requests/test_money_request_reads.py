"""Reading a money request for its payer: a request made a moment ago opens at once (DynamoDB's eventually
consistent read "might not reflect the results of a recently completed write"; moto always reads the latest, so
the table here has a replica that missed every write, which a read that does not ask for a consistent one gets),
and a request that is not the payer's, or has expired, is not found and the refusal names it; one already answered is
closed, and that refusal names it too. A request is kept under the key the repository's layout gives it."""

from __future__ import annotations

import boto3
import pytest

from messenger_bank.requests.errors import MoneyRequestClosed, MoneyRequestNotFound
from messenger_bank.requests.repository import MoneyRequestsRepository
from tests.support.aws import create_table
from tests.unit.customers.test_fresh_reads import LaggingTable
from tests.unit.requests.conftest import AMOUNT, EXPIRES_AT, NOW, PAYER, REQUEST_ID, REQUESTER, World


def test_a_request_made_a_moment_ago_opens_for_its_payer_at_once(world: World) -> None:
    replica = create_table(boto3.client("dynamodb"), "CustomersTable", name="CustomersTableReplica")
    lagging = MoneyRequestsRepository(LaggingTable(world.requests.table, boto3.resource("dynamodb").Table(replica)))

    kept = lagging.get(REQUEST_ID, PAYER, now=int(NOW.timestamp()))

    assert (kept.request_id, kept.payer_id, kept.amount_minor) == (REQUEST_ID, PAYER, AMOUNT)


@pytest.mark.parametrize(
    ("payer", "now"),
    [(REQUESTER, int(NOW.timestamp())), (PAYER, EXPIRES_AT)],
    ids=["not-the-payer", "at-its-expiry"],
)
def test_a_request_not_found_for_the_payer_names_the_request(world: World, payer: str, now: int) -> None:
    with pytest.raises(MoneyRequestNotFound) as missing:
        world.requests.get(REQUEST_ID, payer, now=now)
    assert missing.value.details == {"request_id": REQUEST_ID}


@pytest.mark.parametrize("to", ["paid", "declined"])
def test_an_answered_request_cannot_be_answered_again_and_the_refusal_names_it(world: World, to: str) -> None:
    world.requests.move(REQUEST_ID, PAYER, to="declined", allowed=("pending",))

    with pytest.raises(MoneyRequestClosed) as closed:
        world.requests.move(REQUEST_ID, PAYER, to=to, allowed=("pending", "paying"))
    assert closed.value.details == {"request_id": REQUEST_ID}


def test_a_request_is_kept_under_moneyreq_and_its_id_with_the_sort_key_request(world: World) -> None:
    # The customers table's single-table layout (requests/repository.py): pk MONEYREQ#<id>, sk REQUEST.
    item = world.requests.table.get_item(Key={"pk": f"MONEYREQ#{REQUEST_ID}", "sk": "REQUEST"}).get("Item")

    assert item is not None and (item["payer_id"], item["status"]) == (PAYER, "pending")
