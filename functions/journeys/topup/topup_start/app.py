"""Top-up step - the acquirer's one-time payment page for this top-up."""

from messenger_bank.handlers import step_lambda
from messenger_bank.topup.models import TopUpState
from messenger_bank.topup.service import start_topup

lambda_handler = step_lambda(TopUpState, start_topup)
