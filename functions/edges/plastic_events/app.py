"""POST /internal/plastic-events: a core-banking status event ({order_id, status}) resumes the order's journey once."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.plastic.service import accept_status_event

app = http_app()


@app.post("/internal/plastic-events")
def status_event() -> Response[str]:
    return respond(accept_status_event(request_of(app)))


lambda_handler = http_lambda(app)
