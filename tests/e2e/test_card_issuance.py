"""A digital card from the first message to the card picture, through the whole local cloud: the
messenger's signed webhook, the queue, the conversation, the card-issuance state machine, the bank
sandbox and the fake messenger that shows the picture."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest

from local.cloud.cloud import LocalCloud
from local.cloud.runner import Invocation
from tests.e2e.driver import Chat, Person, buttons_in, ended_journeys, journey_history, onboard
from tests.support.aws import template_resources
from tests.support.pan_oracle import pans_in

pytestmark = pytest.mark.e2e

CHANNELS = ["telegram", "viber", "whatsapp", "messenger"]


def chat_for(cloud: LocalCloud, channel: str, person: Person) -> Chat:
    user_id = person.phone.lstrip("+") if channel == "whatsapp" else f"77{person.number:06d}"
    return Chat(cloud, channel, user_id, phone=person.phone)


def issuance_executions(cloud: LocalCloud, chat: Chat, timeout_s: float = 30) -> list[dict[str, str]]:
    """This chat's card-issuance executions, once none of them is still running."""
    sfn = cloud.client("stepfunctions")
    assert cloud.stack is not None
    arn = cloud.stack.state_machines["CardIssuanceStateMachine"]
    deadline = time.monotonic() + timeout_s
    while True:
        found = []
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]:
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if json.loads(described["input"]).get("chat_key") == chat.chat_key:
                found.append(described)
        if all(e["status"] != "RUNNING" for e in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_neither_the_execution_history_nor_the_logs_carry_a_name_passport_or_card_number(cloud: LocalCloud) -> None:
    person = Person(surname="Лукашэвіч", first_name="Янка")
    chat = chat_for(cloud, "telegram", person)
    onboard(chat, person)

    history = json.dumps(journey_history(cloud, chat.chat_key), ensure_ascii=False)

    assert chat.chat_key in history
    for secret in (person.passport, person.personal_id, person.surname, "LUKASHEVICH", person.first_name):
        assert secret not in history
    found = pans_in(history)
    assert found == [], [history[max(0, history.find(n) - 300) : history.find(n) + 40] for n in found[:2]]
    logs = "\n".join(path.read_text(encoding="utf-8") for path in cloud.logs.directory.glob("*.log"))
    for secret in (person.passport, person.personal_id, person.surname, "LUKASHEVICH"):
        assert secret not in logs


# The oracle of what may not lie in clear, written here (not the code's detectors): a Luhn-valid run of 13-19
# digits once spaces and dashes are gone, a passport number, a personal number.
_PASSPORT = re.compile(r"[A-Z]{2}\d{7}")
_PERSONAL = re.compile(r"[3-6]\d{6}[A-Z]\d{3}[A-Z]{2}[0-9A-Z]")


def _luhn(digits: str) -> bool:
    total = sum(int(d) for d in digits[-1::-2]) + sum(sum(divmod(2 * int(d), 10)) for d in digits[-2::-2])
    return total % 10 == 0


def numbers_in_clear(stored: str) -> list[str]:
    compact = re.sub(r"[\s\-]", "", stored)
    cards = [run for run in re.findall(r"(?<!\d)\d{13,19}(?!\d)", compact) if _luhn(run)]
    return cards + _PASSPORT.findall(compact) + _PERSONAL.findall(compact)


def _as_text(value: object) -> str:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else str(value)


def test_neither_the_session_nor_the_inbound_queues_hold_a_passport_name_or_card_number(cloud: LocalCloud) -> None:
    assert cloud.stack is not None
    dynamodb, sqs = cloud.client("dynamodb"), cloud.client("sqs")
    person = Person(surname="Запечатаная")
    chat = chat_for(cloud, "telegram", person)
    onboard(chat, person, confirm=False)  # at the summary: name, passport, personal number in the session

    sessions = str(cloud.stack.physical["SessionsTable"])
    key = {"chat_key": {"S": chat.chat_key}}
    item = dynamodb.get_item(TableName=sessions, Key=key, ConsistentRead=True)["Item"]
    # Sealed values as base64, never as a bytes repr: its escapes make digit runs that random ciphertext can turn
    # into a Luhn-valid "card number" (seen once in CI).
    stored = json.dumps(item, default=_as_text, ensure_ascii=False)
    assert numbers_in_clear(f"{person.passport} {person.personal_id} 4111 1111 1111 1111") != []  # the oracle sees
    assert numbers_in_clear(stored) == [] and person.surname not in stored and person.first_name not in stored
    assert "sealed" in item

    # A turn of this chat that fails every time (its session's seal broken), so the message it carries ends in
    # the dead-letter queue, which keeps it 14 days: it must be there only sealed.
    dynamodb.update_item(
        TableName=sessions,
        Key=key,
        UpdateExpression="SET sealed = :broken",
        ExpressionAttributeValues={":broken": {"B": b"\x01\x00\x04nope" + bytes(40)}},
    )
    typed = f"паспорт {person.passport}, карта 4111 1111 1111 1111"
    sent = chat._send("text", text=typed)
    assert sent["status"] == 200, sent
    chat.wait_for("что-то пошло не так")  # told on the last attempt, just before SQS moves it

    dead = str(cloud.stack.physical["InboundDeadLetterQueue"])
    mine: list[str] = []
    deadline = time.monotonic() + 30
    while not mine and time.monotonic() < deadline:
        # VisibilityTimeout 0: another suite's dead letters (the poison update) stay visible to it.
        received = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=1)
        mine = [m["Body"] for m in received.get("Messages", []) if f'"chat_id":"{chat.chat_id}"' in m["Body"]]
    assert mine, "the failing update never reached the dead-letter queue"
    for body in mine:
        assert numbers_in_clear(body) == []
        assert json.loads(body)["text"] is None and json.loads(body)["sealed_text"]


