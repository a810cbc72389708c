"""Bill payment step - claims the quote for this payment (one quote, one payment)."""

from messenger_bank.handlers import step_lambda
from messenger_bank.payments.models import BillPaymentState
from messenger_bank.payments.service import prepare_payment

lambda_handler = step_lambda(BillPaymentState, prepare_payment)
