"""One contract per operation (messenger_bank/operations.py), on both sides of the invoke.

The conversation turns a Lambda error back into the error class the operation declares (anything else
is an OperationError, never a bare string); a name that is not declared is never invoked; the unit fake
of operations refuses what the deployed function refuses.
"""

from __future__ import annotations

import importlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from messenger_bank.cards.models import BalanceResult, CardList, ListCardsRequest
from messenger_bank.conversation import service
from messenger_bank.conversation.engine import OperationFailed
from messenger_bank.conversation.flows import FLOWS_DIR, REGISTRY_FILE, load_flows
from messenger_bank.errors import DomainError, InsufficientFunds, OperationError
from messenger_bank.handlers import operation_lambda
from messenger_bank.operations import DECLARING_CONTEXTS, OPERATIONS, Operation, UndeclaredOperation
from messenger_bank.security.errors import CardTokenNotFound, ReauthenticationRequired, SessionExpired
from tests.unit.conversation.chat import Chat, FakeDeps, customer_deps
from tests.unit.signin.test_operations_check_the_session import _Context, function


class _LambdaClient:
    """Answers every invoke with one Lambda error payload, as the Lambda API does (FunctionError set)."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error
        self.invoked: list[str] = []

    def invoke(self, FunctionName: str, Payload: bytes) -> dict[str, Any]:
        self.invoked.append(FunctionName)
        return {"FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(self.error).encode())}


@pytest.fixture
def lambda_fails(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("OPERATIONS_PREFIX", "bank-op-")

    def failing(error_type: str | None) -> _LambdaClient:
        error = {"errorMessage": "refused", "stackTrace": []} | ({"errorType": error_type} if error_type else {})
        client = _LambdaClient(error)
        monkeypatch.setattr(service, "_lambda", lambda: client)
        return client

    return failing


def refusal(name: str, payload: dict[str, Any]) -> OperationFailed:
    with pytest.raises(OperationFailed) as refused:
        service.LambdaTurnDependencies().call_operation(name, payload)
    return refused.value


@pytest.mark.parametrize(
    ("name", "error_type", "expected"),
    [
        ("quote_transfer", "InsufficientFunds", InsufficientFunds),
        ("quote_transfer", "CardTokenNotFound", CardTokenNotFound),  # a subclass of the declared CardNotFound
        ("list_cards", "SessionExpired", SessionExpired),  # the session's errors come with the session check
        ("unblock_card", "ReauthenticationRequired", ReauthenticationRequired),
    ],
)
def test_a_lambda_error_comes_back_as_the_declared_error_class(
    lambda_fails: Any, name: str, error_type: str, expected: type[DomainError]
) -> None:
    client = lambda_fails(error_type)

    failed = refusal(name, {"customer_id": "cus_1"})

    assert type(failed.error) is expected and failed.code == error_type
    assert client.invoked == [f"bank-op-{name}"]


@pytest.mark.parametrize(
    ("name", "error_type"),
    [
        ("get_balance", "InsufficientFunds"),  # declared by other operations, not by this one
        ("list_cards", "ReauthenticationRequired"),  # a sensitive session's error on a customer one
        ("quote_transfer", "Sandbox.Timedout"),
        ("quote_transfer", "ValidationError"),
    ],
)
def test_an_error_the_operation_does_not_declare_is_an_operation_error(
    lambda_fails: Any, name: str, error_type: str
) -> None:
    lambda_fails(error_type)

    failed = refusal(name, {"customer_id": "cus_1"})

    assert type(failed.error) is OperationError and failed.error.error_type == error_type


def test_a_lambda_error_without_a_type_is_an_operation_error(lambda_fails: Any) -> None:
    lambda_fails(None)

    failed = refusal("list_cards", {"customer_id": "cus_1"})

    assert type(failed.error) is OperationError and failed.code == "OperationError"


def test_an_undeclared_operation_is_never_invoked(lambda_fails: Any) -> None:
    client = lambda_fails("ResourceNotFoundException")

    with pytest.raises(UndeclaredOperation):
        service.LambdaTurnDependencies().call_operation("request_operator", {"chat_key": "telegram:1"})
    assert client.invoked == []


def test_a_refusal_named_by_a_string_is_an_operation_error_of_that_name() -> None:
    failed = OperationFailed("WaitNotFound")

    assert type(failed.error) is OperationError and failed.code == "WaitNotFound"


# ---------------------------------------------------------------- the fake refuses like the function


def test_the_fake_refuses_an_operation_that_is_not_deployed() -> None:
    with pytest.raises(UndeclaredOperation):
        FakeDeps().call_operation("request_operator", {"chat_key": "telegram:1001", "language": "ru"})


def test_a_flow_calling_an_undeployed_operation_fails_the_turn_in_unit_tests(tmp_path: Path) -> None:
    # The help flow once called request_operator: green with a fake that answered {} for any name.
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    shutil.copy(REGISTRY_FILE, tmp_path / "registry.yaml")
    help_flow = flows / "help.yaml"
    source = help_flow.read_text(encoding="utf-8")
    old = "  - id: contact_centre\n    type: end\n"
    assert old in source
    help_flow.write_text(
        source.replace(old, "  - id: contact_centre\n    type: call\n    operation: request_operator\n"
                       "    with: {chat_key: $chat_key}\n    next: said\n\n  - id: said\n    type: end\n"),
        encoding="utf-8",
    )  # fmt: skip
    chat = Chat(customer_deps(), flows=load_flows(flows))
    chat.start()
    chat.press("Помощь")

    with pytest.raises(UndeclaredOperation):
        chat.press("Позвонить в банк")


def test_the_fake_and_the_function_refuse_the_same_payload() -> None:
    payload = {"customer_id": "cus_1", "card_id": "card_1", "currency": "BYN"}  # get_balance takes no currency

    with pytest.raises(ValidationError):
        function("get_balance").lambda_handler(payload, _Context())
    with pytest.raises(OperationFailed) as refused:
        FakeDeps().call_operation("get_balance", payload)
    assert refused.value.code == "ValidationError"


def test_the_fake_types_a_canned_error_by_the_declaration() -> None:
    deps = FakeDeps(results={"quote_payment": InsufficientFunds(), "get_balance": InsufficientFunds()})
    quote = {"customer_id": "c", "payee_id": "100001", "account": "1", "amount_minor": 1, "currency": "BYN"}

    with pytest.raises(OperationFailed) as declared:
        deps.call_operation("quote_payment", quote)
    with pytest.raises(OperationFailed) as undeclared:
        deps.call_operation("get_balance", {"customer_id": "c", "card_id": "card_1"})

    assert type(declared.value.error) is InsufficientFunds
    assert type(undeclared.value.error) is OperationError


# ---------------------------------------------------------------- the declarations and the function


def test_every_declaration_has_its_own_name() -> None:
    declared = [
        value
        for context in DECLARING_CONTEXTS
        for value in vars(importlib.import_module(f"messenger_bank.{context}.operations")).values()
        if isinstance(value, Operation)
    ]

    assert len(declared) == len(OPERATIONS) == len({d.name for d in declared})


def test_every_context_module_that_declares_operations_is_read_into_the_registry() -> None:
    layer = Path(__file__).resolve().parents[2] / "layers" / "common" / "messenger_bank"
    declaring = {path.parent.name for path in layer.glob("*/operations.py")}

    assert sorted(declaring) == sorted(DECLARING_CONTEXTS)


def test_a_function_answering_another_model_than_declared_fails() -> None:
    declared = Operation("list_cards", ListCardsRequest, CardList)
    wrong = BalanceResult(balance="1.00 BYN", available="1.00 BYN", available_minor=100, currency="BYN")
    handler = operation_lambda(declared, lambda _request: wrong)  # type: ignore[arg-type,return-value]

    with pytest.raises(TypeError, match="answered BalanceResult, not CardList"):
        handler({"customer_id": "cus_1"}, _Context())
