"""The card services' environment, read once per cold start; each value only where an operation needs it.

``MEDIA_BUCKET``: where the requisites and history PDFs go (get_requisites, get_history).
``SECURE_PAGE_URL``: the PIN / password page the one-time links open (create_secure_link).
``SECURE_LINK_MINUTES``: how long such a link lives (default and at most 5, as the catalogue tells the customer).
``HISTORY_LIMIT``: how many operations the history shows (default 10).
``LAST_BALANCE_HOURS``: how long a card's last balance read from the bank is kept (in the customers table,
with a TTL: it is personal data) to be shown while core banking is down (default 72).

The credit line's terms (get_statement tells them with the statement; core banking applies them, started
with the same values by the local cloud): ``CREDIT_GRACE_DAYS`` (25: the amount due is due that many days
after the statement date, the month's last day; 1-28), ``CREDIT_MINIMUM_PERCENT`` (5 % of the amount due)
with ``CREDIT_MINIMUM_FLOOR_MINOR`` (1 000 = 10.00 BYN, never more than the amount due),
``CREDIT_INTEREST_PERCENT_PER_YEAR`` (24, on what is unpaid after the due date) and
``CREDIT_LATE_FEE_MINOR`` (500 = 5.00 BYN when the minimum has not come in by the due date). These
defaults are template.yaml's ``Credit*`` parameters' (a unit test holds them equal).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from messenger_bank.configuration import EnvironmentSettings, read_once
from messenger_bank.images.settings import MediaSettings


class CardsSettings(MediaSettings):
    """``MEDIA_BUCKET`` and ``bucket()`` as the images context defines them, and the cards' own values."""

    secure_page_url: str | None = None
    secure_link_minutes: int = Field(default=5, ge=1, le=5)
    history_limit: int = Field(default=10, ge=1, le=50)
    last_balance_hours: int = Field(default=72, ge=1, le=24 * 7)

    def page_url(self) -> str:
        if not self.secure_page_url:
            raise RuntimeError("SECURE_PAGE_URL is not set for this function")
        return self.secure_page_url


cards_settings = read_once(CardsSettings)


class CreditTerms(EnvironmentSettings):
    """The credit line's terms, as the bank sets them (``CREDIT_*``)."""

    environment_prefix: ClassVar[str] = "CREDIT_"

    grace_days: int = Field(default=25, ge=1, le=28)
    minimum_percent: Decimal = Field(default=Decimal(5), gt=0, le=100)
    minimum_floor_minor: int = Field(default=1_000, ge=0)
    interest_percent_per_year: Decimal = Field(default=Decimal(24), ge=0, le=100)
    late_fee_minor: int = Field(default=500, ge=0)


credit_terms = read_once(CreditTerms)
