"""Tells a chat how a journey went, in its language, on the messenger it uses."""

from messenger_bank.handlers import step_lambda
from messenger_bank.notices.models import NotifyRequest
from messenger_bank.notices.service import notify, warm

lambda_handler = step_lambda(NotifyRequest, notify, warm=warm)
