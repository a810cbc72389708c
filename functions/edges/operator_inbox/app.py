"""The operators' inbox (behind the Keycloak authorizer, role operator): the chats handed to a person, taking
one, answering it on the customer's messenger, and handing it back to the bot (handoff/inbox.py)."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.channels import message_api
from messenger_bank.handoff import inbox
from messenger_bank.http import http_app, http_lambda, request_of, respond

app = http_app()


@app.get("/internal/handoffs")
def chats() -> Response[str]:
    return respond(inbox.list_chats(request_of(app)))


@app.post("/internal/handoffs/<handoff_id>/take")
def take(handoff_id: str) -> Response[str]:
    return respond(inbox.take(request_of(app), handoff_id))


@app.post("/internal/handoffs/<handoff_id>/answer")
def answer(handoff_id: str) -> Response[str]:
    return respond(inbox.answer(request_of(app), handoff_id, messages=message_api))


@app.post("/internal/handoffs/<handoff_id>/hand-back")
def hand_back(handoff_id: str) -> Response[str]:
    return respond(inbox.hand_back(request_of(app), handoff_id, messages=message_api))


lambda_handler = http_lambda(app)
