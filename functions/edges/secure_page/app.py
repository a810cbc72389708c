"""GET / POST /secure/{pin|password}: the one-time page where a PIN or the bank password is set."""

from messenger_bank.handlers import lambda_entry
from messenger_bank.securepage.service import handle

lambda_handler = lambda_entry(lambda event, _context: handle(event))
