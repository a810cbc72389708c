"""The programs' terms (``terms.yaml``, or the same YAML as an AppConfig profile): its schema and
its loader.

``programs()`` is what the services call: cached per cold start for a file, and for AppConfig through
Powertools' ``parameters.get_app_config`` (which keeps the fetched document ``PROGRAMS_MAX_AGE_SECONDS``);
the same text is validated once, whatever the number of calls. Tests call ``load_programs(text)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from messenger_bank import shipped_data
from messenger_bank.programs.colours import BrandColours
from messenger_bank.programs.settings import ReferralSettings, settings
from messenger_bank.types import CurrencyCode, Language

MIN_RATE = Decimal(2)
MAX_RATE = Decimal(33)

# A cashback rate in percent: 2 to 33, at most two decimals (2.5 % is fine; 40 % or 1 % are not).
RatePercent = Annotated[Decimal, Field(ge=MIN_RATE, le=MAX_RATE, decimal_places=2)]
PositiveMinor = Annotated[int, Field(gt=0, strict=True)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Mcc = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]


class ProgramsConfigError(ValueError):
    """The programs document is not valid: it is refused as a whole, never half-applied."""


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(_Config):
    amount_minor: PositiveMinor
    currency: CurrencyCode


class InviteProgram(_Config):
    enabled: bool = True
    referrer_bonus: Money
    newcomer_bonus: Money
    monthly_cap: Annotated[int, Field(ge=1, le=1000)]


class Milestone(_Config):
    converted: Annotated[int, Field(ge=1)]
    bonus: Money


class RecommendProgram(_Config):
    enabled: bool = True
    milestones: Annotated[tuple[Milestone, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _increasing(self) -> RecommendProgram:
        counts = [m.converted for m in self.milestones]
        if counts != sorted(set(counts)):
            raise ValueError("milestones must be strictly increasing in 'converted'")
        return self


class CategoryRate(_Config):
    rate_percent: RatePercent
    mcc: tuple[Mcc, ...] = ()


class ChosenCategories(_Config):
    """Categories that earn only in a month the customer chose them for, at most ``pick`` a month."""

    pick: Annotated[int, Field(ge=1, le=10)]
    categories: dict[Slug, CategoryRate] = Field(min_length=1)

    @model_validator(mode="after")
    def _enough(self) -> ChosenCategories:
        if self.pick > len(self.categories):
            raise ValueError("pick must not exceed the number of categories to choose from")
        return self


class OfferConfig(_Config):
    offer_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    title: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    category: Slug
    cashback_percent: RatePercent
    valid_until: date | None = None


class PartnerConfig(_Config):
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    enabled: bool = True
    rates: dict[Slug, RatePercent] = Field(min_length=1)
    offers: tuple[OfferConfig, ...] = ()
    colours: BrandColours | None = None  # the offers picture's, when the partner's API gives none


class Programs(_Config):
    version: Annotated[int, Field(ge=1)]
    currency: CurrencyCode
    utc_offset: Annotated[str, StringConstraints(pattern=r"^[+-](0\d|1[0-4]):[0-5]\d$")] = "+00:00"
    invite: InviteProgram
    recommend: RecommendProgram
    categories: dict[Slug, CategoryRate]
    chosen_categories: ChosenCategories | None = None
    partners: dict[Slug, PartnerConfig]

    @model_validator(mode="after")
    def _consistent(self) -> Programs:
        bonuses = [
            self.invite.referrer_bonus,
            self.invite.newcomer_bonus,
            *(m.bonus for m in self.recommend.milestones),
        ]
        if any(b.currency != self.currency for b in bonuses):
            raise ValueError(f"every bonus must be in the programs' currency {self.currency}")
        seen_mcc: dict[str, str] = {}
        chosen = self.chosen_categories.categories if self.chosen_categories else {}
        if both := set(chosen) & set(self.categories):
            raise ValueError(f"{sorted(both)} are both always on and to be chosen")
        for name, category in [*self.categories.items(), *chosen.items()]:
            for mcc in category.mcc:
                if mcc in seen_mcc:
                    raise ValueError(f"MCC {mcc} is in both {seen_mcc[mcc]} and {name}")
                seen_mcc[mcc] = name
        offer_ids: set[str] = set()
        for partner in self.partners.values():
            for offer in partner.offers:
                if offer.offer_id in offer_ids:
                    raise ValueError(f"offer id {offer.offer_id} is defined twice")
                offer_ids.add(offer.offer_id)
        return self

    # --- look-ups the services use -------------------------------------------------------------------
    @property
    def tz(self) -> tzinfo:
        sign = 1 if self.utc_offset[0] == "+" else -1
        hours, minutes = (int(part) for part in self.utc_offset[1:].split(":"))
        return timezone(sign * timedelta(hours=hours, minutes=minutes))

    def month_of(self, moment: datetime) -> str:
        """``YYYY-MM`` of a moment in the bank's time zone (naive moments are taken as UTC)."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(self.tz).strftime("%Y-%m")

    def month_bounds(self, month: str) -> tuple[datetime, datetime]:
        """``[start, end)`` of a ``YYYY-MM`` month in the bank's time zone."""
        year, number = (int(part) for part in month.split("-"))
        start = datetime(year, number, 1, tzinfo=self.tz)
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=self.tz)
        return start, end

    def rate_range(self) -> tuple[Decimal, Decimal]:
        """The lowest and the highest rate the programme gives (categories, enabled partners, their offers):
        what the bank may promise."""
        rates = [category.rate_percent for category in self.categories.values()]
        if self.chosen_categories:
            rates += [category.rate_percent for category in self.chosen_categories.categories.values()]
        for partner in self.partners.values():
            if partner.enabled:
                rates += [*partner.rates.values(), *(offer.cashback_percent for offer in partner.offers)]
        return min(rates), max(rates)

    def category_for_mcc(self, mcc: str) -> str | None:
        chosen = self.chosen_categories.categories if self.chosen_categories else {}
        for name, category in [*self.categories.items(), *chosen.items()]:
            if mcc in category.mcc:
                return name
        return None

    def offer(self, offer_id: str) -> tuple[str, OfferConfig] | None:
        for partner_id, partner in self.partners.items():
            for offer in partner.offers:
                if offer.offer_id == offer_id:
                    return partner_id, offer
        return None


