"""Card issuance step: forget the applicant's sealed data."""

from messenger_bank.handlers import step_lambda
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.service import close_application

lambda_handler = step_lambda(IssuanceState, close_application)
