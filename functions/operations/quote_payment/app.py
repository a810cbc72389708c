"""Operation quote_payment - fee, total, limit and balance before anything moves."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.payments.models import QuotePaymentRequest
from messenger_bank.payments.service import quote_payment

lambda_handler = operation_lambda(QuotePaymentRequest, quote_payment, session="customer")
