"""The journeys' outcome step (journeys/outcomes.py): a refusal counted apart by its reason, money stuck counted
for its alarm, and the refusal paths of every journey going through it while the failures do not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from local.cloud.template import load_structured_file
from messenger_bank.journeys.outcomes import JourneyOutcome
from tests.support.functions import handler_module

ROOT = Path(__file__).resolve().parents[2]


class Context:
    function_name = "journey_outcome"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:journey_outcome"
    aws_request_id = "req-1"


def printed_metrics(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, dict[str, Any]]]:
    """(metric, dimensions) of every EMF blob printed."""
    found = []
    for line in capsys.readouterr().out.splitlines():
        if '"_aws"' in line:
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    found.append((metric["Name"], {name: blob[name] for name in directive["Dimensions"][0]}))
    return found


@pytest.fixture
def outcome_step(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "messenger-bank")
    return handler_module("journey_outcome").lambda_handler


def test_a_refusal_is_counted_by_journey_and_by_reason(outcome_step: Any, capsys: pytest.CaptureFixture[str]) -> None:
    event = {"journey": "card_issuance", "outcome": "refused", "reason": "ApplicantUnderAge", "correlation_id": "c-1"}

    answer = outcome_step(event, Context())

    assert answer == {"journey": "card_issuance", "outcome": "refused", "correlation_id": "c-1"}
    assert printed_metrics(capsys) == [
        ("JourneysRefused", {"journey": "card_issuance", "service": "messenger-bank"}),
        ("JourneysRefused", {"journey": "card_issuance", "reason": "ApplicantUnderAge", "service": "messenger-bank"}),
    ]


def test_money_stuck_is_counted_for_its_journey_only(outcome_step: Any, capsys: pytest.CaptureFixture[str]) -> None:
    event = {"journey": "topup", "outcome": "stuck", "reason": "TopUpCreditStuck", "correlation_id": "c-2"}

    outcome_step(event, Context())

    assert printed_metrics(capsys) == [("MoneyStuck", {"journey": "topup", "service": "messenger-bank"})]


VALID = {"journey": "transfer", "outcome": "refused", "reason": "States.Timeout"}


def test_a_valid_outcome_is_read() -> None:
    assert JourneyOutcome.model_validate(VALID).reason == "States.Timeout"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("outcome", "failed"),  # failures are Step Functions' own count, never recorded here
        ("journey", "Transfer"),  # the file name, as the alarms' dimension has it
        ("journey", "x"),
        ("reason", "no money"),  # a dimension value from a bounded set of error names, not free text
        ("reason", "E" * 65),
    ],
)
def test_an_outcome_the_alarms_could_not_match_is_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        JourneyOutcome.model_validate({**VALID, field: value})


def test_the_longest_reason_is_read() -> None:
    assert len(JourneyOutcome.model_validate({**VALID, "reason": "E" * 64}).reason) == 64


# ---------------------------------------------------------------- which endings are refusals
def ending(machine: str, state: str, error: str) -> tuple[list[str], str]:
    """The states a caught `error` of `state` passes through to the end (Task and Pass states in a line), and
    the end's type."""
    states = load_structured_file(ROOT / "statemachines" / f"{machine}.asl.yaml")["States"]
    catch = next(c for c in states[state]["Catch"] if error in c["ErrorEquals"])
    path, current = [], catch["Next"]
    while states[current]["Type"] not in ("Fail", "Succeed"):
        path.append(current)
        current = states[current]["Next"]
    return path, states[current]["Type"]


REFUSALS = [
    ("card_issuance", "VerifyApplicant", "IdentityNotConfirmed"),
    ("card_issuance", "VerifyApplicant", "ApplicantUnderAge"),
    ("card_issuance", "VerifyApplicant", "CustomerSanctioned"),
    ("transfer", "PrepareTransfer", "QuoteAlreadyUsed"),
    ("transfer", "AwaitConfirmation", "States.Timeout"),
    ("transfer", "CheckCode", "InvalidOneTimeCode"),
    ("transfer", "CheckCode", "TransferCancelled"),
    ("transfer", "Debit", "InsufficientFunds"),
    ("transfer", "Debit", "LimitExceeded"),
    ("transfer", "Debit", "DailyLimitExceeded"),
    ("transfer", "Debit", "CodeRequired"),
    ("bill_payment", "PreparePayment", "PaymentQuoteNotFound"),
    ("bill_payment", "AwaitCode", "States.Timeout"),
    ("bill_payment", "CheckCode", "InvalidOneTimeCode"),
    ("bill_payment", "CheckCode", "CodeCancelled"),
    ("bill_payment", "Pay", "InsufficientFunds"),
    ("bill_payment", "Pay", "PayeeAccountNotFound"),
    ("bill_payment", "SettlePayment", "DailyLimitExceeded"),
    ("topup", "CreditCard", "TopUpNotPaid"),
    ("plastic_card_order", "OrderPlasticCard", "CardBlocked"),
]
FAILURES = [
    ("card_issuance", "VerifyApplicant", "States.ALL"),
    ("card_issuance", "IssueVirtualCard", "States.ALL"),
    ("transfer", "Debit", "CardBlocked"),
    ("transfer", "CheckCode", "States.ALL"),
    ("bill_payment", "Pay", "OperationRejected"),
    ("topup", "CreditCard", "TopUpMismatch"),
    ("plastic_card_order", "OrderPlasticCard", "States.ALL"),
]


@pytest.mark.parametrize(("machine", "state", "error"), REFUSALS)
def test_a_refusal_is_counted_on_its_way_to_the_journeys_end(machine: str, state: str, error: str) -> None:
    path, end = ending(machine, state, error)

    assert "RecordRefusal" in path
    assert end == "Fail"  # the customer was told, nothing moved: the execution's status is unchanged


@pytest.mark.parametrize(("machine", "state", "error"), FAILURES)
def test_a_failure_is_not_counted_as_a_refusal(machine: str, state: str, error: str) -> None:
    path, end = ending(machine, state, error)

    assert "RecordRefusal" not in path
    assert end == "Fail"
