"""Validation of what customers type: pure functions returning the normalised value or an `Invalid`.

Each `Invalid` carries a message key of the catalogue (`error.*`) and the values for its placeholders,
so the engine re-asks in the customer's language. Nothing here logs or keeps what was typed.

Flows name validators by the keys of `VALIDATORS`; each takes the text and a `ValidationContext`
(the clock, the step's `params`, the session data for cross-checks) and returns a JSON-safe value
to be stored in the session. The card-number validator returns the digits, which the engine hands
to the tokeniser at once and never stores.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from messenger_bank.cardnumbers import has_card_length, luhn_valid
from messenger_bank.money import HOME_CURRENCY, currency_named, format_money
from messenger_bank.phones import BELARUS_OPERATORS
from messenger_bank.security.cards import find_pans
from messenger_bank.security.documents import PASSPORT_NUMBER, PERSONAL_NUMBER, document_text

ADULT_AGE = 18
PASSPORT_MIN_AGE = 14
DEFAULT_CURRENCY = HOME_CURRENCY


@dataclass(frozen=True)
class Invalid:
    """A rejected input: the catalogue key of the message that explains why, and its values."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ValidationContext:
    now: datetime
    params: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- names

_NAME_PART = re.compile(r"^[A-Za-zА-яЁёІіЎў]+(?:['’ʼ-][A-Za-zА-яЁёІіЎў]+)*$")
_APOSTROPHES = str.maketrans({"ʼ": "’", "'": "’", "`": "’"})


def _capitalise(part: str) -> str:
    pieces = re.split(r"([-’])", part)
    return "".join(p[:1].upper() + p[1:].lower() if p not in ("-", "’") else p for p in pieces)


def validate_name(text: str) -> str | Invalid:
    """One name (given name, surname or patronymic)."""
    part = unicodedata.normalize("NFC", text).strip().translate(_APOSTROPHES)
    if not 1 < len(part) <= 50 or not _NAME_PART.match(part.replace("’", "'")):
        return Invalid("error.name")
    return _capitalise(part)


def validate_full_name(text: str) -> str | Invalid:
    """Surname, given name and, optionally, patronymic: two to four names."""
    parts = unicodedata.normalize("NFC", text).split()
    if not 2 <= len(parts) <= 4:
        return Invalid("error.full_name")
    names = [validate_name(p) for p in parts]
    if any(isinstance(n, Invalid) for n in names):
        return Invalid("error.full_name")
    return " ".join(str(n) for n in names)


# ---------------------------------------------------------------- dates

_MONTHS = {
    # en, ru (genitive and nominative stems), be
    "jan": 1, "янв": 1, "сту": 1,
    "feb": 2, "фев": 2, "лют": 2,
    "mar": 3, "мар": 3, "сак": 3,
    "apr": 4, "апр": 4, "кра": 4,
    "may": 5, "мая": 5, "май": 5, "тра": 5,
    "jun": 6, "июн": 6, "чэр": 6,
    "jul": 7, "июл": 7, "ліп": 7,
    "aug": 8, "авг": 8, "жні": 8,
    "sep": 9, "сен": 9, "вер": 9,
    "oct": 10, "окт": 10, "кас": 10,
    "nov": 11, "ноя": 11, "ліс": 11,
    "dec": 12, "дек": 12, "сне": 12,
}  # fmt: skip


def _year(raw: str, now: datetime) -> int:
    year = int(raw)
    if len(raw) == 2:
        year += 2000 if year <= now.year % 100 else 1900
    return year


def parse_date(text: str, *, now: datetime) -> date | None:
    """Day-first dates: 05.03.1990, 5/3/1990, 05-03-90, 05031990, 1990-03-05, 5 March 1990, 5 марта 1990."""
    value = unicodedata.normalize("NFKC", text).strip().lower().rstrip(".").removesuffix(" г")
    value = value.removesuffix("года").removesuffix("года.").strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[./\-\s](\d{1,2})[./\-\s](\d{4}|\d{2})", value):
            return date(_year(m[3], now), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{2})(\d{2})(\d{4})", value):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.fullmatch(r"(\d{1,2})\s+([a-zа-яёіў]{3,})\.?,?\s+(\d{4})", value):
            month = _MONTHS.get(m[2][:3])
            return date(int(m[3]), month, int(m[1])) if month else None
    except ValueError:
        return None
    return None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def validate_date_of_birth(text: str, *, now: datetime, min_age: int = ADULT_AGE) -> date | Invalid:
    born = parse_date(text, now=now)
    if born is None:
        return Invalid("error.date")
    today = now.date()
    if born > today:
        return Invalid("error.date_future")
    age = age_on(born, today)
    if age > 120:
        return Invalid("error.date")
    if age < min_age:
        return Invalid("error.too_young", {"age": str(min_age)})
    return born


