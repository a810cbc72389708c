"""GET / POST /secure/{pin|password|confirm}: the one-time page where a PIN or the bank password is set."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.securepage.service import handle

routes = HttpRoutes()


@routes.route("GET /secure/{purpose}", "POST /secure/{purpose}")
def page(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return handle(request)


lambda_handler = routes.handler()
