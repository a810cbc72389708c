"""GET / POST /secure/{pin|password|confirm}: the one-time page where a PIN or the bank password is set."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.http import http_app, http_lambda, request_of, respond
from messenger_bank.securepage.service import handle

app = http_app()


@app.route("/secure/<purpose>", method=["GET", "POST"])
def page(purpose: str) -> Response[str]:
    return respond(handle(request_of(app)))


lambda_handler = http_lambda(app)
