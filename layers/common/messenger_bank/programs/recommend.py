"""Recommend the bank: a customer recommends it to a contact (a phone, typed or shared from the
messenger); when that person becomes a customer the recommendation converts, and each milestone of
converted recommendations (``recommend.milestones``) pays its bonus once.

A contact converts for one recommender only: the one who recommended the bank to them first. Contacts
are kept as a hash of the phone plus a mask; the phone itself is not stored here.

The operations: ``get_recommendations`` (the link and the progress) and ``recommend``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from messenger_bank.customers.service import CustomersRepository, customer_by_id, customer_by_phone
from messenger_bank.money import format_money
from messenger_bank.observability import logger
from messenger_bank.phones import mask_phone
from messenger_bank.programs.bank import (
    BonusLedger,
)
from messenger_bank.programs.bonuses import pay_once
from messenger_bank.programs.errors import ProgramDisabled, RecommendationRefused
from messenger_bank.programs.keys import milestone_bonus_key, normalise_phone, phone_hash
from messenger_bank.programs.models import BonusRecord, Recommendation
from messenger_bank.programs.recommend_operations import (
    GetRecommendationsRequest,
    RecommendationProgress,
    RecommendationsInfo,
    Recommended,
    RecommendRequest,
)
from messenger_bank.programs.referrer import share_links
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import ReferralSettings
from messenger_bank.programs.terms import Programs, programs


def record_recommendation(
    customer_id: str,
    contact_phone: str,
    *,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> Recommendation:
    """Record that ``customer_id`` recommended the bank to this phone; the same again returns the first record."""
    config = config or programs()
    directory = customers or CustomersRepository()
    store = repository or ReferralsRepository()
    if not config.recommend.enabled:
        raise ProgramDisabled("the recommend program is switched off")
    recommender = customer_by_id(customer_id, repository=directory)
    phone = normalise_phone(contact_phone)
    if phone is None:
        raise RecommendationRefused("not a phone number", reason="not_a_phone")
    if phone == recommender.phone:
        raise RecommendationRefused("one cannot recommend the bank to oneself", reason="self")
    if customer_by_phone(phone, repository=directory) is not None:
        raise RecommendationRefused("this person is already a customer", reason="already_customer")
    recommendation = Recommendation(
        recommender_id=customer_id,
        contact_hash=phone_hash(phone),
        contact_mask=mask_phone(phone),
        recommended_at=now or datetime.now(UTC),
    )
    if not store.add_recommendation(recommendation):
        return store.recommendation(customer_id, recommendation.contact_hash) or recommendation
    logger.info("recommendation recorded", extra={"customer_id": customer_id})
    return recommendation


def on_customer_joined(
    customer_id: str,
    phone: str,
    *,
    ledger: BonusLedger,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> list[BonusRecord]:
    """A new customer with this phone: convert the first recommendation of them and pay the milestones
    it completes. Safe to repeat (returns the milestone bonuses as stored). ``[]`` when nobody recommended them."""
    config = config or programs()
    store = repository or ReferralsRepository()
    moment = now or datetime.now(UTC)
    normalised = normalise_phone(phone)
    if normalised is None:
        return []
    recommendations = store.recommendations_of(phone_hash(normalised))
    if not recommendations:
        return []
    first = recommendations[0]
    if store.mark_converted(first, customer_id, moment):
        logger.info("recommendation converted", extra={"recommender_id": first.recommender_id})
    return pay_milestones(first.recommender_id, ledger=ledger, repository=store, config=config, now=moment)


def pay_milestones(
    customer_id: str,
    *,
    ledger: BonusLedger,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> list[BonusRecord]:
    """Pay every milestone the customer's converted recommendations have reached (each once)."""
    config = config or programs()
    store = repository or ReferralsRepository()
    moment = now or datetime.now(UTC)
    converted = sum(1 for r in store.recommendations(customer_id) if r.converted_at is not None)
    paid: list[BonusRecord] = []
    for milestone in config.recommend.milestones:
        if converted < milestone.converted:
            break
        bonus = BonusRecord(
            idempotency_key=milestone_bonus_key(customer_id, milestone.converted),
            customer_id=customer_id,
            program="recommend",
            role="milestone",
            amount_minor=milestone.bonus.amount_minor,
            currency=milestone.bonus.currency,
            status="pending",
            claimed_at=moment,
            milestone=milestone.converted,
        )
        paid.append(pay_once(bonus, ledger=ledger, repository=store, now=moment))
    return paid


def recommendation_progress(
    customer_id: str, *, repository: ReferralsRepository | None = None, config: Programs | None = None
) -> RecommendationProgress:
    """What the bot shows: recommended, converted, the milestones reached, how many to the next one."""
    config = config or programs()
    store = repository or ReferralsRepository()
    mine = store.recommendations(customer_id)
    converted = sum(1 for r in mine if r.converted_at is not None)
    paid = [b for b in store.bonuses(customer_id) if b.program == "recommend" and b.status == "credited"]
    upcoming = [m.converted for m in config.recommend.milestones if m.converted > converted]
    return RecommendationProgress(
        customer_id=customer_id,
        recommended=len(mine),
        converted=converted,
        milestones_reached=tuple(m.converted for m in config.recommend.milestones if m.converted <= converted),
        next_milestone=upcoming[0] if upcoming else None,
        to_next_milestone=upcoming[0] - converted if upcoming else None,
        bonus_total_minor=sum(b.amount_minor for b in paid),
        currency=config.currency,
    )


# --- the operations: what the Lambdas call --------------------------------------------------------
def get_recommendations(
    request: GetRecommendationsRequest,
    *,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    referral_settings: ReferralSettings | None = None,
) -> RecommendationsInfo:
    directory = customers or CustomersRepository()
    config = config or programs()
    customer = customer_by_id(request.customer_id, repository=directory)
    language = request.language or customer.language
    progress = recommendation_progress(customer.customer_id, repository=repository, config=config)
    milestones = config.recommend.milestones
    upcoming = next((m for m in milestones if m.converted == progress.next_milestone), milestones[-1])
    return RecommendationsInfo(
        link=share_links(customer.referral_code, config=referral_settings).for_channel(request.channel),
        recommended=progress.recommended,
        count=progress.converted,
        next_milestone=upcoming.converted,
        to_next_milestone=progress.to_next_milestone or 0,
        bonus=format_money(upcoming.bonus.amount_minor, upcoming.bonus.currency, language),
        earned=format_money(progress.bonus_total_minor, progress.currency, language),
    )


def recommend(
    request: RecommendRequest,
    *,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
) -> Recommended:
    """Raises ``RecommendationRefused`` (oneself, already a customer, not a phone)."""
    store_ = repository or ReferralsRepository()
    recorded = record_recommendation(
        request.customer_id, request.phone, customers=customers, repository=store_, config=config
    )
    return Recommended(contact=recorded.contact_mask, recommended=len(store_.recommendations(request.customer_id)))
