"""Cashback payout step (ImageAPI) - once per paid month, the receipt picture and a notice per chat."""

# Every telling draws the receipt: its renderer (Pillow) loads at init, within the init's own limit, rather than
# on the first call, where it counted against the step's timeout (payout.py imports it where it draws, so that
# the payout's other steps do not load it).
import messenger_bank.images.receipt  # noqa: F401
from messenger_bank.handlers import step_lambda
from messenger_bank.purchases.models import PayoutTelling
from messenger_bank.purchases.payout_notices import payout_notices

lambda_handler = step_lambda(PayoutTelling, payout_notices)
