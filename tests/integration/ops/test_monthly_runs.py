"""The two monthly machines as written (statemachines/*.asl.yaml), run by the local cloud's interpreter (moto's,
with local/cloud/aws_extensions.py): the listing step's CSV in S3 is read by the Distributed Map, one customer
failing leaves every other customer's step done, and the run ends failed with the failed count and where the
results are; with nobody failing it ends succeeded and says how many. The Lambda steps are stand-ins that
answer as the real ones do (their models: purchases/models.py, cards/models.py) and note who they were given."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.cloud import aws_extensions
from tests.integration.ops.journeys import moto_server

ROOT = Path(__file__).resolve().parents[3]
REGION = "ap-south-2"  # moto's backends are per process: a region no other test uses
ACCOUNT = "123456789012"
BUCKET = "monthly-runs-test"
CUSTOMERS = ("c-1", "c-2", "c-3", "c-4")
FAILING = "c-3"  # its step answers CardNotFound: an error the machine does not retry


class Steps:
    """moto's Lambda invoke, answered in the process: each function a Python callable of the payload."""

    def __init__(self) -> None:
        self.given: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}

    def invoke(self, function: Any, body: str, _request_headers: Any, response_headers: Any) -> bytes:
        payload = json.loads(body)
        with self.lock:
            self.given.setdefault(function.function_name, []).append(payload)
        try:
            answer = self.answers[function.function_name](payload)
        except LookupError as refused:
            response_headers["x-amz-function-error"] = "Unhandled"
            answer = {"errorType": "CardNotFound", "errorMessage": str(refused)}
        return json.dumps(answer).encode()

    def customers_given(self, function: str) -> list[str]:
        return sorted(p["customer_id"] for p in self.given.get(function, []))


