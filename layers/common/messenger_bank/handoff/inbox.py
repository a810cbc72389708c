"""The operators' inbox over HTTP (the internal API, behind the Keycloak authorizer's ``operator`` role):

    GET  /internal/handoffs                          the chats waiting or with an operator, turns redacted
    POST /internal/handoffs/{handoff_id}/take        take a chat
    POST /internal/handoffs/{handoff_id}/answer      {"text": "..."}: sent to the customer's messenger
    POST /internal/handoffs/{handoff_id}/hand-back   back to the bot (the customer is told)

The caller is the operator the authorizer let through (``HttpRequest.caller``); a request that did not pass
the authorizer is refused here too, so a route wired without it fails closed. Nothing is cached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Final

from pydantic import ValidationError

from messenger_bank.channels.client import MessageAPI
from messenger_bank.errors import DomainError
from messenger_bank.handoff import service
from messenger_bank.handoff.errors import HandoffNotFound, HandoffNotOpen, WindowClosed
from messenger_bank.handoff.models import Handoff, OperatorAnswer
from messenger_bank.handoff.repository import HandoffsRepository
from messenger_bank.http import HttpAnswer, HttpRequest, json_answer

_HANDOFF_ID: Final = re.compile(r"^[a-p]{32}$")
_STATUS: Final[dict[type[DomainError], int]] = {HandoffNotFound: 404, HandoffNotOpen: 409, WindowClosed: 409}


def _answer(status: int, body: object) -> HttpAnswer:
    return json_answer(status, body, cache_control="no-store")


def operator_of(request: HttpRequest) -> str:
    """Who acts: the person's username from the verified token (what colleagues and the audit read), else its
    subject."""
    return request.caller_name or request.caller


def _refused(request: HttpRequest, handoff_id: str | None = None) -> HttpAnswer | None:
    if not request.caller:
        return _answer(403, {"message": "Forbidden"})
    if handoff_id is not None and not _HANDOFF_ID.match(handoff_id):
        return _answer(400, {"message": "malformed hand-off id"})
    return None


def _view(handoff: Handoff) -> dict[str, object]:
    view = {"handoff_id": handoff.handoff_id, "state": handoff.state, "taken_by": handoff.taken_by}
    return {name: value for name, value in view.items() if value is not None}


def list_chats(request: HttpRequest, *, repository: HandoffsRepository | None = None) -> HttpAnswer:
    refused = _refused(request)
    if refused is not None:
        return refused
    return _answer(200, service.inbox(repository=repository).model_dump(mode="json", exclude_none=True))


def _act(request: HttpRequest, handoff_id: str, do: Callable[[], Handoff]) -> HttpAnswer:
    refused = _refused(request, handoff_id)
    if refused is not None:
        return refused
    try:
        return _answer(200, _view(do()))
    except (HandoffNotFound, HandoffNotOpen, WindowClosed) as error:
        return _answer(_STATUS[type(error)], {"message": str(error), "error": type(error).__name__})


def take(request: HttpRequest, handoff_id: str, *, repository: HandoffsRepository | None = None) -> HttpAnswer:
    return _act(request, handoff_id, lambda: service.take(operator_of(request), handoff_id, repository=repository))


def answer(
    request: HttpRequest,
    handoff_id: str,
    *,
    messages: Callable[[], MessageAPI],
    repository: HandoffsRepository | None = None,
) -> HttpAnswer:
    refused = _refused(request, handoff_id)
    if refused is not None:
        return refused
    try:
        said = OperatorAnswer.model_validate(json.loads(request.body or b"null"))
    except (ValueError, ValidationError):
        return _answer(400, {"message": 'the body must be {"text": "..."} (1 to 4000 characters)'})
    return _act(
        request,
        handoff_id,
        lambda: service.answer(operator_of(request), handoff_id, said.text, messages=messages(), repository=repository),
    )


def hand_back(
    request: HttpRequest,
    handoff_id: str,
    *,
    messages: Callable[[], MessageAPI],
    repository: HandoffsRepository | None = None,
) -> HttpAnswer:
    return _act(
        request,
        handoff_id,
        lambda: service.hand_back(operator_of(request), handoff_id, messages=messages(), repository=repository),
    )
