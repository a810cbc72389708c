"""The plastic card: the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.operations import Operation
from messenger_bank.plastic.errors import AddressNotUnderstood
from messenger_bank.plastic.models import SaveAddressRequest, SavedAddress

SAVE_DELIVERY_ADDRESS = Operation(
    "save_delivery_address", SaveAddressRequest, SavedAddress, errors=(AddressNotUnderstood,), session="customer"
)
