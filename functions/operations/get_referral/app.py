"""Operation get_referral: the customer's invitation code, this messenger's link and the share picture."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.referral_operations import GET_REFERRAL
from messenger_bank.programs.sharing import get_referral

lambda_handler = operation_lambda(GET_REFERRAL, get_referral)
