"""Operation save_application: seal the applicant's data, return only the application id."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.service import save_application
from messenger_bank.operations import SAVE_APPLICATION

lambda_handler = operation_lambda(SAVE_APPLICATION, save_application)
