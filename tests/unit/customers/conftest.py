"""What the customers context's tests share: the customers table on moto, as the repository sees it."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.customers.repository import CustomersRepository


@pytest.fixture
def customers(customers_table: Any) -> CustomersRepository:
    return CustomersRepository(customers_table)