def validate_issue_date(text: str, *, now: datetime, born: date | None = None) -> date | Invalid:
    """A passport's issue date: not in the future, not before the holder turned 14."""
    issued = parse_date(text, now=now)
    if issued is None:
        return Invalid("error.date")
    if issued > now.date():
        return Invalid("error.date_future")
    if born is not None and age_on(born, issued) < PASSPORT_MIN_AGE:
        return Invalid("error.issue_date")
    return issued


# ---------------------------------------------------------------- documents


def validate_passport_number(text: str) -> str | Invalid:
    value = document_text(text)
    return value if PASSPORT_NUMBER.fullmatch(value) else Invalid("error.passport")


def validate_personal_id(text: str, *, born: date | None = None) -> str | Invalid:
    """14 characters shaped like 3170590A001PB5; the date inside must be the date of birth."""
    value = document_text(text)
    m = PERSONAL_NUMBER.fullmatch(value)
    if m is None:
        return Invalid("error.personal_id")
    century = 1900 if m[1] in "34" else 2000
    try:
        encoded = date(century + int(m[4]), int(m[3]), int(m[2]))
    except ValueError:
        return Invalid("error.personal_id")
    if born is not None and encoded != born:
        return Invalid("error.personal_id_date")
    return value


# ---------------------------------------------------------------- phone


def validate_phone(text: str) -> str | Invalid:
    """A Belarusian mobile number in any usual spelling, returned as E.164 (+375291234567)."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if re.search(r"[^\d\s()+\-.]", raw):
        return Invalid("error.phone")
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("375") and len(digits) == 12:
        national = digits[3:]
    elif digits.startswith("80") and len(digits) == 11:
        national = digits[2:]
    elif len(digits) == 9 and not raw.startswith("+"):
        national = digits
    else:
        return Invalid("error.phone")
    if national[:2] not in BELARUS_OPERATORS:
        return Invalid("error.phone_operator")
    return "+375" + national


# ---------------------------------------------------------------- money


def parse_amount(text: str, *, default_currency: str = DEFAULT_CURRENCY) -> tuple[Decimal, str] | Invalid:
    raw = unicodedata.normalize("NFKC", text).strip().replace("\u00a0", " ")
    m = re.fullmatch(
        r"(?P<pre>[^\d\s.,-]{1,3})?\s*(?P<num>\d{1,3}(?:[ ]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)\s*(?P<post>.*)",
        raw,
    )
    if m is None:
        return Invalid("error.amount")
    words = ([m["pre"]] if m["pre"] else []) + m["post"].split()
    currency = default_currency
    if len(words) > 2:
        return Invalid("error.amount")
    if words:
        found = currency_named(words[0], words[1] if len(words) > 1 else None)
        if found is None:
            return Invalid("error.amount")
        currency = found[0]
    number = m["num"].replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(number)
    except InvalidOperation:
        return Invalid("error.amount")
    return amount, currency


def validate_amount(
    text: str,
    *,
    minimum: Decimal = Decimal("0.01"),
    maximum: Decimal | None = None,
    currencies: tuple[str, ...] = (DEFAULT_CURRENCY,),
) -> dict[str, Any] | Invalid:
    """An amount with currency → {"minor": int, "currency": "BYN", "text": "50.00 BYN"}."""
    parsed = parse_amount(text, default_currency=currencies[0])
    if isinstance(parsed, Invalid):
        return parsed
    amount, currency = parsed
    if currency not in currencies:
        return Invalid("error.currency", {"currencies": ", ".join(currencies)})
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN):
        return Invalid("error.amount_decimals")
    if amount < minimum:
        return Invalid("error.amount_min", {"min": format_money(_minor(minimum), currency)})
    if maximum is not None and amount > maximum:
        return Invalid("error.amount_max", {"max": format_money(_minor(maximum), currency)})
    minor = _minor(amount)
    return {"minor": minor, "currency": currency, "text": format_money(minor, currency)}


def _minor(amount: Decimal) -> int:
    return int(amount * 100)


# ---------------------------------------------------------------- cards


def validate_card_number(text: str) -> str | Invalid:
    """A card of any bank: 13-19 digits (``cardnumbers.CARD_DIGITS``) with a valid Luhn check digit;
    spaces and dashes tolerated. Returns the digits."""
    value = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text))
    if not value.isascii() or not value.isdigit() or not has_card_length(value):
        return Invalid("error.card_number")
    if not luhn_valid(value):
        return Invalid("error.card_luhn")
    return value


def contains_card_number(text: str) -> bool:
    """True when the text carries a card number as ``security.cards.find_pans`` finds them (a Luhn-valid
    13-19 digit run in a scheme's range), so that a platform's own ids are not taken for one (a Messenger
    page-scoped id has 16 digits, and one in ten passes the Luhn check)."""
    return bool(find_pans(text))


# ---------------------------------------------------------------- other values

_ADDRESS = re.compile(r"^[0-9A-Za-zА-яЁёІіЎў .,;:/\\'’\"№#()\-]+$")


def validate_address(text: str) -> str | Invalid:
    """A delivery address: letters and at least one digit (the house), 10–200 characters."""
    value = " ".join(unicodedata.normalize("NFKC", text).split())
    if not 10 <= len(value) <= 200 or not _ADDRESS.match(value):
        return Invalid("error.address")
    if not re.search(r"\d", value) or not re.search(r"[A-Za-zА-яЁёІіЎў]{2}", value):
        return Invalid("error.address")
    return value


def validate_otp(text: str, *, length: int = 6) -> str | Invalid:
    value = re.sub(r"\s", "", text)
    return value if value.isdigit() and len(value) == length else Invalid("error.otp", {"length": str(length)})


def validate_last_four(text: str) -> str | Invalid:
    """The last four digits of a card (a whole card number here is refused by the caller first)."""
    value = re.sub(r"[\s*•.]", "", text)
    return value if re.fullmatch(r"\d{4}", value) else Invalid("error.last_four")


def validate_expiry(text: str) -> str | Invalid:
    """A card's expiry as printed: MM/YY (also "MM YY", "MMYY", "MM/YYYY", "MM.YY")."""
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-\s]?\s*(\d{2}|\d{4})", text.strip())
    if m is None or not 1 <= int(m[1]) <= 12:
        return Invalid("error.expiry")
    return f"{int(m[1]):02d}/{m[2][-2:]}"


