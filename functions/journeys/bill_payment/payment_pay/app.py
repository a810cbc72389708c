"""Bill payment step - pays the payee through billing once (idempotency key from the execution)."""

from messenger_bank.handlers import step_lambda
from messenger_bank.payments.models import BillPaymentState
from messenger_bank.payments.service import pay_bill

lambda_handler = step_lambda(BillPaymentState, pay_bill)
