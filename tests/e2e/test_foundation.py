"""The walking skeleton through the local cloud: webhook → queue → conversation → state machine →
operation Lambdas → the chat, and what happens when a piece of it fails."""

from __future__ import annotations

import io
import json
import time

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from local.executions import main as executions_main
from tests.e2e.driver import Chat, Person, ended_journeys, onboard

pytestmark = pytest.mark.e2e


def queue_url(cloud: LocalCloud, logical_id: str) -> str:
    assert cloud.stack is not None
    return str(cloud.stack.physical[logical_id])


def test_an_update_gets_a_greeting_and_the_menu_through_the_fake_telegram(cloud: LocalCloud) -> None:
    person = Person()
    chat = Chat(cloud, "telegram", f"99{person.number:06d}", phone=person.phone)

    replies = chat.say("/start", replies=2)

    assert "Здравствуйте" in replies[0]["text"]
    assert chat.button("карту") == "g:go:onboarding"


def test_getting_a_card_runs_every_step_of_the_state_machine_to_success(cloud: LocalCloud) -> None:
    person = Person()
    chat = Chat(cloud, "telegram", f"99{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")
    (mine,) = ended_journeys(cloud, "CardIssuanceStateMachine", chat)
    history = cloud.client("stepfunctions").get_execution_history(executionArn=mine["executionArn"])["events"]

    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered == [
        "VerifyApplicant",
        "RegisterCustomer",
        "IssueVirtualCard",
        "RenderCardPicture",
        "SendCard",
        "CloseApplication",
        "CreditReferralBonuses",
        "CardIssued",
    ]
    assert history[-1]["type"] == "ExecutionSucceeded"


def test_a_wrong_secret_token_gets_401_and_nothing_is_queued(cloud: LocalCloud) -> None:
    assert cloud.api is not None
    person = Person()
    chat = Chat(cloud, "telegram", f"99{person.number:06d}", phone=person.phone)
    update_id = 500_000_000 + person.number
    update = {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "from": {"id": int(chat.chat_id), "is_bot": False, "first_name": "Eve"},
            "chat": {"id": int(chat.chat_id), "type": "private"},
            "date": 1795000000,
            "text": "hello",
        },
    }
    mark = chat.mark()

    response = httpx.post(
        f"{cloud.api.base_url}/webhooks/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"},
    )
    missing = httpx.post(f"{cloud.api.base_url}/webhooks/telegram", json=update)
    since = chat.barrier(mark)

    assert (response.status_code, missing.status_code) == (401, 401)
    assert since.replies == [] and since.session_saves == 0
    log = (cloud.logs.directory / "messenger-bank-TelegramWebhookFunction.log").read_text()
    assert str(update_id) not in log  # never queued: the update id appears only in "update queued" lines


def test_a_poison_update_is_retried_alone_and_ends_in_the_dead_letter_queue(cloud: LocalCloud) -> None:
    sqs = cloud.client("sqs")
    inbound = queue_url(cloud, "InboundQueue")
    dead = queue_url(cloud, "InboundDeadLetterQueue")
    person = Person()
    good = Chat(cloud, "telegram", f"99{person.number:06d}", phone=person.phone)
    good_event = {
        "chat": {"channel": "telegram", "chat_id": good.chat_id},
        "update_id": f"good-{person.number}",
        "kind": "text",
        "user_id": good.chat_id,
        "text": "/start",
        "sent_at": "2026-11-24T20:00:00Z",
    }

    poison = '{"not": "an inbound event"}'
    sqs.send_message(QueueUrl=inbound, MessageBody=poison, MessageGroupId="poison", MessageDeduplicationId="p1")
    sqs.send_message(
        QueueUrl=inbound, MessageBody=json.dumps(good_event), MessageGroupId=good.chat_key, MessageDeduplicationId="g1"
    )

    good.wait_for("Что вы хотите сделать", timeout_s=30)
    moved: list[str] = []
    deadline = time.monotonic() + 60
    while poison not in moved and time.monotonic() < deadline:
        moved += [m["Body"] for m in sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=1).get("Messages", [])]

    assert poison in moved
    assert not any(good.chat_id in body for body in moved)
    assert len([m for m in good.messages() if "Что вы хотите" in str(m["text"])]) == 1


def test_make_executions_lists_the_journeys_with_their_status(cloud: LocalCloud) -> None:
    person = Person(surname="Mismatch")
    chat = Chat(cloud, "telegram", f"99{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("не подтвердил")
    assert [e["status"] for e in ended_journeys(cloud, "CardIssuanceStateMachine", chat)] == ["FAILED"]

    out = io.StringIO()
    code = executions_main(["--aws-endpoint", cloud.aws_endpoint, "--region", cloud.config.region], out=out)

    printed = out.getvalue()
    assert code == 0
    assert "CardIssuanceStateMachine" in printed
    assert "FAILED" in printed
    assert "IdentityNotConfirmed" in printed


def test_the_log_lines_of_one_turn_share_one_correlation_id_across_functions(cloud: LocalCloud) -> None:
    person = Person()
    chat = Chat(cloud, "telegram", f"99{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("карта готова")

    def correlation_ids(function: str) -> set[str]:
        ids = set()
        for line in (cloud.logs.directory / f"messenger-bank-{function}.log").read_text().splitlines():
            if line.startswith("{") and '"correlation_id"' in line:
                record = json.loads(line)
                if record.get("correlation_id"):
                    ids.add(str(record["correlation_id"]))
        return ids

    def shared_ids() -> set[str]:
        # The confirmation press started the journey: its id is in every function the press set going.
        return (
            correlation_ids("IssueVirtualCardFunction")
            & correlation_ids("TelegramWebhookFunction")
            & correlation_ids("ConversationFunction")
            & correlation_ids("op-save_application")
            & correlation_ids("VerifyApplicantFunction")
            & correlation_ids("RenderCardPictureFunction")
        )

    # The functions' log lines reach their files through a pipe, a moment after the function returns.
    deadline = time.monotonic() + 10
    shared = shared_ids()
    while not any(cid.startswith("telegram-") for cid in shared) and time.monotonic() < deadline:
        time.sleep(0.2)
        shared = shared_ids()
    journey_ids = correlation_ids("IssueVirtualCardFunction")
    assert any(cid.startswith("telegram-") for cid in shared), (journey_ids, shared)


def test_a_failed_journey_is_on_the_operations_view_with_its_failing_state_and_error(cloud: LocalCloud) -> None:
    person = Person(surname="Mismatch")
    chat = Chat(cloud, "telegram", f"99{person.number:06d}", phone=person.phone)
    onboard(chat, person)
    chat.wait_for("не подтвердил")
    assert [e["status"] for e in ended_journeys(cloud, "CardIssuanceStateMachine", chat)] == ["FAILED"]
    assert cloud.ops is not None

    listed = httpx.get(f"{cloud.ops.url}/api/executions", params={"status": "FAILED", "q": chat.chat_id}).json()
    assert len(listed["executions"]) == 1
    arn = listed["executions"][0]["arn"]
    shown = httpx.get(f"{cloud.ops.url}/api/executions/{arn}").json()

    assert shown["failed"] is True
    assert shown["error"] == "CardNotIssued"
    states = {state["name"]: state for state in shown["timeline"]}
    assert "IdentityNotConfirmed" in json.dumps(states["VerifyApplicant"], ensure_ascii=False)
    assert person.passport not in json.dumps(shown, ensure_ascii=False)
