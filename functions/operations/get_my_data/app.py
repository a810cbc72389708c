"""Operation get_my_data: what the bot keeps about the customer ("My data"), masked, with the consents' dates."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.privacy.operations import GET_MY_DATA
from messenger_bank.privacy.service import get_my_data

lambda_handler = operation_lambda(GET_MY_DATA, get_my_data)
