"""POST /internal/plastic-events: a core-banking status event ({order_id, status}) resumes the order's journey once."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.http import HttpAnswer, HttpRequest, HttpRoutes
from messenger_bank.plastic.service import accept_status_event

routes = HttpRoutes()


@routes.route("POST /internal/plastic-events")
def status_event(request: HttpRequest, _context: LambdaContext) -> HttpAnswer:
    return accept_status_event(request)


lambda_handler = routes.handler()
