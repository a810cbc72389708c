"""Tells a chat how a journey went, in its language, on the messenger it uses."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.notify import notify
from messenger_bank.onboarding.models import NotifyRequest

lambda_handler = operation_lambda(NotifyRequest, notify)
