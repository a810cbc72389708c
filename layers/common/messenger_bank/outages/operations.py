"""A bank system down: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.operations import Operation
from messenger_bank.outages.models import TellWhenBackRequest, WillTell

# "Tell me when it's back": the chat is told once, when the scheduled check finds the system answering again.
TELL_WHEN_BACK = Operation("tell_when_back", TellWhenBackRequest, WillTell)
