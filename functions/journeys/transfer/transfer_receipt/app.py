"""Transfer step (ImageAPI) - the receipt picture in S3, sent as a presigned link."""

from messenger_bank.handlers import step_lambda
from messenger_bank.transfers.models import TransferState
from messenger_bank.transfers.service import render_transfer_receipt

lambda_handler = step_lambda(TransferState, render_transfer_receipt)
