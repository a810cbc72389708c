"""Operation forget_customer: the bot's copies of the customer erased or anonymised, an audit record kept
(no personal data in it); the bank's records stay in core banking. Sensitive and confirmed."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.privacy.operations import FORGET_CUSTOMER
from messenger_bank.privacy.service import forget_customer

lambda_handler = operation_lambda(FORGET_CUSTOMER, forget_customer)
