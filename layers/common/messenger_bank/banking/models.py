"""The one typed interface over the bank: what the Lambdas hand in (``*Request``, ours: strict) and
what they get back (results parsed from the systems' answers: tolerant of fields they add).

Money is integer minor units plus an ISO 4217 code. A card number appears only as ``SecretStr``
(never in a repr, a log line or ``model_dump``) and only where the bank hands it over or takes it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from messenger_bank.cardnumbers import is_card_number
from messenger_bank.types import CurrencyCode, CustomerId, HexColour, MinorUnits, PositiveMinorUnits

DocumentNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{7}$")]
PersonalNumber = Annotated[str, StringConstraints(pattern=r"^[1-6]\d{6}[A-Z]\d{3}[A-Z]{2}[0-9A-Z]$")]
Phone = Annotated[str, StringConstraints(pattern=r"^\+375(25|29|33|44)\d{7}$")]
IdempotencyKey = Annotated[str, StringConstraints(min_length=8, max_length=255, pattern=r"^[A-Za-z0-9:_.-]+$")]
BankId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ServiceCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
PartnerId = Literal["gamearena", "twitch", "burgerking", "grushovka"]
PARTNER_IDS: tuple[PartnerId, ...] = ("gamearena", "twitch", "burgerking", "grushovka")
PayeeCategory = Literal["mobile", "utilities", "tv", "internet", "transport"]


def iban_is_valid(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 must be 1."""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", iban):
        return False
    return int("".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])) % 97 == 1


def _check_iban(value: str) -> str:
    if not (len(value) == 28 and value.startswith("BY") and iban_is_valid(value)):
        raise ValueError("not a valid Belarusian IBAN (28 characters, mod-97 check)")
    return value


Iban = Annotated[str, AfterValidator(_check_iban)]


# Every model here is built on its first use (defer_build): a function uses a few of these 45, and building them all
# at import was a tenth of an operation's cold start.
class Ours(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class Theirs(BaseModel):
    # Parsed from the systems' answers (by their field names), and again from our own dumps (by ours).
    model_config = ConfigDict(
        defer_build=True, frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


# --- identity and onboarding ---------------------------------------------------------------------
class Identity(Ours):
    """A person as they typed themselves in (Latin or Cyrillic names)."""

    # Personal data stays out of reprs (and so out of log lines that format a model).
    first_name: str = Field(min_length=1, max_length=100, repr=False)
    last_name: str = Field(min_length=1, max_length=100, repr=False)
    middle_name: str | None = Field(default=None, max_length=100, repr=False)
    birth_date: date = Field(repr=False)
    document_number: DocumentNumber = Field(repr=False)
    personal_number: PersonalNumber = Field(repr=False)
    issue_date: date | None = Field(default=None, repr=False)
    phone: Phone | None = Field(default=None, repr=False)


class IdentityCheck(Theirs):
    status: Literal["VALID", "INVALID", "NOT_FOUND", "MISMATCH"]
    reason: str | None = None
    age: int
    checked_at: datetime = Field(alias="checkedAt")


class IdentityVerified(Ours):
    age: int
    checked_at: datetime


class Screening(Theirs):
    screening_id: str
    decision: Literal["clear", "rejected"]
    reasons: list[str] = Field(default_factory=list)
    existing_customer_id: str | None = None


class CreditScoring(Theirs):
    """Cerberus's credit scoring of a customer: the card's credit limit; refused is a limit of 0."""

    scoring_id: str
    decision: Literal["approved", "refused"]
    credit_limit: MinorUnits
    currency: CurrencyCode

    @model_validator(mode="after")
    def refused_is_no_credit(self) -> CreditScoring:
        if (self.decision == "refused") != (self.credit_limit == 0):
            raise ValueError("a refused scoring grants no credit, an approved one some")
        return self


class CustomerRef(Theirs):
    customer_id: CustomerId
    created: bool


class OneTimeCode(Theirs):
    otp_id: str
    expires_at: datetime


class OneTimeCodeCheck(Theirs):
    valid: bool
    attempts_left: int


# --- cards and accounts --------------------------------------------------------------------------
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


class CardProof(Theirs):
    """Cerberus's answer to "does the customer with this phone hold this card": yes (and who) or no."""

    proven: bool
    customer_id: CustomerId | None = None


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


# --- money ---------------------------------------------------------------------------------------------
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
    operations: list[HistoryEntry] = []


# --- payments for services ---------------------------------------------------------------------------
class Payee(Theirs):
    service_code: ServiceCode = Field(alias="serviceCode")
    name: str
    category: PayeeCategory
    account_label: str = Field(alias="accountLabel")
    account_pattern: str = Field(alias="accountPattern")
    has_amount_due: bool = Field(alias="hasAmountDue")


class PayeeAccount(Theirs):
    service_code: ServiceCode = Field(alias="serviceCode")
    account: str
    holder_name: str = Field(alias="holderName")
    amount_due: MinorUnits | None = Field(default=None, alias="amountDue")
    currency: CurrencyCode


class PayRequest(Ours):
    service_code: ServiceCode
    account: str = Field(min_length=1, max_length=40)
    amount: PositiveMinorUnits
    currency: CurrencyCode
    payer_account_id: BankId
    idempotency_key: IdempotencyKey


class Payment(Theirs):
    payment_id: str = Field(alias="paymentId")
    status: Literal["COMPLETED"]
    receipt_number: str = Field(alias="receiptNumber")
    service_code: ServiceCode = Field(alias="serviceCode")
    account: str
    amount: PositiveMinorUnits
    currency: CurrencyCode
    paid_at: datetime = Field(alias="paidAt")


# --- top-up through the acquirer ------------------------------------------------------------------------
class TopUpRequest(Ours):
    order_id: str = Field(min_length=1, max_length=64)
    amount: PositiveMinorUnits
    currency: CurrencyCode
    description: str | None = Field(default=None, max_length=140)
    callback_url: str | None = None
    return_url: str | None = None
    idempotency_key: IdempotencyKey


class TopUp(Theirs):
    payment_id: str
    order_id: str
    amount: PositiveMinorUnits
    currency: CurrencyCode
    status: Literal["created", "3ds_required", "succeeded", "failed", "expired"]
    payment_url: str
    masked_pan: str | None = None
    expires_at: datetime


class TopUpEvent(Theirs):
    event_id: str
    type: str
    payment: TopUp


# --- partners --------------------------------------------------------------------------------------------
class OfferBrand(Theirs):
    """A partner's colours as its API gives them: the offer's ground and the text on it."""

    background: HexColour
    foreground: HexColour


class Offer(Theirs):
    offer_id: str
    partner: PartnerId
    partner_name: str
    title: str
    category: str
    cashback_percent: Annotated[int, Field(ge=2, le=33)]
    valid_until: date
    # The offer's picture and colours are a nicety: a partner sending them malformed loses them, not the offer.
    brand: OfferBrand | None = None
    image_url: str | None = Field(default=None, max_length=1024)

    @field_validator("brand", "image_url", mode="wrap")
    @classmethod
    def _dropped_when_malformed(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        try:
            return handler(value)
        except ValidationError:
            return None


class Activation(Theirs):
    activation_id: str
    offer_id: str
    status: str
    promo_code: str


class CashbackRule(Theirs):
    category: str
    percent: Annotated[int, Field(ge=2, le=33)]
    max_per_month: MinorUnits
