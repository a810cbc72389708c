"""What the notices' tests share: the chats' window records in the customers table on moto."""

from __future__ import annotations

from typing import Any

import pytest

from messenger_bank.notices.windows import WindowsRepository


@pytest.fixture
def windows(customers_table: Any) -> WindowsRepository:
    return WindowsRepository(customers_table)
