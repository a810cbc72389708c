"""POST /callbacks/acquirer: checks the acquirer's HMAC signature, resumes the waiting top-up once."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.topup.service import accept_acquirer_callback

routes = HttpRoutes()


@routes.route("POST /callbacks/acquirer")
def callback(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return accept_acquirer_callback(request)


lambda_handler = routes.handler()
