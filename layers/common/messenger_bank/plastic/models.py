"""What the plastic card journey keeps and carries.

The journey's state carries references only (customer, card, address id, the bank's order id, the card
mask): the address itself stays in the customers table, under its customer.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from messenger_bank.banking.models.core import DeliveryAddress
from messenger_bank.types import CustomerId, Language

PlasticStatus = Literal["ordered", "produced", "sent", "delivered"]
# The order the bank moves a plastic card through; an order never goes back.
STATUSES: tuple[PlasticStatus, ...] = ("ordered", "produced", "sent", "delivered")
AddressId = Annotated[str, StringConstraints(pattern=r"^addr_[a-z0-9]{16}$")]
# The execution name the conversation gives the journey: letters, digits, '-' and '_', at most 80.
ExecutionName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,80}$")]
OrderId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def rank(status: PlasticStatus) -> int:
    return STATUSES.index(status)


class SaveAddressRequest(BaseModel):
    """The conversation's `save_delivery_address` operation (messenger_bank/operations.py): the address as typed."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    customer_id: CustomerId
    address: str = Field(min_length=1, max_length=200)


class SavedAddress(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    address_id: AddressId


class Address(BaseModel):
    """A delivery address as kept under its customer (`ADDRESS#<id>`)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    address_id: AddressId
    customer_id: CustomerId
    text: str = Field(min_length=1, max_length=200)
    delivery: DeliveryAddress


class PlasticState(BaseModel):
    """The journey's state between steps (Step Functions input and output)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    customer_id: CustomerId
    card_id: str = Field(min_length=1, max_length=64)
    address_id: AddressId
    chat_key: str = Field(min_length=3, max_length=160)
    language: Language = "ru"
    execution: ExecutionName
    order_id: OrderId | None = None
    status: PlasticStatus | None = None
    mask: str = ""
    track_until: int = 0


class TrackedOrder(BaseModel):
    """Our record of a bank order (`PLASTIC#<order id>`): which journey follows it, the last status heard."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    order_id: OrderId
    execution: ExecutionName
    customer_id: CustomerId
    chat_key: str = Field(min_length=3, max_length=160)
    status: PlasticStatus

    @property
    def wait_reference(self) -> str:
        return status_wait_reference(self.execution)


def status_wait_reference(execution: str) -> str:
    """Where the journey parks its task token while it waits for the next status."""
    return f"{execution}:status"


class AwaitStatusRequest(BaseModel):
    """A `.waitForTaskToken` step: park the token until the order reaches `awaiting` (or further)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    execution: ExecutionName
    order_id: OrderId
    awaiting: PlasticStatus
    task_token: str = Field(min_length=1, max_length=2048, repr=False)
    chat_key: str = Field(min_length=3, max_length=160)
    track_until: int

    @property
    def reference(self) -> str:
        return status_wait_reference(self.execution)


class Parked(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    reference: str
    resumed: bool = Field(description="the status had arrived already: the wait was completed at once")


class StatusEvent(BaseModel):
    """A core-banking event on POST /internal/plastic-events; tolerant, the bank may add fields."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    order_id: OrderId
    status: PlasticStatus


class EventOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    order_id: OrderId
    status: PlasticStatus
    changed: bool = Field(description="false: a repeated or late event, nothing was done")
    resumed: bool = Field(description="the journey was waiting and has been resumed")
