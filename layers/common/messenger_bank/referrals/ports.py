"""What the programs need from other systems, as small Protocols: the wiring hands in the real bank
and partner clients (``messenger_bank.banking``), the tests hand in fakes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from messenger_bank.customers.models import Customer
from messenger_bank.referrals.models import CardOperation


class BonusLedger(Protocol):
    """Core banking: credits a bonus to the customer's card account. The bank deduplicates by the
    idempotency key, so the same key credited twice moves money once. Returns the bank's operation id."""

    def credit_bonus(
        self, customer_id: str, amount_minor: int, currency: str, idempotency_key: str, /
    ) -> str | None: ...


class OperationsSource(Protocol):
    """Core banking: the customer's card operations (purchases and refunds) in ``[since, until)``."""

    def operations(self, customer_id: str, since: datetime, until: datetime, /) -> list[CardOperation]: ...


class PartnerBrand(Protocol):
    """A partner's colours (``banking.models.OfferBrand``): ``#RRGGBB``."""

    @property
    def background(self) -> str: ...
    @property
    def foreground(self) -> str: ...


class PartnerOffer(Protocol):
    """An offer as a partner's API describes it (``banking.models.Offer`` has this shape)."""

    @property
    def offer_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def cashback_percent(self) -> int | Decimal: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def brand(self) -> PartnerBrand | None: ...
    @property
    def image_url(self) -> str | None: ...


class PartnerActivation(Protocol):
    @property
    def activation_id(self) -> str: ...
    @property
    def promo_code(self) -> str: ...


class PartnerOffers(Protocol):
    """The partners' APIs (through APIWrapper-external). ``customer_ref`` is a per-partner pseudonym,
    never our customer id; activating twice is safe at the partner."""

    def offers(self, partner: str, /) -> Sequence[PartnerOffer]: ...

    def picture(self, partner: str, url: str, /) -> bytes:
        """An offer's picture (``PartnerOffer.image_url``), only from under the partner's own API."""
        ...

    def activate(self, partner: str, offer_id: str, customer_ref: str, /) -> PartnerActivation: ...


class CustomerDirectory(Protocol):
    """CustomerAPI look-ups the referral rules need (``customers.repository.CustomersRepository`` has them)."""

    def get(self, customer_id: str) -> Customer | None: ...

    def by_phone(self, phone: str) -> Customer | None: ...

    def by_referral_code(self, code: str) -> Customer | None: ...
