"""Core banking's requests and answers: customers, cards, PINs and passwords, limits, accounts, the money
that moves between them and the statements that tell it."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, SecretStr, StringConstraints, field_validator, model_validator

from messenger_bank.banking.models import BankId, Iban, IdempotencyKey, Ours, Theirs
from messenger_bank.cardnumbers import is_card_number
from messenger_bank.types import CurrencyCode, CustomerId, MinorUnits, PositiveMinorUnits


class CustomerRef(Theirs):
    customer_id: CustomerId
    created: bool


class IssueCardRequest(Ours):
    customer_id: CustomerId
    product: Literal["visa-digital", "mastercard-digital", "belkart-digital"] = "visa-digital"
    cashback_category: str = Field(default="everything", max_length=40)
    credit_limit: MinorUnits = Field(default=0, description="the card account's credit line; 0: a debit card")
    idempotency_key: IdempotencyKey


class Card(Theirs):
    card_id: BankId
    customer_id: CustomerId
    account_id: BankId
    masked_pan: str
    expiry: str
    product: str
    form: Literal["virtual", "plastic"]
    status: Literal["active", "blocked"]
    pin_set: bool = False
    cashback_category: str


class IssuedCard(Card):
    """A new card: the number itself is handed over once, as a secret, for tokenisation."""

    pan: SecretStr
    iban: Iban
    credit_limit: MinorUnits = 0


class CardLookup(Theirs):
    own: bool
    masked_pan: str
    card_id: BankId | None = None
    account_id: BankId | None = None
    customer_id: CustomerId | None = None


class CardDetails(Theirs):
    """A card's full number, expiry and CVV, as core banking hands them over for the owner to see once (on the
    secure page). The number and the CVV are secrets: never in a repr, ``model_dump``, a log line or a
    validation error (``hide_input_in_errors``: a malformed answer's error does not quote it)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore", hide_input_in_errors=True)

    card_id: BankId
    pan: SecretStr
    expiry: str = Field(pattern=r"^(0[1-9]|1[0-2])/\d{2}$")
    cvv: SecretStr

    @field_validator("pan")
    @classmethod
    def _a_card_number(cls, value: SecretStr) -> SecretStr:
        if not is_card_number(value.get_secret_value()):
            raise ValueError("not a card number")
        return value

    @field_validator("cvv")
    @classmethod
    def _three_digits(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"\d{3}", value.get_secret_value()):
            raise ValueError("a CVV is three digits")
        return value


class DeliveryAddress(Ours):
    city: str = Field(min_length=1, max_length=100)
    street: str = Field(min_length=1, max_length=200)
    house: str | None = Field(default=None, max_length=20)
    flat: str | None = Field(default=None, max_length=20)
    postcode: str | None = Field(default=None, pattern=r"^\d{6}$")


class OrderPlasticRequest(Ours):
    card_id: BankId
    address: DeliveryAddress
    idempotency_key: IdempotencyKey


class PlasticOrder(Theirs):
    order_id: str = Field(alias="id")
    card_id: BankId
    status: Literal["ordered", "produced", "sent", "delivered"]
    updated_at: datetime


class PinKey(Theirs):
    key_id: str
    algorithm: Literal["RSA-OAEP-256"]
    public_key_pem: str


class SetPinRequest(Ours):
    """The PIN arrives encrypted by the web form with the bank's PIN key; we never see it in clear."""

    card_id: BankId
    encrypted_pin: SecretStr
    key_id: str = Field(min_length=1, max_length=64)


class EncryptedPassword(Ours):
    """The bank password as a JWE for the bank's key (``security.jwe.encrypt_for_bank``), never in clear."""

    encrypted_password: SecretStr
    key_id: str = Field(min_length=1, max_length=64)


class PasswordCheck(Theirs):
    valid: bool
    password_set: bool


CardLimitKind = Literal["purchases", "cash", "online"]


class CardLimit(Theirs):
    kind: CardLimitKind
    period: Literal["day"]
    amount: MinorUnits
    maximum: MinorUnits


class CardLimits(Theirs):
    card_id: BankId
    currency: CurrencyCode
    limits: list[CardLimit]


class Balance(Theirs):
    """A card account as core banking reports it, and what follows from it: the one place for the
    rule available = own funds + unused credit - holds."""

    account_id: BankId
    # The ledger's balance, signed: below zero is credit in use (never below -credit_limit).
    ledger_balance: int = Field(alias="balance")
    credit_limit: MinorUnits = 0
    holds: MinorUnits = 0
    currency: CurrencyCode

    @property
    def own_funds(self) -> int:
        return max(self.ledger_balance, 0)

    @property
    def credit_used(self) -> int:
        return max(-self.ledger_balance, 0)

    @property
    def credit_unused(self) -> int:
        return max(self.credit_limit - self.credit_used, 0)

    @property
    def available(self) -> int:
        return max(self.own_funds + self.credit_unused - self.holds, 0)


class Requisites(Theirs):
    account_id: BankId
    iban: Iban
    currency: CurrencyCode
    holder_name: str
    bank_name: str
    bic: Annotated[str, StringConstraints(pattern=r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")]
    bank_taxpayer_number: str


class DebitRequest(Ours):
    card_id: BankId | None = None
    account_id: BankId | None = None
    amount: PositiveMinorUnits
    currency: CurrencyCode
    idempotency_key: IdempotencyKey
    reference: str | None = Field(default=None, max_length=140)
    counterparty: str | None = Field(default=None, max_length=40, description="masked, for the history")

    @model_validator(mode="after")
    def one_source(self) -> DebitRequest:
        if (self.card_id is None) == (self.account_id is None):
            raise ValueError("exactly one of card_id, account_id")
        return self


class CreditRequest(Ours):
    """Money in: from a debit held in transit (``debit_id``), or from the bank (``source``)."""

    card_id: BankId | None = None
    account_id: BankId | None = None
    pan: SecretStr | None = None
    debit_id: BankId | None = None
    source: Literal["bonus", "acquiring", "cashback"] | None = None
    amount: PositiveMinorUnits
    currency: CurrencyCode
    idempotency_key: IdempotencyKey
    reference: str | None = Field(default=None, max_length=140)
    counterparty: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def one_target_one_source(self) -> CreditRequest:
        if sum(x is not None for x in (self.card_id, self.account_id, self.pan)) != 1:
            raise ValueError("exactly one of card_id, account_id, pan")
        if (self.debit_id is None) == (self.source is None):
            raise ValueError("exactly one of debit_id, source")
        if self.pan is not None and not is_card_number(self.pan.get_secret_value()):
            raise ValueError("pan is not a card number")
        return self


class RefundRequest(Ours):
    debit_id: BankId
    amount: PositiveMinorUnits | None = None
    idempotency_key: IdempotencyKey
    reference: str | None = Field(default=None, max_length=140)


class TransferRequest(Ours):
    from_account_id: BankId
    to_account_id: BankId
    amount: PositiveMinorUnits
    currency: CurrencyCode
    idempotency_key: IdempotencyKey
    reference: str | None = Field(default=None, max_length=140)


class Operation(Theirs):
    operation_id: str
    kind: Literal["debit", "credit", "refund", "transfer", "bonus", "bill_payment"]
    amount: PositiveMinorUnits
    currency: CurrencyCode
    status: Literal["completed"]
    created_at: datetime
    # A credit to one of our accounts: its ledger balance right after (below zero: credit still in use).
    balance_after: int | None = None

    @property
    def credit_repaid(self) -> int:
        """Of the money this credit paid in, the part that repaid credit in use: with one ledger balance,
        money in covers the debt first (the balance before it was ``balance_after - amount``)."""
        if self.balance_after is None:
            return 0
        return min(self.amount, max(0, self.amount - self.balance_after))

    @property
    def credit_still_used(self) -> int:
        return max(0, -self.balance_after) if self.balance_after is not None else 0


class HistoryEntry(Theirs):
    operation_id: str
    kind: str
    amount: int  # signed: negative for money out
    currency: CurrencyCode
    reference: str | None = None
    counterparty: str | None = None
    created_at: datetime


class Statement(Theirs):
    """A card account's monthly statement as core banking computes it from the ledger: the month's
    operations, the credit in use at its end (the amount due), the minimum payment and the date both are
    due (the statement date, the month's last day, plus the grace period), and what the month charged for
    debt carried past the previous due date (interest, fees). ``closed`` is false for the month still running."""

    account_id: BankId
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    currency: CurrencyCode
    statement_date: date
    due_date: date
    closed: bool
    credit_limit: MinorUnits = 0
    opening_balance: int
    closing_balance: int
    amount_due: MinorUnits
    minimum_payment: MinorUnits
    interest: MinorUnits = 0
    fees: MinorUnits = 0
    operations: list[HistoryEntry] = Field(default_factory=list)
