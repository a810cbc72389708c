"""The customers table, shared by the contexts that keep rows in it (single-table design): one boto3
resource per cold start, created on first use."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3

from messenger_bank.settings import stack_settings


@cache
def customers_table() -> Any:
    return boto3.resource("dynamodb").Table(stack_settings().customers_table_name())


class InCustomersTable:
    """A repository over the customers table: the deployed one unless a test hands in another."""

    def __init__(self, table: Any = None) -> None:
        self._table = table

    @property
    def table(self) -> Any:
        return self._table if self._table is not None else customers_table()

    def customers_having(self, rows: Any) -> list[str]:
        """Every customer with a row matching the filter `rows` (a boto3 condition), once each, sorted: a
        scan of the whole table, for the monthly runs that read every such row once a month."""
        query: dict[str, Any] = {"FilterExpression": rows, "ProjectionExpression": "pk", "ConsistentRead": True}
        found: set[str] = set()
        while True:
            page = self.table.scan(**query)
            found |= {str(item["pk"]).removeprefix("CUSTOMER#") for item in page["Items"]}
            if "LastEvaluatedKey" not in page:
                return sorted(found)
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
