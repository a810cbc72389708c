"""The customers table, shared by the contexts that keep rows in it (single-table design): one boto3
resource per cold start, created on first use."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3

from messenger_bank.settings import stack_settings


@cache
def customers_table() -> Any:
    return boto3.resource("dynamodb").Table(stack_settings().customers_table_name())


ScanKey = dict[str, str]  # DynamoDB's LastEvaluatedKey of the customers table (pk, sk)


class InCustomersTable:
    """A repository over the customers table: the deployed one unless a test hands in another."""

    def __init__(self, table: Any = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        return self._table if self._table is not None else customers_table()

    def customer_pages(self, rows: Any, start_key: ScanKey | None = None) -> Iterator[tuple[list[str], ScanKey | None]]:
        """The customers of the rows matching the filter `rows`, one scan page at a time from `start_key`, each
        with the key to go on from (None after the last page): the monthly runs' listing, which goes on from
        where its previous step stopped. A customer with several such rows is there once a row."""
        query: dict[str, Any] = {"FilterExpression": rows, "ProjectionExpression": "pk", "ConsistentRead": True}
        if start_key is not None:
            query["ExclusiveStartKey"] = start_key
        while True:
            page = self.table.scan(**query)
            next_key = page.get("LastEvaluatedKey")
            yield [str(item["pk"]).removeprefix("CUSTOMER#") for item in page["Items"]], next_key
            if next_key is None:
                return
            query["ExclusiveStartKey"] = next_key
