"""Operation save_application: seal the applicant's data, return only the application id."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.models import ApplicationForm
from messenger_bank.onboarding.service import save_application

lambda_handler = operation_lambda(ApplicationForm, save_application)