def load_programs(document: str | bytes | dict[str, Any]) -> Programs:
    """Validate a programs document (JSON or YAML text, or already parsed); ProgramsConfigError if it is wrong.

    JSON is read without a YAML parser: the built layer's twin of terms.yaml (messenger_bank/shipped_data.py), or an
    AppConfig profile published as JSON. Any other text is read as YAML, of which JSON is a subset.
    """
    try:
        data = shipped_data.parse(document) if isinstance(document, str | bytes) else document
    except shipped_data.UnreadableDocument as exc:
        raise ProgramsConfigError(f"programs document is {exc}") from exc
    if not isinstance(data, dict):
        raise ProgramsConfigError("programs document must be a mapping")
    try:
        return Programs.model_validate(data)
    except ValidationError as exc:
        raise ProgramsConfigError(str(exc)) from exc


@lru_cache(maxsize=4)
def _parsed(text: str) -> Programs:  # one validation per version of the document
    return load_programs(text)


def _from_appconfig(config: ReferralSettings) -> str:
    from aws_lambda_powertools.utilities import parameters  # the file source never pays for it

    raw = parameters.get_app_config(
        name=config.appconfig_profile,
        environment=str(config.appconfig_environment),
        application=config.appconfig_application,
        max_age=config.programs_max_age_seconds,
    )
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


@lru_cache(maxsize=4)
def _read(path: Path) -> str:
    return shipped_data.read_text(path)


def _from_file(config: ReferralSettings) -> str:
    return _read(config.programs_file)


def programs(
    config: ReferralSettings | None = None, *, fetch: Callable[[ReferralSettings], str] | None = None
) -> Programs:
    """The current programs document: from AppConfig when ``PROGRAMS_SOURCE=appconfig``, else the file."""
    config = config or settings()
    reader = fetch or (_from_appconfig if config.programs_source == "appconfig" else _from_file)
    text = reader(config)
    return _parsed(text)


def format_percent(rate: Decimal, language: Language) -> str:
    """A rate as the customer reads it: ``7 %``, ``2,5 %`` (ru, be) or ``2.5 %`` (en)."""
    text = format(rate.normalize(), "f")
    return f"{text.replace('.', ',') if language != 'en' else text} %"
