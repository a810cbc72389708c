"""POST /webhooks/viber: checks X-Viber-Content-Signature, queues the callback once, answers 200 at once."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.channels import adapter_for
from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.webhooks.service import accept_update

# This messenger's adapter is built in the init phase; the other three are never loaded here.
adapter_for("viber")

routes = HttpRoutes()


@routes.route("POST /webhooks/viber")
def update(request: HttpRequest, context: LambdaContext) -> HttpAnswer:
    return accept_update("viber", request, lambda_context=context)


lambda_handler = routes.handler()
