"""Card issuance step: the digital card (one per customer), recorded as a mask."""

from messenger_bank.handlers import step_lambda
from messenger_bank.onboarding.issuance import issue_virtual_card, warm_issuing
from messenger_bank.onboarding.models import IssuanceState

lambda_handler = step_lambda(IssuanceState, issue_virtual_card, warm=warm_issuing)
