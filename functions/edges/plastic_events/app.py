"""POST /internal/plastic-events: a core-banking status event ({order_id, status}) resumes the order's journey once."""

from messenger_bank.handlers import lambda_entry
from messenger_bank.plastic.service import handle_status_webhook

lambda_handler = lambda_entry(handle_status_webhook)