def validate_account(text: str) -> str | Invalid:
    """An account with a payee: a contract or personal account number (4–30 letters/digits) or a phone."""
    phone = validate_phone(text)
    if not isinstance(phone, Invalid):
        return phone
    value = re.sub(r"[\s\-/]", "", unicodedata.normalize("NFKC", text)).upper()
    if re.fullmatch(r"[0-9A-Z]{4,30}", value) and re.search(r"\d", value):
        return value
    return Invalid("error.account")


# ---------------------------------------------------------------- the registry flows refer to

Validator = Callable[[str, ValidationContext], Any]


def _born(ctx: ValidationContext) -> date | None:
    raw = ctx.data.get(str(ctx.params.get("date_of_birth_field", "date_of_birth")))
    return date.fromisoformat(raw) if isinstance(raw, str) else None


def _iso(value: date | Invalid) -> str | Invalid:
    return value if isinstance(value, Invalid) else value.isoformat()


def _amount(text: str, ctx: ValidationContext) -> dict[str, Any] | Invalid:
    p = ctx.params
    currencies = p.get("currencies", [DEFAULT_CURRENCY])
    return validate_amount(
        text,
        minimum=Decimal(str(p.get("min", "0.01"))),
        maximum=Decimal(str(p["max"])) if "max" in p else None,
        currencies=tuple(str(c) for c in currencies),
    )


VALIDATORS: dict[str, Validator] = {
    "name": lambda t, _c: validate_name(t),
    "full_name": lambda t, _c: validate_full_name(t),
    "date_of_birth": lambda t, c: _iso(
        validate_date_of_birth(t, now=c.now, min_age=int(c.params.get("min_age", ADULT_AGE)))
    ),
    "issue_date": lambda t, c: _iso(validate_issue_date(t, now=c.now, born=_born(c))),
    "passport_number": lambda t, _c: validate_passport_number(t),
    "personal_id": lambda t, c: validate_personal_id(t, born=_born(c)),
    "phone": lambda t, _c: validate_phone(t),
    "amount": _amount,
    "card_number": lambda t, _c: validate_card_number(t),
    "address": lambda t, _c: validate_address(t),
    "otp": lambda t, c: validate_otp(t, length=int(c.params.get("length", 6))),
    "account": lambda t, _c: validate_account(t),
    "card_last_four": lambda t, _c: validate_last_four(t),
    "card_expiry": lambda t, _c: validate_expiry(t),
}

# Parameters each validator understands (the linter rejects others).
VALIDATOR_PARAMS: dict[str, frozenset[str]] = {
    "date_of_birth": frozenset({"min_age"}),
    "issue_date": frozenset({"date_of_birth_field"}),
    "personal_id": frozenset({"date_of_birth_field"}),
    "amount": frozenset({"min", "max", "currencies"}),
    "otp": frozenset({"length"}),
}

# Values that identify a person or a card: never passed to a journey, never logged.
SENSITIVE_VALIDATORS = frozenset(
    {"name", "full_name", "passport_number", "personal_id", "card_number", "card_last_four", "card_expiry"}
)
