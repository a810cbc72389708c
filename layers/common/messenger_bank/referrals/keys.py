"""Phones as the programs keep them (normalised, hashed, masked) and the bonuses' idempotency keys."""

from __future__ import annotations

import hashlib
import re

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
    return hashlib.sha256(f"phone:{phone}".encode()).hexdigest()


def mask_phone(phone: str) -> str:
    """``+375291234567`` → ``+375 29 ***-**-67``: enough for the owner to recognise their contact."""
    return f"{phone[:4]} {phone[4:6]} ***-**-{phone[-2:]}"


def passport_hash(document_number: str) -> str:
    """The passport as the programs keep it: a digest, never the number (``check_passport_hash`` accepts it)."""
    return hashlib.sha256(f"passport:{document_number.strip().upper()}".encode()).hexdigest()


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
    return "ref_" + hashlib.sha256(f"partner:{partner}:{customer_id}".encode()).hexdigest()[:24]
