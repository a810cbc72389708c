"""The operations view's JSON endpoints over real executions on moto."""

from __future__ import annotations

import httpx

from tests.integration.ops.journeys import PAN, PAN_IN_TEXT, PASSPORT, Journeys


def names(listing: dict[str, object]) -> list[str]:
    return [row["name"] for row in listing["executions"]]  # type: ignore[attr-defined,index]


def test_the_index_lists_every_machines_executions_newest_first(api: httpx.Client, journeys: Journeys) -> None:
    listing = api.get("/api/executions").json()

    arns = [row["arn"] for row in listing["executions"]]
    assert {journeys.succeeded, journeys.failed, journeys.retried} <= set(arns)
    assert arns.index(journeys.failed) < arns.index(journeys.succeeded)  # started later, listed first
    starts = [row["started_at"] for row in listing["executions"]]
    assert starts == sorted(starts, reverse=True)
    row = next(r for r in listing["executions"] if r["arn"] == journeys.succeeded)
    assert row["status"] == "SUCCEEDED"
    assert row["state_machine"].startswith("card-issuance-")
    assert 900 <= row["duration_ms"] < 10_000  # the Wait state's second
    assert row["references"]["customer_ref"] == "CUST-0001"


def test_the_status_filter_keeps_only_that_status(api: httpx.Client, journeys: Journeys) -> None:
    listing = api.get("/api/executions", params={"status": "failed"}).json()

    assert {row["status"] for row in listing["executions"]} == {"FAILED"}
    assert {journeys.failed, journeys.retried} <= {row["arn"] for row in listing["executions"]}
    assert listing["filter"]["status"] == "FAILED"


def test_an_unknown_status_is_refused(api: httpx.Client) -> None:
    assert api.get("/api/executions", params={"status": "BROKEN"}).status_code == 400


def test_the_text_filter_matches_customer_ref_chat_id_application_id_and_name(
    api: httpx.Client, journeys: Journeys
) -> None:
    failed_name = journeys.failed.rsplit(":", 1)[-1]
    for query in ("cust-0002", "100000002", "app-0002", failed_name):
        listing = api.get("/api/executions", params={"q": query}).json()
        assert [row["arn"] for row in listing["executions"]] == [journeys.failed], query


def test_both_filters_together(api: httpx.Client) -> None:
    assert api.get("/api/executions", params={"status": "SUCCEEDED", "q": "CUST-0002"}).json()["executions"] == []


def test_one_execution_shows_its_states_in_order_with_durations(api: httpx.Client, journeys: Journeys) -> None:
    detail = api.get(f"/api/executions/{journeys.succeeded}").json()

    timeline = detail["timeline"]
    assert [step["name"] for step in timeline] == ["VerifyApplicant", "WaitForBank", "Decide", "TellCustomerCardIssued"]
    assert [step["type"] for step in timeline] == ["Pass", "Wait", "Choice", "Pass"]
    assert {step["status"] for step in timeline} == {"succeeded"}
    offsets = [step["offset_ms"] for step in timeline]
    assert offsets == sorted(offsets)
    wait = timeline[1]
    assert 900 <= wait["duration_ms"] <= detail["duration_ms"]
    assert sum(step["duration_ms"] for step in timeline) <= detail["duration_ms"]
    assert timeline[0]["output"]["verification"] == {"verified": True}
    assert detail["failed"] is False and detail["failed_state"] is None


def test_a_failed_execution_names_its_failing_state_error_and_cause(api: httpx.Client, journeys: Journeys) -> None:
    detail = api.get(f"/api/executions/{journeys.failed}").json()

    assert detail["status"] == "FAILED"
    assert detail["failed_state"] == "CardNotIssued"
    assert detail["error"] == "ApplicationRejected"
    assert detail["cause"] == "Cerberus refused the applicant"
    last = detail["timeline"][-1]
    assert (last["name"], last["type"], last["status"]) == ("CardNotIssued", "Fail", "failed")
    assert last["errors"][0]["error"] == "ApplicationRejected"


def test_sensitive_fields_of_the_input_are_masked_everywhere(api: httpx.Client, journeys: Journeys) -> None:
    response = api.get(f"/api/executions/{journeys.failed}")

    body = response.text
    assert PAN not in body
    assert PASSPORT not in body
    assert PAN_IN_TEXT not in body
    detail = response.json()
    assert detail["input"]["pan"] == "***"
    assert detail["input"]["passport"] == "***"
    assert detail["input"]["note"] == "customer typed 550000******0004 in the chat"
    assert detail["timeline"][0]["input"]["pan"] == "***"
    assert detail["input"]["customer_ref"] == "CUST-0002"  # references stay readable


def test_retries_show_as_several_attempts_of_one_state(api: httpx.Client, journeys: Journeys) -> None:
    detail = api.get(f"/api/executions/{journeys.retried}").json()

    (call_bank,) = detail["timeline"]
    assert call_bank["name"] == "CallBank"
    assert call_bank["attempts"] == 3
    assert [e["attempt"] for e in call_bank["errors"]] == [1, 2, 3]
    assert detail["failed_state"] == "CallBank"
    assert detail["error"] == "Lambda.ResourceNotFoundException"


def test_an_execution_links_to_its_chat(api: httpx.Client, journeys: Journeys) -> None:
    detail = api.get(f"/api/executions/{journeys.failed}").json()

    assert detail["chat"] == {"channel": "telegram", "chat_id": "100000002"}
    assert detail["chat_link"] == "http://127.0.0.1:8081/chat?channel=telegram&user=100000002"


def test_the_log_lines_around_an_execution_are_shown_masked(api: httpx.Client, journeys: Journeys) -> None:
    logs = api.get(f"/api/executions/{journeys.failed}").json()["logs"]

    messages = [line["message"] for line in logs]
    assert messages == [
        "journey started for app-0002",  # mentions its application id (another correlation id)
        "verifying applicant",
        "card 411111******1111 seen in a message",
    ]
    assert logs[2]["record"]["full_name"] == "***"
    assert [line["source"] for line in logs] == ["conversation", "verify_applicant", "verify_applicant"]


def test_an_unknown_execution_is_404(api: httpx.Client, journeys: Journeys) -> None:
    missing = journeys.failed.rsplit(":", 1)[0] + ":no-such-execution"
    assert api.get(f"/api/executions/{missing}").status_code == 404


def test_the_page_and_its_assets_are_served_locally(api: httpx.Client, journeys: Journeys) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert '<script src="/static/ops.js"' in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # no CDN
    assert api.get("/static/ops.js").status_code == 200
    assert api.get("/static/ops.css").status_code == 200
    assert api.get(f"/execution/{journeys.failed}").status_code == 200
