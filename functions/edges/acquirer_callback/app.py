"""POST /callbacks/acquirer: checks the acquirer's HMAC signature, resumes the waiting top-up once."""

from messenger_bank.handlers import lambda_entry
from messenger_bank.topup.service import accept_acquirer_callback

lambda_handler = lambda_entry(lambda event, _context: accept_acquirer_callback(event).model_dump())