def test_a_person_the_registry_does_not_confirm_is_told_and_gets_no_card(cloud: LocalCloud) -> None:
    person = Person(surname="Mismatch")
    chat = chat_for(cloud, "telegram", person)

    onboard(chat, person)

    chat.wait_for("не подтвердил")
    executions = issuance_executions(cloud, chat)
    assert [e["status"] for e in executions] == ["FAILED"]
    assert not any(m["media"] for m in chat.messages())


def test_an_applicant_under_eighteen_is_told_why(cloud: LocalCloud) -> None:
    person = Person(born="05.03.2012")
    chat = chat_for(cloud, "viber", person)

    chat.say("привет", replies=2)
    chat.press("карту")
    chat.press("Русский")
    chat.press("Согласен")
    chat.share_phone()
    chat.say(chat.last_code())  # a Viber contact is proven by a code sent to it
    chat.say(person.full_name)
    replies = chat.say(person.born)

    # The conversation already refuses a birth date under 18 before anything reaches the bank.
    assert "18" in replies[-1]["text"]
    assert issuance_executions(cloud, chat) == []


def test_an_existing_customer_on_a_second_messenger_gets_no_second_card_and_is_asked_to_sign_in(
    cloud: LocalCloud,
) -> None:
    person = Person()
    first = chat_for(cloud, "telegram", person)
    onboard(first, person)

    second = chat_for(cloud, "messenger", person)
    onboard(second, person)

    told = second.wait_for("вторая карта не нужна")
    assert any("Войти" in label for label, _ in buttons_in(told.get("markup")))
    assert not any(m["media"] for m in second.messages())
    customers = cloud.client("dynamodb").query(
        TableName=str(cloud.stack.physical["CustomersTable"]) if cloud.stack else "",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"PHONE#{person.phone}"}},
    )["Items"]
    assert len(customers) == 1
    # A passport and a phone are not a card: the second chat is not bound until the customer signs in.
    bound = cloud.client("dynamodb").query(
        TableName=str(cloud.stack.physical["CustomersTable"]) if cloud.stack else "",
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :k",
        ExpressionAttributeValues={":k": {"S": f"IDENTITY#messenger#{second.chat_id}"}},
    )["Items"]
    assert bound == []


