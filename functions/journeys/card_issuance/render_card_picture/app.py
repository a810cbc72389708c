"""Card issuance step (ImageAPI): the card's picture in S3, as a presigned link."""

from messenger_bank.handlers import step_lambda
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.picture import render_card_picture, warm_drawing

lambda_handler = step_lambda(IssuanceState, render_card_picture, warm=warm_drawing)
