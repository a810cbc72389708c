"""The operators' inbox (behind the Keycloak authorizer, role operator): the chats handed to a person, taking
one, answering it on the customer's messenger, and handing it back to the bot (handoff/inbox.py)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.channels import message_api
from messenger_bank.handoff import inbox
from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes

routes = HttpRoutes()


@routes.route("GET /internal/handoffs")
def chats(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return inbox.list_chats(request)


@routes.route("POST /internal/handoffs/{handoff_id}/take")
def take(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return inbox.take(request, request.path_parameters["handoff_id"])


@routes.route("POST /internal/handoffs/{handoff_id}/answer")
def answer(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return inbox.answer(request, request.path_parameters["handoff_id"], messages=message_api)


@routes.route("POST /internal/handoffs/{handoff_id}/hand-back")
def hand_back(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return inbox.hand_back(request, request.path_parameters["handoff_id"], messages=message_api)


lambda_handler = routes.handler()
