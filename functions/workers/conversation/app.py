"""The conversation: one customer turn per queued update, partial batch failures reported."""

from messenger_bank.conversation.nlu import warm_up
from messenger_bank.conversation.turns import handle_batch
from messenger_bank.handlers import lambda_entry

# The NLU model loads in the init phase (paid once per environment, not on a customer's first turn).
warm_up()

lambda_handler = lambda_entry(handle_batch)
