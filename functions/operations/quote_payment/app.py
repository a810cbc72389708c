"""Operation quote_payment - fee, total, limit and balance before anything moves."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.operations import QUOTE_PAYMENT
from messenger_bank.payments.service import quote_payment

lambda_handler = operation_lambda(QUOTE_PAYMENT, quote_payment)
