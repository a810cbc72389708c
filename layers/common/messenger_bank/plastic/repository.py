"""Delivery addresses and tracked plastic orders in the customers table (table name from CUSTOMERS_TABLE).

    pk                     sk                  what
    CUSTOMER#<id>          ADDRESS#<addr id>   Address: as typed, and split for the bank
    PLASTIC#<order id>     ORDER               TrackedOrder: the journey that follows the order, last status

A status only moves forward: an event is recorded with a conditional update on the status's rank, so a
repeated or late event changes nothing, however often the bank sends it.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from messenger_bank.banking.models.core import DeliveryAddress
from messenger_bank.plastic.models import Address, PlasticStatus, TrackedOrder, rank
from messenger_bank.tables import InCustomersTable


def _address_key(customer_id: str, address_id: str) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": f"ADDRESS#{address_id}"}


def _order_key(order_id: str) -> dict[str, str]:
    return {"pk": f"PLASTIC#{order_id}", "sk": "ORDER"}


class PlasticRepository(InCustomersTable):
    # --- addresses --------------------------------------------------------------------------------
    def put_address(self, address: Address) -> None:
        item = {
            **_address_key(address.customer_id, address.address_id),
            "address_id": address.address_id,
            "customer_id": address.customer_id,
            "text": address.text,
            "delivery": address.delivery.model_dump(mode="json", exclude_none=True),
        }
        self.table.put_item(Item=item)

    def address(self, customer_id: str, address_id: str) -> Address | None:
        item = self.table.get_item(Key=_address_key(customer_id, address_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        return Address(
            address_id=item["address_id"],
            customer_id=item["customer_id"],
            text=item["text"],
            delivery=DeliveryAddress.model_validate(item["delivery"]),
        )

    # --- tracked orders ---------------------------------------------------------------------------
    def track(self, order: TrackedOrder) -> None:
        """Start following an order; a replayed order step keeps the record (and the status) it finds."""
        try:
            self.table.put_item(
                Item={**_order_key(order.order_id), **order.model_dump(mode="json"), "rank": rank(order.status)},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def order(self, order_id: str) -> TrackedOrder | None:
        item = self.table.get_item(Key=_order_key(order_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        return TrackedOrder(
            order_id=item["order_id"],
            execution=item["execution"],
            customer_id=item["customer_id"],
            chat_key=item["chat_key"],
            status=item["status"],
        )

    def advance(self, order_id: str, status: PlasticStatus) -> bool:
        """Record `status` if the order exists and is behind it; False when nothing changed."""
        try:
            self.table.update_item(
                Key=_order_key(order_id),
                UpdateExpression="SET #s = :status, #r = :rank",
                ConditionExpression="attribute_exists(pk) AND #r < :rank",
                ExpressionAttributeNames={"#s": "status", "#r": "rank"},
                ExpressionAttributeValues={":status": status, ":rank": rank(status)},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
