"""Card issuance step: the Passport registry and Cerberus confirm the applicant."""

from messenger_bank.handlers import step_lambda
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.service import verify_applicant, warm_verifying

lambda_handler = step_lambda(IssuanceState, verify_applicant, warm=warm_verifying)
