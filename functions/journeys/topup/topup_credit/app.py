"""Top-up step - the acquirer's status; a paid top-up credits the card once."""

from messenger_bank.handlers import step_lambda
from messenger_bank.topup.models import TopUpState
from messenger_bank.topup.service import credit_topup

lambda_handler = step_lambda(TopUpState, credit_topup)
