"""/webhooks/messenger: GET answers Meta's hub.challenge; POST checks X-Hub-Signature-256 and queues each event once."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.channels import adapter_for
from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.webhooks.service import accept_update, answer_challenge

# This messenger's adapter is built in the init phase; the other three are never loaded here.
adapter_for("messenger")

routes = HttpRoutes()


@routes.route("GET /webhooks/messenger")
def handshake(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return answer_challenge("messenger", request.query)


@routes.route("POST /webhooks/messenger")
def update(request: HttpRequest, context: LambdaContext) -> HttpAnswer:
    return accept_update("messenger", request, lambda_context=context)


lambda_handler = routes.handler()
