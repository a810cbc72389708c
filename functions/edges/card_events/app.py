"""POST /internal/card-events: a core-banking card event (a purchase cleared, declined or refunded) accrues its
cashback and tells the customer, once per event."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.purchases.service import accept_card_event

routes = HttpRoutes()


@routes.route("POST /internal/card-events")
def card_event(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return accept_card_event(request)


lambda_handler = routes.handler()
