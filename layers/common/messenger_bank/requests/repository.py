"""Money requests in the customers table (table name from CUSTOMERS_TABLE).

    pk                    sk        what                                                   TTL
    MONEYREQ#<id>         REQUEST   MoneyRequest: requester (also as customer_id), payer,  expires_at
                                    amount, status, attempt (pending → paying → paid | declined)
    CUSTOMER#<payer>      MONEYREQ#<id>  row_pk / row_sk: the request, for forgetting the payer  expires_at

Every status change is a conditional write: a request is paid or declined once, however often the
buttons are pressed, only by its payer, and only before it expires (the TTL deletes it only
eventually). A refused payment (not enough money) puts it back to pending with the next attempt
number, so that paying later carries a new idempotency key (the bank replays refusals too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from messenger_bank.requests.errors import MoneyRequestClosed, MoneyRequestNotFound
from messenger_bank.requests.models import MoneyRequest
from messenger_bank.tables import InCustomersTable


def _key(request_id: str) -> dict[str, str]:
    return {"pk": f"MONEYREQ#{request_id}", "sk": "REQUEST"}


def _to_request(item: dict[str, Any]) -> MoneyRequest:
    return MoneyRequest(
        request_id=item["request_id"],
        requester_id=item["requester_id"],
        payer_id=item["payer_id"],
        amount_minor=int(item["amount_minor"]),
        currency=item["currency"],
        status=item["status"],
        attempt=int(item["attempt"]),  # put writes every field of MoneyRequest
        created_at=datetime.fromisoformat(item["created_at"]),
        expires_at=int(item["expires_at"]),
    )


class MoneyRequestsRepository(InCustomersTable):
    def put(self, request: MoneyRequest) -> None:
        """The request carries the requester as `customer_id` and the payer keeps a pointer to it in their own
        partition: forgetting either finds it by key (privacy/erasure.py). The pointer first: one left
        without its request (a failure between the two) points at nothing and goes with the TTL."""
        self.table.put_item(
            Item={
                "pk": f"CUSTOMER#{request.payer_id}",
                "sk": f"MONEYREQ#{request.request_id}",
                "row_pk": _key(request.request_id)["pk"],
                "row_sk": _key(request.request_id)["sk"],
                "expires_at": request.expires_at,
            }
        )
        self.table.put_item(
            Item={**_key(request.request_id), **request.model_dump(mode="json"), "customer_id": request.requester_id}
        )

    def get(self, request_id: str, payer_id: str, *, now: int) -> MoneyRequest:
        item = self.table.get_item(Key=_key(request_id), ConsistentRead=True).get("Item")
        if item is None or item.get("payer_id") != payer_id or int(item["expires_at"]) <= now:
            raise MoneyRequestNotFound("no such request for this customer", request_id=request_id)
        return _to_request(item)

    def move(
        self,
        request_id: str,
        payer_id: str,
        *,
        to: str,
        allowed: tuple[str, ...],
        bump: bool = False,
        open_at: int | None = None,
    ) -> MoneyRequest:
        """Change the status if it is one of `allowed` (and the request is this payer's, and, with
        `open_at`, not expired at that time: DynamoDB deletes expired items only eventually)."""
        names = {"#s": "status"}
        values: dict[str, Any] = {":to": to, ":payer": payer_id}
        values.update({f":a{i}": status for i, status in enumerate(allowed)})
        condition = f"payer_id = :payer AND #s IN ({', '.join(f':a{i}' for i in range(len(allowed)))})"
        if open_at is not None:
            condition += " AND expires_at > :now"
            values[":now"] = open_at
        # put writes attempt with every request, so there is always one to bump.
        update = "SET #s = :to" + (", attempt = attempt + :one" if bump else "")
        if bump:
            values[":one"] = 1
        try:
            item = self.table.update_item(
                Key=_key(request_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise MoneyRequestClosed("the request is no longer open", request_id=request_id) from None
        return _to_request(item)
