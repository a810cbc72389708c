"""GET /internal/customers/{customer_id}: an operator's masked view of one customer (behind the Keycloak authorizer)."""

from aws_lambda_powertools.event_handler import Response

from messenger_bank.customers.operator import lookup
from messenger_bank.http import http_app, http_lambda, request_of, respond

app = http_app()


@app.get("/internal/customers/<customer_id>")
def customer(customer_id: str) -> Response[str]:
    return respond(lookup(request_of(app).caller, customer_id))


lambda_handler = http_lambda(app)
