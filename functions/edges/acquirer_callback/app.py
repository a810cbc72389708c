"""POST /callbacks/acquirer: checks the acquirer's HMAC signature, resumes the waiting top-up once."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.topup.service import accept_acquirer_callback

app = http_app()


@app.post("/callbacks/acquirer")
def callback() -> Response[str]:
    return respond(accept_acquirer_callback(request_of(app)))


lambda_handler = http_lambda(app)