def listing(s3: Any, journey: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The listing in two steps, as at the bank's size: the first hands on where it stopped, the second (given
    that) writes the list and hands on None."""

    def list_customers(payload: dict[str, Any]) -> dict[str, Any]:
        key = f"monthly-runs/{journey}/2026-11/test.csv"
        customers = {"bucket": BUCKET, "key": key, "count": len(CUSTOMERS)}
        handed_on = None
        if payload["listing"] is None:
            handed_on = {"upload_id": "u-1", "parts": [], "start_key": {"pk": "CUSTOMER#c-2", "sk": "CARD#1"}}
        else:
            assert payload["listing"]["upload_id"] == "u-1"
            s3.put_object(Bucket=BUCKET, Key=key, Body=("customer_id\n" + "\n".join(CUSTOMERS) + "\n").encode())
        # The correlation id is put back on every step's answer (messenger_bank.handlers.step_lambda).
        answer = {"month": "2026-11", "customers": customers, "listing": handed_on}
        return {**answer, "correlation_id": payload["correlation_id"]}

    return list_customers


def failing_for(failing: str | None, answer: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def step(payload: dict[str, Any]) -> dict[str, Any]:
        if payload["customer_id"] == failing:
            raise LookupError("the customer has no card")
        return answer

    return step


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    from moto.awslambda.models import LambdaFunction

    aws_extensions.install()
    steps = Steps()
    original = LambdaFunction.invoke

    def invoke(function: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
        return steps.invoke(function, body, request_headers, response_headers)

    LambdaFunction.invoke = invoke  # type: ignore[method-assign,assignment]
    try:
        with moto_server() as endpoint:
            clients = {
                name: boto3.client(
                    name,
                    endpoint_url=endpoint,
                    region_name=REGION,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                )
                for name in ("stepfunctions", "s3", "lambda", "iam")
            }
            clients["s3"].create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
            role = clients["iam"].create_role(RoleName="monthly", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            yield {**clients, "steps": steps, "role": role}
    finally:
        LambdaFunction.invoke = original  # type: ignore[method-assign]


def machine(aws: dict[str, Any], file: str, name: str, functions: dict[str, str]) -> str:
    """The definition as the template deploys it: each ${...}FunctionArn a function made here."""
    text = (ROOT / "statemachines" / file).read_text(encoding="utf-8")
    import yaml

    definition = json.dumps(yaml.safe_load(text)).replace("${MonthlyRunsBucket}", BUCKET)
    for placeholder, function in functions.items():
        arn = aws["lambda"].create_function(
            FunctionName=f"{name}-{function}",
            Runtime="python3.13",
            Role=aws["role"],
            Handler="app.lambda_handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
        )["FunctionArn"]
        definition = definition.replace("${" + placeholder + "}", arn)
    arn: str = aws["stepfunctions"].create_state_machine(name=name, definition=definition, roleArn=aws["role"])[
        "stateMachineArn"
    ]
    return arn


def ended(sfn: Any, machine_arn: str, run: str) -> dict[str, Any]:
    execution = sfn.start_execution(stateMachineArn=machine_arn, name=run, input=json.dumps({"month": "2026-11"}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.1)
    raise TimeoutError(run)


def results(s3: Any, manifest_key: str, status: str) -> list[dict[str, Any]]:
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
    return [
        entry
        for listed in manifest["ResultFiles"][status]
        for entry in json.loads(s3.get_object(Bucket=BUCKET, Key=listed["Key"])["Body"].read())
    ]


PAYOUT = {
    "PayoutRunFunctionArn": "run",
    "PayoutPayFunctionArn": "pay",
    "PayoutNoticesFunctionArn": "notices",
    "NotifyCustomerFunctionArn": "notify",
}
STATEMENT = {"StatementRunFunctionArn": "run", "StatementSendFunctionArn": "send"}


@pytest.mark.parametrize(
    ("file", "functions", "step", "answer", "error"),
    [
        ("cashback_payout.asl.yaml", PAYOUT, "pay", {"outcome": "nothing", "amount_minor": 0}, "CashbackNotPaid"),
        (
            "credit_statement.asl.yaml",
            STATEMENT,
            "send",
            {"outcome": "not_credit", "closed": True, "chats_told": 0},
            "CreditStatementNotSent",
        ),
    ],
)
def test_one_customer_failing_leaves_the_others_done_and_ends_the_run_failed(
    aws: dict[str, Any], file: str, functions: dict[str, str], step: str, answer: dict[str, Any], error: str
) -> None:
    journey = "cashback-payout" if "payout" in file else "credit-statement"
    name = f"failing-{journey}"
    arn = machine(aws, file, name, functions)
    aws["steps"].answers.update(
        {f"{name}-run": listing(aws["s3"], journey), f"{name}-{step}": failing_for(FAILING, answer)}
    )

    described = ended(aws["stepfunctions"], arn, "one-fails")

    assert (described["status"], described.get("error")) == ("FAILED", error)
    # Every customer was tried, the failing one included (once: its error is not one to retry).
    assert aws["steps"].customers_given(f"{name}-{step}") == sorted(CUSTOMERS)
    assert [p["listing"] is None for p in aws["steps"].given[f"{name}-run"]] == [True, False]  # listed in 2 steps
    assert described["cause"].startswith(f"1 of {len(CUSTOMERS)} customers not ")
    assert f"s3://{BUCKET}/monthly-runs/{journey}/results/" in described["cause"]
    # Which customers failed, and why, as the runbook reads it: the FAILED results the manifest lists.
    manifest_key = described["cause"].split(f"s3://{BUCKET}/", 1)[1].split(". ", 1)[0]
    failed, succeeded = results(aws["s3"], manifest_key, "FAILED"), results(aws["s3"], manifest_key, "SUCCEEDED")
    assert [(json.loads(r["Input"])["customer_id"], r["Error"]) for r in failed] == [(FAILING, "CardNotFound")]
    assert sorted(json.loads(r["Input"])["customer_id"] for r in succeeded) == sorted(set(CUSTOMERS) - {FAILING})


@pytest.mark.parametrize(
    ("file", "functions", "step", "answer"),
    [
        ("cashback_payout.asl.yaml", PAYOUT, "pay", {"outcome": "nothing", "amount_minor": 0}),
        ("credit_statement.asl.yaml", STATEMENT, "send", {"outcome": "not_credit", "closed": True, "chats_told": 0}),
    ],
)
def test_with_nobody_failing_the_run_succeeds_and_says_how_many(
    aws: dict[str, Any], file: str, functions: dict[str, str], step: str, answer: dict[str, Any]
) -> None:
    journey = "cashback-payout" if "payout" in file else "credit-statement"
    name = f"all-done-{journey}"
    arn = machine(aws, file, name, functions)
    aws["steps"].answers.update(
        {f"{name}-run": listing(aws["s3"], journey), f"{name}-{step}": failing_for(None, answer)}
    )

    described = ended(aws["stepfunctions"], arn, "all-done")

    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert (output["month"], output["customers"]) == ("2026-11", len(CUSTOMERS))
    assert output["results"]["Key"].startswith(f"monthly-runs/{journey}/results/")
    assert "customer_id" not in json.dumps(output)  # nothing per customer comes back into the state
