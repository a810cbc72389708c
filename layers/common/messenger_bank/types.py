"""Field types reused across contexts, so that a card mask or an amount means one thing everywhere."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Channel = Literal["telegram", "viber", "whatsapp", "messenger"]
CHANNELS: tuple[Channel, ...] = ("telegram", "viber", "whatsapp", "messenger")

Language = Literal["ru", "be", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "be", "en")

# Money is an integer number of minor units (kopecks) plus an ISO 4217 code; never a float.
MinorUnits = Annotated[int, Field(ge=0)]
PositiveMinorUnits = Annotated[int, Field(gt=0)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

CustomerId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# A calendar month of the bank (Minsk time), YYYY-MM.
Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
# A colour as "#RRGGBB" (a partner's brand colours, from its API to the offers picture).
HexColour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
# First six and last four at most, e.g. "411111******1111" or "•• 1111".
MaskedPan = Annotated[str, StringConstraints(min_length=4, max_length=19)]
# A message as its messenger names it: Telegram a number, WhatsApp a wamid of about 60 characters, Messenger a mid
# of about 100.
MessageId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
# Opaque reference to a tokenised card number (the number itself never leaves the tokeniser).
CardToken = Annotated[str, StringConstraints(pattern=r"^tok_[A-Za-z0-9_-]{8,128}$")]


class ReceiptMessage(BaseModel):
    """A journey's "in progress" message, which its receipt edits where the messenger can: its id only.
    Always in the journey's state (no id: none came back, or it was not sent) so that the receipt's path
    to it resolves."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    message_id: MessageId | None = None
