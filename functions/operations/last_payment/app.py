"""Operation last_payment - the last payment's payee, account and amount, to repeat."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.operations import LAST_PAYMENT
from messenger_bank.payments.service import last_payment

lambda_handler = operation_lambda(LAST_PAYMENT, last_payment)
