"""The conversation: one customer turn per queued update, partial batch failures reported."""

from messenger_bank.conversation.turns import handle_batch
from messenger_bank.handlers import lambda_entry

lambda_handler = lambda_entry(handle_batch)
