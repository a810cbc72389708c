"""What the deployed page talks to when nothing is handed in: the bank's core and Cerberus clients of
``banking.service`` (made once, kept for the request), the customers table the stack names, and the Telegram bot
token from the stack's secrets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from messenger_bank.banking import service as bank
from messenger_bank.securepage.service import Collaborators
from messenger_bank.settings import stack_settings
from messenger_bank.tables import customers_table
from tests.unit.securepage.conftest import BOT_TOKEN


@pytest.fixture
def stack(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SECRETS_PREFIX", "/test")
    monkeypatch.setenv("CUSTOMERS_TABLE", "customers-deployed")
    stack_settings.cache_clear()
    customers_table.cache_clear()
    yield
    stack_settings.cache_clear()
    customers_table.cache_clear()


@pytest.mark.parametrize(("ask", "factory"), [("core_bank", "core_client"), ("cerberus_client", "cerberus_client")])
def test_the_bank_clients_are_the_deployed_ones_made_once(
    monkeypatch: pytest.MonkeyPatch, ask: str, factory: str
) -> None:
    made: list[object] = []

    def deployed() -> object:
        made.append(object())
        return made[-1]

    monkeypatch.setattr(bank, factory, deployed)
    deps = Collaborators()

    first: Any = getattr(deps, ask)()

    assert first is made[0]
    assert getattr(deps, ask)() is first and len(made) == 1


def test_the_customers_are_the_stacks_table_kept_for_the_request(stack: None) -> None:
    deps = Collaborators()

    customers = deps.customers_repository()

    assert customers.table.name == "customers-deployed"
    assert deps.customers_repository() is customers


def test_the_bot_token_is_the_stacks_telegram_secret(stack: None) -> None:
    boto3.client("ssm").put_parameter(Name="/test/telegram/bot-token", Value=BOT_TOKEN, Type="SecureString")

    assert Collaborators().telegram_bot_token() == BOT_TOKEN
