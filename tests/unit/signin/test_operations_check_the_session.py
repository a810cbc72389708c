"""Every operation the conversation calls for a customer runs only with that customer's session."""

from __future__ import annotations

from pathlib import Path

import pytest

from messenger_bank.handlers import SESSION_KEY
from messenger_bank.operations import OPERATIONS
from messenger_bank.security.errors import ReauthenticationRequired, SessionInvalid
from messenger_bank.security.session_tokens import issue_session
from tests.support.functions import handler_module

ROOT = Path(__file__).resolve().parents[3]
# Changing how the card is reached, or who can pay with it: the password (or card) again first.
SENSITIVE = {"unblock_card", "create_secure_link", "set_card_limit", "forget_customer"}
KEY = b"k" * 48
CHAT = "telegram:1"


def customer_operations() -> list[str]:
    return sorted(name for name, declared in OPERATIONS.items() if "customer_id" in declared.fields)


function = handler_module


def test_the_declarations_name_the_customer_operations() -> None:
    assert {"list_cards", "get_balance", "quote_transfer", "set_card_limit", "start_reauthentication"} <= set(
        customer_operations()
    )


@pytest.mark.parametrize("operation", customer_operations())
def test_each_customer_operation_checks_the_session(operation: str) -> None:
    check = function(operation).lambda_handler.operation.session

    assert check == ("sensitive" if operation in SENSITIVE else "customer")


class _Context:
    function_name = "op"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-central-1:000000000000:function:op"
    aws_request_id = "req-1"


@pytest.fixture
def session_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import messenger_bank.security.session_tokens as tokens

    monkeypatch.setattr(tokens, "signing_key", lambda purpose: KEY)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")


def test_a_forged_invoke_for_another_customer_does_not_reach_the_bank(session_key: None) -> None:
    handler = function("get_balance").lambda_handler
    mallorys = issue_session("cus_mallory", "telegram:1", key=KEY)
    event = {
        "customer_id": "cus_victim",
        "card_id": "card_v",
        SESSION_KEY: {"token": mallorys, "chat_key": "telegram:1"},
    }

    with pytest.raises(SessionInvalid):
        handler(event, _Context())
    with pytest.raises(SessionInvalid):
        handler({"customer_id": "cus_victim", "card_id": "card_v"}, _Context())


def test_a_sensitive_operation_with_an_old_proof_asks_again(session_key: None) -> None:
    from datetime import UTC, datetime, timedelta

    handler = function("unblock_card").lambda_handler
    old = issue_session("cus_1", "telegram:1", key=KEY, auth_time=datetime.now(UTC) - timedelta(hours=1))

    with pytest.raises(ReauthenticationRequired):
        handler(
            {"customer_id": "cus_1", "card_id": "card_1", SESSION_KEY: {"token": old, "chat_key": "telegram:1"}},
            _Context(),
        )
