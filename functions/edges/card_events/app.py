"""POST /internal/card-events: a core-banking card event (a purchase cleared, declined or refunded) accrues its
cashback and tells the customer, once per event."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.purchases.service import accept_card_event

app = http_app()


@app.post("/internal/card-events")
def card_event() -> Response[str]:
    return respond(accept_card_event(request_of(app)))


lambda_handler = http_lambda(app)
