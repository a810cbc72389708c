"""POST /webhooks/viber: checks X-Viber-Content-Signature, queues the callback once, answers 200 at once."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.webhooks.service import accept_update

app = http_app()


@app.post("/webhooks/viber")
def update() -> Response[str]:
    return respond(accept_update("viber", request_of(app), lambda_context=app.lambda_context))


lambda_handler = http_lambda(app)
