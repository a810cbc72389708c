"""/webhooks/whatsapp: GET answers Meta's hub.challenge; POST checks X-Hub-Signature-256, queues each message once."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.channels import adapter_for
from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.webhooks.service import accept_update, answer_challenge

# This messenger's adapter is built in the init phase; the other three are never loaded here.
adapter_for("whatsapp")

app = http_app()


@app.get("/webhooks/whatsapp")
def handshake() -> Response[str]:
    return respond(answer_challenge("whatsapp", request_of(app).query))


@app.post("/webhooks/whatsapp")
def update() -> Response[str]:
    return respond(accept_update("whatsapp", request_of(app), lambda_context=app.lambda_context))


lambda_handler = http_lambda(app)
