"""Why a referral, a recommendation or an offer is refused. Class names are the error names a state
machine or the conversation catches (``errors: {OfferUnavailable: no_offers}``); never match on text.

The messages name customers by id only: never a phone number or passport data.
"""

from __future__ import annotations

from messenger_bank.errors import DomainError


class ReferralRefused(DomainError):
    """Base of every refused attribution: the newcomer joins, but nobody earns a bonus for it."""


class UnknownReferralCode(ReferralRefused):
    """No customer has this referral code."""


class SelfReferral(ReferralRefused):
    """The newcomer is the referrer (same customer, same phone, or the referrer's own passport)."""


class AlreadyReferred(ReferralRefused):
    """This person (customer, phone or passport) was already attributed to a referrer."""


class ReferredPersonIsCustomer(ReferralRefused):
    """The 'newcomer' is already a customer of the bank under another profile."""


class ReferralLimitReached(ReferralRefused):
    """The referrer reached the monthly cap of invited friends."""


class ProgramDisabled(DomainError):
    """The program is switched off in the programs document."""


class RecommendationRefused(DomainError):
    """A recommendation that cannot count: oneself, or a person who is already a customer."""


class OfferUnavailable(DomainError):
    """No such offer, its partner is switched off, or the offer has expired."""


class CategoryUnavailable(DomainError):
    """No such category to choose (or choosing is switched off in the programs document)."""
