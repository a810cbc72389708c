"""Operation save_application: seal the applicant's data, return only the application id."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.onboarding.operations import SAVE_APPLICATION
from messenger_bank.onboarding.service import save_application, warm_saving

lambda_handler = operation_lambda(SAVE_APPLICATION, save_application, warm=warm_saving)
