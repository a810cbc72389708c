"""The operations view's overview and an operator's retry in a real headless browser (Debian's Chromium through
Playwright): the journeys' charts carry the executions' numbers, the stuck money is listed first, and an
operator who signs in at the bank's Keycloak (the sandbox realm's issuer, on its own port) retries a failed
top-up once its cause is gone; the same execution comes back succeeded, and the retry is on the audit list.

Step Functions is moto with the local cloud's RedriveExecution; the executions are real (DynamoDB tasks
that fail while their table is missing)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.serving import make_server

from local.cloud import aws_extensions
from local.ops import OpsView, start_ops_view
from local.ops.auth import OPERATORS_CLIENT, OperatorSignIn
from local.ops.reader import aws_client
from local.sandbox import keycloak
from local.sandbox.config import SandboxConfig
from local.sandbox.faults import FaultInjector
from tests.e2e.test_ops_view import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.integration.ops.journeys import ROLE, moto_server

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

REGION = "sa-east-1"  # moto's backends are shared within a process: a region no other test uses
TABLE = "topup-credits"


def save_to(table: str, then: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.correlation_id"}}},
        "ResultPath": None,
        **then,
    }


ISSUANCE = {
    "StartAt": "Verify",
    "States": {
        "Verify": {"Type": "Pass", "Next": "Decide"},
        "Decide": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.outcome", "StringEquals": "reject", "Next": "CardNotIssued"}],
            "Default": "Issued",
        },
        "CardNotIssued": {"Type": "Fail", "Error": "CardNotIssued"},
        "Issued": {"Type": "Succeed"},
    },
}
# A top-up whose credit fails while its table is missing: the execution fails in Credit.
TOPUP = {"StartAt": "Credit", "States": {"Credit": save_to(TABLE, {"End": True})}}
# A transfer whose refund keeps failing: caught into RefundStuck, where the money waits for an operator.
TRANSFER = {
    "StartAt": "Refund",
    "States": {
        "Refund": save_to(
            "refunds-missing", {"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "RefundStuck"}], "End": True}
        ),
        "RefundStuck": {"Type": "Fail", "Error": "RefundStuck", "Cause": "The compensation did not complete"},
    },
}


@dataclass
class Bank:
    view: OpsView
    sfn: Any
    dynamodb: Any
    topup: str  # the failed top-up's ARN
    stuck: str  # the stuck transfer's ARN
    issuance: str  # the card-issuance machine's name


def closed(sfn: Any, arns: list[str]) -> None:
    deadline = time.monotonic() + 30
    while any(sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" for arn in arns):
        assert time.monotonic() < deadline, "executions still running"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def realm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    issuer = keycloak.TokenIssuer(tmp_path_factory.mktemp("realm") / "realm.pem", SandboxConfig())
    server = make_server("127.0.0.1", 0, keycloak.create_app(issuer, FaultInjector()), threaded=True)
    issuer.issuer_url = f"http://127.0.0.1:{server.server_port}/realms/bank"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield issuer.issuer_url
    server.shutdown()


@pytest.fixture(scope="module")
def bank(realm_url: str) -> Iterator[Bank]:
    aws_extensions.install()
    with moto_server() as endpoint:
        sfn, dynamodb = aws_client("stepfunctions", endpoint, REGION), aws_client("dynamodb", endpoint, REGION)
        suffix = str(time.monotonic_ns())[-6:]

        def machine(name: str, definition: dict[str, Any]) -> str:
            arn: str = sfn.create_state_machine(
                name=f"{name}-{suffix}", definition=json.dumps(definition), roleArn=ROLE
            )["stateMachineArn"]
            return arn

        def start(machine_arn: str, name: str, execution_input: dict[str, Any]) -> str:
            arn: str = sfn.start_execution(
                stateMachineArn=machine_arn, name=f"{name}-{suffix}", input=json.dumps(execution_input)
            )["executionArn"]
            return arn

        issuance, topup, transfer = (
            machine("card-issuance", ISSUANCE),
            machine("topup", TOPUP),
            machine("transfer", TRANSFER),
        )
        started = [
            start(issuance, f"card-{n}", {"correlation_id": f"c{n}", "outcome": "reject" if n == 3 else "issue"})
            for n in range(4)
        ]
        failed_topup = start(topup, "topup-1", {"correlation_id": "topup-1", "customer_ref": "CUST-0042"})
        stuck = start(transfer, "transfer-1", {"correlation_id": "transfer-1", "customer_ref": "CUST-0043"})
        closed(sfn, [*started, failed_topup, stuck])
        view = start_ops_view(
            aws_endpoint=endpoint,
            region=REGION,
            logs_dir=None,
            sign_in=OperatorSignIn(
                issuer=realm_url, client_id=OPERATORS_CLIENT, client_secret="sandbox-operator-secret"
            ),
        )
        yield Bank(view, sfn, dynamodb, failed_topup, stuck, f"card-issuance-{suffix}")
        view.stop()


@pytest.fixture
def page(bank: Bank) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 1000})
        new_page = context.new_page()
        errors: list[str] = []
        new_page.on("pageerror", lambda error: errors.append(str(error)))
        new_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        new_page.on("dialog", lambda dialog: dialog.accept())  # the operator confirms each action
        yield new_page
        browser.close()
        # No script error, no CSP refusal (a refused action's 403 is the browser's log of an answer, not one).
        assert [e for e in errors if "status of 403" not in e] == []


def chart_data(page: Any, machine: str, metric: str) -> list[list[float | None]]:
    data: list[list[float | None]] = page.evaluate(
        """([machine, metric]) => {
            const canvas = document.querySelector(`canvas[data-machine="${machine}"][data-metric="${metric}"]`);
            return Chart.getChart(canvas).data.datasets.map((dataset) => dataset.data);
        }""",
        [machine, metric],
    )
    return data


def test_the_charts_carry_each_journeys_numbers_and_the_stuck_money_comes_first(page: Any, bank: Bank) -> None:
    from playwright.sync_api import expect

    page.goto(bank.view.url)

    # The stuck transfer is the first thing on the page, with what is stuck
    stuck = page.locator("#stuck tbody tr")
    expect(stuck).to_have_count(1)
    expect(stuck).to_have_attribute("data-arn", bank.stuck)
    expect(stuck).to_contain_text("RefundStuck")
    expect(stuck).to_contain_text("a failed transfer's refund did not complete")
    assert page.locator("#stuck").bounding_box()["y"] < page.locator("#journeys").bounding_box()["y"]
    expect(stuck.locator("button")).to_have_count(0)  # no action before an operator signs in

    # Every journey has its three charts, drawn by Chart.js from the executions
    expect(page.locator("#journeys canvas")).to_have_count(9)
    (started,) = chart_data(page, bank.issuance, "started")
    assert len(started) == 60 and sum(v or 0 for v in started) == 4  # four card issuances this hour
    (failure_rate,) = chart_data(page, bank.issuance, "failure_rate")
    rates = [rate for rate in failure_rate if rate is not None]
    assert rates and all(0 <= rate <= 100 for rate in rates)
    p50, p95 = chart_data(page, bank.issuance, "p50_ms")
    assert [v is None for v in p50] == [v is None for v in failure_rate]  # a duration where executions ended
    assert all(a <= b for a, b in zip(p50, p95, strict=True) if a is not None and b is not None)
    card = page.locator(f"article[data-machine='{bank.issuance}']")
    expect(card.locator(".totals")).to_contain_text("4 started · 4 ended · 1 failed (25 %)")
    # ... the same numbers the server computed
    api = page.evaluate("fetch('/api/charts').then((r) => r.json())")
    served = next(j for j in api["journeys"] if j["state_machine"] == bank.issuance)
    assert started == served["started"]
    assert failure_rate == [None if r is None else round(r * 100, 3) for r in served["failure_rate"]]
    page.screenshot(path=str(SCREENSHOTS / "ops_view_overview.png"), full_page=True)


def test_an_operator_signs_in_and_retries_a_failed_top_up_which_comes_back_succeeded(page: Any, bank: Bank) -> None:
    from playwright.sync_api import expect

    topup_name = bank.topup.rsplit(":", 1)[-1]
    # Given the top-up's cause is gone (its table exists now)
    bank.dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    page.goto(bank.view.url)

    # When the operator signs in at the bank's Keycloak
    page.fill("#username", "operator")
    page.fill("#password", "sandbox-operator-password")
    page.click("#sign-in button[type=submit]")
    expect(page.locator("#operator")).to_have_text("operator")

    # ... opens the failed top-up and retries it
    page.select_option("#status", "FAILED")
    page.get_by_role("link", name=topup_name).click()
    expect(page.locator("#failed-state")).to_have_text("Credit")
    page.locator("#actions button[data-action=retry]").click()

    # Then the same execution comes back, redriven once, and succeeds
    expect(page.locator("#notice")).to_have_text(f"Retry of {topup_name} started.")
    expect(page.locator("h1 .badge")).to_have_text("SUCCEEDED", timeout=15_000)
    expect(page.locator("#redrive-count")).to_have_text("1×")
    expect(page.locator("#failure")).to_have_count(0)
    assert bank.dynamodb.get_item(TableName=TABLE, Key={"id": {"S": "topup-1"}}).get("Item")  # the credit landed
    page.screenshot(path=str(SCREENSHOTS / "ops_view_retried.png"), full_page=True)

    # And the retry is on the audit list with who did it
    page.click("#back")
    record = page.locator("#audit-records li[data-outcome=done]", has_text="retry")
    expect(record).to_have_count(1)
    expect(record).to_contain_text(f"operator retry {topup_name}")


def test_a_person_without_the_operator_role_sees_no_action_and_is_refused_one(page: Any, bank: Bank) -> None:
    from playwright.sync_api import expect

    page.goto(bank.view.url)
    page.fill("#username", "viewer")
    page.fill("#password", "sandbox-viewer-password")
    page.click("#sign-in button[type=submit]")
    expect(page.locator("#operator")).to_have_text("viewer (no operator role)")
    expect(page.locator("#stuck tbody tr")).to_have_count(1)
    expect(page.locator("button[data-action]")).to_have_count(0)

    # Even a request made by hand from the page, with its CSRF token, is refused
    status = page.evaluate(
        """async (arn) => {
            const session = await (await fetch('/api/session')).json();
            const answer = await fetch(`/api/executions/${encodeURIComponent(arn)}/retry`,
                {method: 'POST', headers: {'X-CSRF-Token': session.csrf}});
            return answer.status;
        }""",
        bank.stuck,
    )
    assert status == 403
    expect(page.locator("#audit-records li[data-outcome=refused]").first).to_contain_text(
        "viewer retry", timeout=10_000
    )


def test_the_overview_reads_on_a_phone(page: Any, bank: Bank) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(bank.view.url)

    expect(page.locator("#journeys canvas")).to_have_count(9)
    expect(page.locator("#stuck tbody tr")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the screen
    page.screenshot(path=str(SCREENSHOTS / "ops_view_overview_phone.png"), full_page=True)
