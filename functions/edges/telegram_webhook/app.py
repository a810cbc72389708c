"""POST /webhooks/telegram: checks the secret-token header, queues the update once, answers 200 at once."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.channels import adapter_for
from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.webhooks.service import accept_update

# This messenger's adapter is built in the init phase; the other three are never loaded here.
adapter_for("telegram")

app = http_app()


@app.post("/webhooks/telegram")
def update() -> Response[str]:
    return respond(accept_update("telegram", request_of(app), lambda_context=app.lambda_context))


lambda_handler = http_lambda(app)
