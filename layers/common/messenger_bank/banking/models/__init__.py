"""The one typed interface over the bank: what the Lambdas hand in (``*Request``, ours: strict) and
what they get back (results parsed from the systems' answers: tolerant of fields they add).

Money is integer minor units plus an ISO 4217 code. A card number appears only as ``SecretStr``
(never in a repr, a log line or ``model_dump``) and only where the bank hands it over or takes it.

A module per bank system (``core``, ``cerberus``, ``passport``, ``billing``, ``acquirer``, ``partners``), and here
what they share: the person handed to three of them, the identifiers and the two kinds of model. A function imports
the systems it calls and pays for no other's models (issue 20: each model class costs ~0.3 ms to define, and a
banking function imported all 45).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

DocumentNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}\d{7}$")]
PersonalNumber = Annotated[str, StringConstraints(pattern=r"^[1-6]\d{6}[A-Z]\d{3}[A-Z]{2}[0-9A-Z]$")]
Phone = Annotated[str, StringConstraints(pattern=r"^\+375(25|29|33|44)\d{7}$")]
IdempotencyKey = Annotated[str, StringConstraints(min_length=8, max_length=255, pattern=r"^[A-Za-z0-9:_.-]+$")]
BankId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ServiceCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
PartnerId = Literal["gamearena", "twitch", "burgerking", "grushovka"]
PARTNER_IDS: tuple[PartnerId, ...] = ("gamearena", "twitch", "burgerking", "grushovka")
# The billing system's kinds of payee, which the payments context's own models name too.
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


# Every model of the bank is built on its first use (defer_build): a function uses a few of them, and building them
# all at import was a tenth of an operation's cold start.
class Ours(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class Theirs(BaseModel):
    # Parsed from the systems' answers (by their field names), and again from our own dumps (by ours).
    model_config = ConfigDict(
        defer_build=True, frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )


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
