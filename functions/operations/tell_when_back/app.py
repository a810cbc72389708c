"""Operation tell_when_back: this chat is told once when the bank systems it names answer again."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.outages.operations import TELL_WHEN_BACK
from messenger_bank.outages.service import tell_when_back

lambda_handler = operation_lambda(TELL_WHEN_BACK, tell_when_back)