def test_a_double_confirmation_issues_one_card(cloud: LocalCloud) -> None:
    person = Person()
    chat = chat_for(cloud, "telegram", person)
    onboard(chat, person, confirm=False)
    payload = chat.button("верно")
    mark = chat.mark()

    statuses = cloud.platforms.send("telegram", chat.user, "button", payload=payload, repeat=1)
    again = cloud.platforms.send("telegram", chat.user, "button", payload=payload, repeat=1, force=True)
    since = chat.barrier(mark)  # both presses' turns are done: any journey they start is started
    journeys = ended_journeys(cloud, "CardIssuanceStateMachine", chat)  # and what it sends, sent

    assert statuses["status"] == again["status"] == 200
    assert since.session_saves == 2  # each press took its turn ...
    assert [e["status"] for e in journeys] == ["SUCCEEDED"]  # ... and one card was issued
    pictures = [m for m in chat.messages() if m["media"]]
    assert len(pictures) == 1


def test_the_bank_failing_mid_journey_tells_the_customer_and_leaves_nothing_half_done(cloud: LocalCloud) -> None:
    from local.sandbox.faults import Fault

    person = Person()
    chat = chat_for(cloud, "whatsapp", person)
    cloud.sandbox.faults.set("core", "issue_card", Fault(error_rate=1.0))
    try:
        onboard(chat, person)
        chat.wait_for("не отвечают")
    finally:
        cloud.sandbox.faults.clear()

    assert [e["status"] for e in issuance_executions(cloud, chat)] == ["FAILED"]
    assert not any(m["media"] for m in chat.messages())
    table = str(cloud.stack.physical["CustomersTable"]) if cloud.stack else ""
    applications = cloud.client("dynamodb").scan(
        TableName=table, FilterExpression="begins_with(pk, :a)", ExpressionAttributeValues={":a": {"S": "APPLICATION#"}}
    )["Items"]
    assert applications == []  # the sealed personal data was forgotten on the way out


def test_a_newcomer_after_a_deploy_meets_no_cold_function_from_the_confirmation_to_the_card(cloud: LocalCloud) -> None:
    """Issue 20: the newcomer's functions all start cold when they arrive (as after a deploy). Starting the
    onboarding wakes the card issuance's functions (card_issuance_warm_up.asl.yaml), so the confirmation meets none
    cold. Only this newcomer's functions are shut down: the rest of the worker's cloud stays warm for what follows."""
    assert cloud.runner is not None and cloud.stack is not None
    sfn = cloud.client("stepfunctions")
    warm_up = cloud.stack.state_machines["CardIssuanceWarmUpStateMachine"]
    earlier = {e["executionArn"] for e in sfn.list_executions(stateMachineArn=warm_up)["executions"]}
    machine = template_resources()["CardIssuanceWarmUpStateMachine"]["Properties"]["DefinitionSubstitutions"]
    journey = {value["Fn::GetAtt"][0] for value in machine.values()} | {"ViberWebhookFunction", "ConversationFunction"}
    cloud.runner.cool_down(journey)
    person = Person()
    chat = chat_for(cloud, "viber", person)
    onboard(chat, person, confirm=False)
    deadline = time.monotonic() + 60
    while True:  # the barrier: the warm-up this newcomer's start began has ended
        executions = sfn.list_executions(stateMachineArn=warm_up)["executions"]
        woken = [e for e in executions if e["executionArn"] not in earlier]
        if (woken and all(e["status"] != "RUNNING" for e in woken)) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert woken and {e["status"] for e in woken} == {"SUCCEEDED"}, woken  # two, if a turn was retried elsewhere
    heard: list[Invocation] = []
    cloud.runner.listeners.append(heard.append)
    try:
        chat.press("верно", replies=2, timeout_s=60)
        ended_journeys(cloud, "CardIssuanceStateMachine", chat)
    finally:
        cloud.runner.listeners.remove(heard.append)
    assert "карта готова" in chat.texts().lower()
    runner = cloud.runner
    called = {runner.spec(invocation.function_name).logical_id for invocation in heard}
    assert {"SaveApplicationFunction", "VerifyApplicantFunction", "RenderCardPictureFunction"} <= called, called
    # The chat's own functions (the webhook, the conversation) are warm from the onboarding; a schedule's function
    # that happens to run meanwhile is not the newcomer's wait.
    cold = [runner.spec(i.function_name).logical_id for i in heard if i.cold]
    assert [name for name in cold if name in journey] == []
