"""POST /webhooks/telegram: checks the secret-token header, queues the update once, answers 200 at once."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.channels import adapter_for
from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.webhooks.service import accept_update

# This messenger's adapter is built in the init phase; the other three are never loaded here.
adapter_for("telegram")

routes = HttpRoutes()


@routes.route("POST /webhooks/telegram")
def update(request: HttpRequest, context: LambdaContext) -> HttpAnswer:
    return accept_update("telegram", request, lambda_context=context)


lambda_handler = routes.handler()
