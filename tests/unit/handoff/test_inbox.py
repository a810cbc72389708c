"""The inbox over HTTP: refused for a request the authorizer did not let through and for a malformed id or body;
each domain refusal its status (unknown 404, not open or window closed 409); never cached."""

from __future__ import annotations

import json

from messenger_bank.handoff import inbox
from messenger_bank.handoff.models import handoff_id
from messenger_bank.http import HttpAnswer, HttpRequest
from tests.unit.handoff.world import TELEGRAM, World

OPERATOR = HttpRequest(method="POST", caller="anna")
HANDOFF = handoff_id(TELEGRAM.key)


def body(answer: HttpAnswer) -> dict[str, object]:
    return dict(json.loads(answer.body))


def test_a_request_the_authorizer_did_not_let_through_is_refused(world: World) -> None:
    world.hand_over()
    nobody = HttpRequest(method="GET")
    assert inbox.list_chats(nobody, repository=world.handoffs).status == 403
    assert inbox.take(nobody, HANDOFF, repository=world.handoffs).status == 403
    assert world.take("anna").state == "with_operator"  # nothing was taken by the refused request


def test_the_inbox_lists_the_waiting_chat_uncached(world: World) -> None:
    world.hand_over(TELEGRAM, "help")
    answer = inbox.list_chats(HttpRequest(method="GET", caller="anna"), repository=world.handoffs)
    assert answer.status == 200 and answer.headers["cache-control"] == "no-store"
    [chat] = body(answer)["chats"]  # type: ignore[misc]
    assert chat["handoff_id"] == HANDOFF and "chat_id" not in chat and "chat_key" not in chat


def test_a_malformed_id_is_refused(world: World) -> None:
    assert inbox.take(OPERATOR, "telegram:5001", repository=world.handoffs).status == 400


def test_an_unknown_chat_is_not_found(world: World) -> None:
    assert inbox.take(OPERATOR, HANDOFF, repository=world.handoffs).status == 404


def test_a_chat_back_with_the_bot_is_a_conflict(world: World) -> None:
    world.hand_over()
    world.hand_back("anna")
    assert inbox.take(OPERATOR, HANDOFF, repository=world.handoffs).status == 409


def test_an_answer_without_text_is_refused_and_nothing_is_sent(world: World) -> None:
    world.hand_over()
    empty = OPERATOR.model_copy(update={"body": b'{"text": ""}'})
    answer = inbox.answer(empty, HANDOFF, messages=lambda: world.messages, repository=world.handoffs)  # type: ignore[arg-type, return-value]
    assert answer.status == 400 and world.messages.sent == []


def test_the_operator_is_named_by_the_tokens_username_where_it_has_one(world: World) -> None:
    world.hand_over()
    named = OPERATOR.model_copy(update={"caller": "8c1e-subject", "caller_name": "anna"})
    assert body(inbox.take(named, HANDOFF, repository=world.handoffs))["taken_by"] == "anna"
    unnamed = OPERATOR.model_copy(update={"caller": "8c1e-subject"})
    assert inbox.take(unnamed, HANDOFF, repository=world.handoffs).status == 409  # another operator's now
