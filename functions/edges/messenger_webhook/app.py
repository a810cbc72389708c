"""/webhooks/messenger: GET answers Meta's hub.challenge; POST checks X-Hub-Signature-256 and queues each event once."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.channels import adapter_for
from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.webhooks.service import accept_update, answer_challenge

# This messenger's adapter is built in the init phase; the other three are never loaded here.
adapter_for("messenger")

app = http_app()


@app.get("/webhooks/messenger")
def handshake() -> Response[str]:
    return respond(answer_challenge("messenger", request_of(app).query))


@app.post("/webhooks/messenger")
def update() -> Response[str]:
    return respond(accept_update("messenger", request_of(app), lambda_context=app.lambda_context))


lambda_handler = http_lambda(app)
