"""Bill payment step (ImageAPI) - the receipt picture in S3, sent as a presigned link."""

from messenger_bank.handlers import step_lambda
from messenger_bank.payments.models import BillPaymentState
from messenger_bank.payments.service import render_payment_receipt

lambda_handler = step_lambda(BillPaymentState, render_payment_receipt)
