"""GET /internal/customers/{customer_id}: an operator's masked view of one customer (behind the Keycloak authorizer)."""

from messenger_bank.customers.operator import handle
from messenger_bank.handlers import lambda_entry

lambda_handler = lambda_entry(lambda event, _context: handle(event))
