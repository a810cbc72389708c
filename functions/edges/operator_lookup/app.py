"""GET /internal/customers/{customer_id}: an operator's masked view of one customer (behind the Keycloak authorizer)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.customers.operator import lookup
from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes

routes = HttpRoutes()


@routes.route("GET /internal/customers/{customer_id}")
def customer(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return lookup(request.caller, request.path_parameters["customer_id"])


lambda_handler = routes.handler()
