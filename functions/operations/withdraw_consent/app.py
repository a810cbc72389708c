"""Operation withdraw_consent: the marketing consent withdrawn; nothing unasked goes to the customer any more."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.privacy.operations import WITHDRAW_CONSENT
from messenger_bank.privacy.service import withdraw_consent

lambda_handler = operation_lambda(WITHDRAW_CONSENT, withdraw_consent)
