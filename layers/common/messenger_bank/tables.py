"""The customers table, shared by the contexts that keep rows in it (single-table design): one boto3
resource per cold start, created on first use."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3


@cache
def customers_table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["CUSTOMERS_TABLE"])
