"""Phones as the programs keep them (normalised, digested) and the bonuses' idempotency keys; the
mask a customer sees of a phone is ``messenger_bank.phones``'.

Phones and passports are kept as HMAC-SHA256 digests under the ``identity`` key (``security.digests``),
never as plain hashes: there are few enough phone numbers to hash them all, so a plain digest would give
the number back to anyone who read the table. The same key makes the partners' pseudonyms of our
customers.
"""

from __future__ import annotations

import re

from messenger_bank.security.digests import identity_digest

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
# A raw passport number (series + digits) must never reach storage as a "hash".
_RAW_PASSPORT = re.compile(r"^[A-Z]{2}\d{7}$", re.IGNORECASE)
_HASH = re.compile(r"^[A-Za-z0-9_=+/-]{16,128}$")


def normalise_phone(phone: str) -> str | None:
    """E.164 from what a person or a messenger contact gives (spaces, hyphens, brackets, no '+')."""
    digits = re.sub(r"\D", "", phone)
    candidate = f"+{digits}"
    return candidate if _E164.fullmatch(candidate) else None


def phone_hash(phone: str) -> str:
    return identity_digest("phone", phone)


def passport_hash(document_number: str) -> str:
    """The passport as the programs keep it: a digest, never the number (``check_passport_hash`` accepts it)."""
    return identity_digest("passport", document_number.strip().upper())


def check_passport_hash(value: str) -> str:
    if _RAW_PASSPORT.fullmatch(value) or not _HASH.fullmatch(value):
        raise ValueError("passport must arrive as a hash, never as the document number")
    return value


def invite_bonus_key(referrer_id: str, newcomer_id: str, role: str) -> str:
    return f"referral-bonus:{referrer_id}:{newcomer_id}:{role}"


def milestone_bonus_key(customer_id: str, milestone: int) -> str:
    return f"recommend-milestone:{customer_id}:{milestone}"


def partner_customer_ref(partner: str, customer_id: str) -> str:
    """A per-partner pseudonym: partners never learn our customer id, nor can they join their lists."""
    return "ref_" + identity_digest(f"partner:{partner}", customer_id)[:24]
