"""/webhooks/whatsapp: GET answers Meta's hub.challenge; POST checks X-Hub-Signature-256, queues each message once."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.channels import adapter_for
from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.webhooks.service import accept_update, answer_challenge

# This messenger's adapter is built in the init phase; the other three are never loaded here.
adapter_for("whatsapp")

routes = HttpRoutes()


@routes.route("GET /webhooks/whatsapp")
def handshake(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return answer_challenge("whatsapp", request.query)


@routes.route("POST /webhooks/whatsapp")
def update(request: HttpRequest, context: LambdaContext) -> HttpAnswer:
    return accept_update("whatsapp", request, lambda_context=context)


lambda_handler = routes.handler()
