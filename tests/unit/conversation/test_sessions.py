"""The sessions repository over moto: round trip, TTL attribute, conditional writes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.conversation.engine.state import FlowData, Position
from messenger_bank.conversation.sessions import Session, SessionConflict, SessionRepository
from messenger_bank.conversation.settings import SessionSettings, session_settings
from messenger_bank.security import sealing
from messenger_bank.security.sealing import SealBroken
from tests.unit.conversation.chat import PAN, Chat, customer_deps

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TABLE = "sessions-test"


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sealing.kms_client.cache_clear()
    sealing.chat_sealer.cache_clear()
    with mock_aws():
        # The chat-data key that seals a session's personal values (CHAT_DATA_KEY_ID, as deployed).
        monkeypatch.setenv("CHAT_DATA_KEY_ID", boto3.client("kms").create_key()["KeyMetadata"]["KeyId"])
        client = boto3.client("dynamodb")
        # The schema documented in sessions.py: partition key chat_key (S), TTL on expires_at.
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "chat_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "chat_key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.update_time_to_live(
            TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
        )
        yield boto3.resource("dynamodb").Table(TABLE)
    sealing.kms_client.cache_clear()
    sealing.chat_sealer.cache_clear()


def a_session(**changes: Any) -> Session:
    values: dict[str, Any] = {
        "chat_key": "telegram:42",
        "customer_id": "cus_1",
        "language": "be",
        "flow": "transfer",
        "step": "amount",
        "data": FlowData(values={"card": {"token": "tok_1111abcdefgh", "mask": "•• 1111"}, "amount": {"minor": 5000}}),
        "history": ("transfer:recipient", "transfer:amount"),
        "buttons": {"0": {"kind": "option", "option": "confirm", "at": "transfer:confirm"}},
        "epoch": 7,
        "expires_at": int((NOW + timedelta(minutes=30)).timestamp()),
        "last_seen": NOW,
    }
    return Session(**{**values, **changes})


def test_a_saved_session_reads_back_equal_with_the_next_version(table: Any) -> None:
    repository = SessionRepository(TABLE)
    saved = repository.save(a_session())
    assert saved.version == 1
    assert repository.get("telegram:42") == saved


def test_a_standing_reply_keyboard_is_kept_and_a_session_saved_before_it_has_none(table: Any) -> None:
    repository = SessionRepository(TABLE)
    assert repository.save(a_session(reply_keyboard=True)) == repository.get("telegram:42")
    item = table.get_item(Key={"chat_key": "telegram:42"})["Item"]
    state = json.loads(item["state"])
    del state["reply_keyboard"]
    table.put_item(Item={**item, "state": json.dumps(state)})
    assert repository.get("telegram:42").reply_keyboard is False  # type: ignore[union-attr]


def test_a_missing_session_is_none(table: Any) -> None:
    assert SessionRepository(TABLE).get("viber:nobody") is None


def test_the_table_name_comes_from_the_environment(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESSIONS_TABLE", TABLE)
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "45")
    assert session_settings() == SessionSettings(table_name=TABLE, idle_minutes=45)
    SessionRepository().save(a_session())
    assert table.get_item(Key={"chat_key": "telegram:42"})["Item"]["version"] == 1


def test_the_ttl_attribute_is_epoch_seconds(table: Any) -> None:
    SessionRepository(TABLE).save(a_session())
    item = table.get_item(Key={"chat_key": "telegram:42"})["Item"]
    assert int(item["expires_at"]) == int((NOW + timedelta(minutes=30)).timestamp())
    ttl = boto3.client("dynamodb").describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"


def test_a_second_new_session_for_the_same_chat_loses(table: Any) -> None:
    repository = SessionRepository(TABLE)
    repository.save(a_session())
    with pytest.raises(SessionConflict):
        repository.save(a_session(step="recipient"))
    assert repository.get("telegram:42").step == "amount"  # type: ignore[union-attr]


def test_of_two_turns_from_the_same_version_only_the_first_is_written(table: Any) -> None:
    repository = SessionRepository(TABLE)
    read = repository.save(a_session())
    first = repository.save(read.model_copy(update={"step": "confirm"}))
    with pytest.raises(SessionConflict):
        repository.save(read.model_copy(update={"step": "recipient"}))
    assert repository.get("telegram:42") == first
    assert first.version == 2


def test_a_whole_conversation_round_trips_through_the_table_without_a_card_number(table: Any) -> None:
    repository = SessionRepository(TABLE)
    chat = Chat(customer_deps())
    for action in (lambda: chat.start(), lambda: chat.press("Перевод"), lambda: chat.say(PAN)):
        action()
        chat.session = repository.save(chat.last.session)
        assert repository.get(chat.chat.key) == chat.session
    scan = str(table.scan()["Items"])
    # The card's token and mask are personal values of the flow (card_number is a sensitive validator):
    # sealed with the rest, back in the session once read.
    assert PAN not in scan and "•• 1111" not in scan
    assert repository.get(chat.chat.key).data.values["card"]["mask"] == "•• 1111"  # type: ignore[union-attr]


# A session as the engine saved it before the typed flow data (its bookkeeping under underscore keys):
# sessions live up to their idle timeout, so one saved before a deploy is read after it. A chat in the
# middle of the sign-in zone's card check, interrupted from the PIN link (the card page's Continue
# button waiting; `last_four` is what the chat asked before the card moved to the secure page).
OLD_STATE = (
    '{"data":{"card":{"card_id":"card_1","mask":"•• 1111","status":"active"},"reauth":{"method":"card"},'
    '"last_four":"1111","_resume":{"flow":"card_services","step":"pin_link"},"_sensitive":["last_four"],'
    '"_run":"0123456789abcdef","_starts":1,"_entities":{"amount":"50"},"_error":"CardNotProven"},'
    '"history":["card_services:services","sign_in:reauth_card"],'
    '"buttons":{"1":{"kind":"next","flow":"sign_in","step":"resume"}},"epoch":5}'
)


def put_old_session(table: Any) -> None:
    table.put_item(
        Item={
            "chat_key": "telegram:1001",
            "version": 4,
            "customer_id": "cus_1",
            "session_token": "jwt-1",
            "language": "ru",
            "language_source": "hint",
            "flow": "sign_in",
            "step": "reauth_card",
            "state": OLD_STATE,
            "expires_at": int((NOW + timedelta(minutes=30)).timestamp()),
            "last_seen": NOW.isoformat(),
        }
    )


def test_a_session_saved_before_the_typed_flow_data_reads_with_its_bookkeeping(table: Any) -> None:
    put_old_session(table)
    session = SessionRepository(TABLE).get("telegram:1001")
    assert session is not None and session.version == 4 and session.epoch == 5
    assert session.data == FlowData(
        values={
            "card": {"card_id": "card_1", "mask": "•• 1111", "status": "active"},
            "reauth": {"method": "card"},
            "last_four": "1111",
        },
        resume=Position(flow="card_services", step="pin_link"),
        entities={"amount": "50"},
        run="0123456789abcdef",
        starts=1,
        sensitive=("last_four",),
        error="CardNotProven",
    )


def test_a_conversation_goes_on_from_a_session_saved_before_the_typed_flow_data(table: Any) -> None:
    put_old_session(table)
    repository = SessionRepository(TABLE)
    chat = Chat(customer_deps(find_customer={"customer_id": "cus_1", "session": "jwt-2"}))
    chat.session = repository.get(chat.chat.key)
    chat.send("button", button="s:5:1")  # Continue, after the card was proven on the page
    saved = repository.save(chat.last.session)

    assert chat.deps.operation_names().count("find_customer") == 1
    assert chat.said("card_services.pin_link")  # resumed where the old session said to
    assert saved.version == 5 and saved.data.resume is None and "last_four" not in saved.data.values
    state = json.loads(table.get_item(Key={"chat_key": "telegram:1001"})["Item"]["state"])
    assert "data" not in state and not any(key.startswith("_") for key in state["flow_data"]["values"])


# ---- personal values sealed (security/sealing.py, purpose chat-session)

NAME, PASSPORT, PERSONAL_NUMBER = "Иванов Иван Иванович", "MP1234567", "3170590A001PB5"
# An oracle of its own, not the code's detectors: what a card number, a passport number and a personal
# number look like anywhere in a stored item.
_DIGIT_RUNS = re.compile(r"\d{13,19}")
_PASSPORT_SHAPE = re.compile(r"[A-Z]{2}\d{7}")
_PERSONAL_SHAPE = re.compile(r"\d{7}[A-Z]\d{3}[A-Z]{2}[0-9A-Z]")


def _luhn(digits: str) -> bool:
    total = sum(int(d) for d in digits[-1::-2]) + sum(sum(divmod(2 * int(d), 10)) for d in digits[-2::-2])
    return total % 10 == 0


def personal_found(raw: str) -> list[str]:
    found = [run for run in _DIGIT_RUNS.findall(raw) if _luhn(run)]
    found += _PASSPORT_SHAPE.findall(raw) + _PERSONAL_SHAPE.findall(raw)
    return found + [word for word in (NAME, "Иванов", "1111", "12/29") if word in raw]


def an_applicant(chat_key: str = "telegram:42", **changes: Any) -> Session:
    """In the middle of onboarding: name, passport, personal number (and a card's last four and expiry)."""
    values = {
        "full_name": NAME,
        "passport": PASSPORT,
        "personal_id": PERSONAL_NUMBER,
        "last_four": "1111",
        "expiry": "12/29",
        "phone": "+375291234567",
    }
    sensitive = ("expiry", "full_name", "last_four", "passport", "personal_id")
    onboarding = {"flow": "onboarding", "step": "address", "data": FlowData(values=values, sensitive=sensitive)}
    return a_session(**{"chat_key": chat_key, **onboarding, **changes})


def raw_item(chat_key: str) -> str:
    """The item as DynamoDB holds it, every attribute (binary ones as their bytes)."""
    return str(boto3.client("dynamodb").get_item(TableName=TABLE, Key={"chat_key": {"S": chat_key}})["Item"])


def kms_calls() -> list[str]:
    calls: list[str] = []
    sealing.kms_client().meta.events.register("before-call.kms.*", lambda model, **_: calls.append(model.name))
    return calls


def test_the_oracle_finds_each_personal_value_in_an_item_where_it_is_clear() -> None:
    assert personal_found(json.dumps(an_applicant().data.model_dump(), ensure_ascii=False)) == [
        PASSPORT,
        PERSONAL_NUMBER,
        NAME,
        "Иванов",
        "1111",
        "12/29",
    ]
    assert personal_found("4222222222222 and 378282246310005") == ["4222222222222", "378282246310005"]


def test_personal_values_are_stored_only_sealed_and_read_back_whole(table: Any) -> None:
    repository = SessionRepository(TABLE)
    saved = repository.save(an_applicant())

    assert personal_found(raw_item("telegram:42")) == []
    assert "+375291234567" in raw_item("telegram:42")  # what is not personal by its validator stays clear
    assert repository.get("telegram:42") == saved


def test_a_sealed_blob_copied_into_another_chats_session_does_not_open(table: Any) -> None:
    repository = SessionRepository(TABLE)
    repository.save(an_applicant("telegram:42"))
    repository.save(
        an_applicant("telegram:43", data=FlowData(values={"passport": "KH7654321"}, sensitive=("passport",)))
    )
    theirs = table.get_item(Key={"chat_key": "telegram:42"})["Item"]["sealed"]
    table.update_item(
        Key={"chat_key": "telegram:43"}, UpdateExpression="SET sealed = :s", ExpressionAttributeValues={":s": theirs}
    )

    assert repository.get("telegram:42") is not None  # opens in its own chat
    with pytest.raises(SealBroken):
        repository.get("telegram:43")


def test_a_sealed_blob_altered_by_one_bit_does_not_open(table: Any) -> None:
    repository = SessionRepository(TABLE)
    repository.save(an_applicant())
    blob = bytearray(bytes(table.get_item(Key={"chat_key": "telegram:42"})["Item"]["sealed"]))
    blob[-1] ^= 1
    table.update_item(
        Key={"chat_key": "telegram:42"},
        UpdateExpression="SET sealed = :s",
        ExpressionAttributeValues={":s": bytes(blob)},
    )

    with pytest.raises(SealBroken):
        repository.get("telegram:42")


def test_a_turn_with_nothing_personal_calls_kms_neither_to_write_nor_to_read(table: Any) -> None:
    repository = SessionRepository(TABLE)
    calls = kms_calls()
    # A sensitive key the flow has already forgotten (not among the values) is nothing to seal either.
    repository.save(a_session(data=FlowData(values={"amount": {"minor": 5000}}, sensitive=("passport",))))
    repository.get("telegram:42")
    assert calls == []
    assert "sealed" not in table.get_item(Key={"chat_key": "telegram:42"})["Item"]

    repository.save(an_applicant("telegram:43"))
    repository.get("telegram:43")
    assert calls == ["GenerateDataKey", "Decrypt"]  # one call each way when there is something to seal


def test_a_session_saved_before_the_sealing_reads_its_clear_values_and_seals_them_on_the_next_save(table: Any) -> None:
    old = an_applicant()
    item = {
        "chat_key": old.chat_key,
        "version": 3,
        "language": "ru",
        "language_source": "hint",
        "flow": "onboarding",
        "step": "address",
        "state": json.dumps({"flow_data": old.data.model_dump(mode="json"), "history": [], "buttons": {}, "epoch": 0}),
        "expires_at": old.expires_at,
        "last_seen": NOW.isoformat(),
    }
    table.put_item(Item=item)
    repository = SessionRepository(TABLE)

    read = repository.get(old.chat_key)
    assert read is not None and read.data == old.data
    repository.save(read)
    assert personal_found(raw_item(old.chat_key)) == []
    assert repository.get(old.chat_key).data == old.data  # type: ignore[union-attr]
