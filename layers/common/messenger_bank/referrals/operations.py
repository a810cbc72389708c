"""The programs as operations: what ``functions/<operation>/app.py`` call (the conversation's
``get_referral``, ``get_recommendations``, ``recommend``, ``list_offers``, ``activate_offer``,
``get_cashback``), the attribution at registration and the card-issuance bonus step.

Each takes its collaborators as optional parameters (the tests hand in fakes); by default the
customers table, the programs document and the bank's clients through ``adapters.py``.
Money is shown in the language asked for, else the customer's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import ValidationError

from messenger_bank.conversation.catalogue import has, text
from messenger_bank.customers.models import Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import CustomerNotFound, DomainError
from messenger_bank.images import (
    OffersPictureRequest,
    OfferTile,
    SharePictureRequest,
    offers_picture,
    share_picture,
    store,
)
from messenger_bank.images.models import MAX_OFFER_TILES
from messenger_bank.money import format_money
from messenger_bank.observability import logger, metrics
from messenger_bank.referrals import cashback, partners, recommendations, service
from messenger_bank.referrals.adapters import CoreBonusLedger, CoreOperationsSource, PartnersApi
from messenger_bank.referrals.config import Programs, programs
from messenger_bank.referrals.errors import ProgramDisabled, ReferralRefused
from messenger_bank.referrals.keys import passport_hash
from messenger_bank.referrals.models import (
    ActivateOfferRequest,
    Attribution,
    BonusRole,
    CashbackInfo,
    CreditReferralBonusesRequest,
    GetCashbackRequest,
    GetRecommendationsRequest,
    GetReferralRequest,
    ListOffersRequest,
    Offer,
    OfferActivated,
    OfferItem,
    OfferList,
    RecommendationsInfo,
    Recommended,
    RecommendRequest,
    ReferralBonusesResult,
    ReferralInfo,
)
from messenger_bank.referrals.ports import BonusLedger, OperationsSource, PartnerOffers
from messenger_bank.referrals.repository import ReferralsRepository
from messenger_bank.referrals.settings import ReferralSettings, settings
from messenger_bank.types import Language

# The partners' offer pictures are asked for side by side and waited for this long at most.
PICTURE_FETCHERS = 4
PICTURES_WAIT_SECONDS = 2.0


def _customer(customer_id: str, customers: CustomersRepository) -> Customer:
    customer = customers.get(customer_id)
    if customer is None:
        raise CustomerNotFound("no such customer")
    return customer


def _category(category: str, language: Language) -> str:
    """A cashback category in the customer's words (``cashback.category.*``), else as the bank names it."""
    key = f"cashback.category.{category}"
    return text(key, language) if has(key) else category


def format_percent(rate: Decimal, language: Language) -> str:
    """``7 %``, ``2,5 %`` (ru, be) or ``2.5 %`` (en)."""
    text = format(rate.normalize(), "f")
    return f"{text.replace('.', ',') if language != 'en' else text} %"


def _share_picture_url(request: SharePictureRequest, config: ReferralSettings) -> str | None:
    """The share picture in S3 as a presigned link; without it the customer still gets the code and link."""
    if not config.media_bucket:
        return None
    try:
        return store("share", share_picture(request), "image/png", bucket=config.media_bucket).url
    except Exception:  # a picture is a nicety: never the reason the code is not shown
        logger.exception("share picture not drawn")
        return None


# --- invite a new client --------------------------------------------------------------------------------
def get_referral(
    request: GetReferralRequest,
    *,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    referral_settings: ReferralSettings | None = None,
) -> ReferralInfo:
    directory = customers or CustomersRepository()
    config = config or programs()
    links_config = referral_settings or settings()
    customer = _customer(request.customer_id, directory)
    language = request.language or customer.language
    code = customer.referral_code
    progress = service.referral_progress(customer.customer_id, repository=repository, config=config)
    picture = service.share_picture_request(code, request.channel, language, config=links_config)
    invite = config.invite
    return ReferralInfo(
        code=code,
        link=service.share_links(code, config=links_config).for_channel(request.channel),
        picture_url=_share_picture_url(picture, links_config),
        invited=progress.joined,
        pending=progress.invited - progress.joined,
        bonus=format_money(invite.referrer_bonus.amount_minor, invite.referrer_bonus.currency, language),
        newcomer_bonus=format_money(invite.newcomer_bonus.amount_minor, invite.newcomer_bonus.currency, language),
        earned=format_money(progress.bonus_total_minor, progress.currency, language),
        invited_this_month=progress.invited_this_month,
        monthly_cap=progress.monthly_cap,
    )


def attribute_at_registration(
    customer: Customer,
    *,
    passport_number: str,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> Attribution | None:
    """Registration's hook: a newcomer created with a friend's code (``Customer.referred_by``) is
    attributed to that friend, with the abuse checks of ``service.attribute``. Only while the customer
    has no card (a retried registration is still a newcomer; a customer re-applying is not).

    Never raises: a refused referral is logged by ``attribute``, any other failure here is logged and
    counted (``ReferralAttributionFailed``); the person gets their card either way."""
    if customer.referred_by is None:
        return None
    directory = customers or CustomersRepository()
    try:
        if directory.cards(customer.customer_id):
            return None
        referrer = directory.get(customer.referred_by)
        if referrer is None:
            return None
        return service.attribute(
            customer.customer_id,
            referrer.referral_code,
            newcomer_phone=customer.phone,
            newcomer_passport_hash=passport_hash(passport_number),
            customers=directory,
            repository=repository,
            config=config,
            now=now,
        )
    except (ReferralRefused, ProgramDisabled):
        return None
    except Exception:
        logger.exception("referral attribution failed", extra={"customer_id": customer.customer_id})
        metrics.add_metric(name="ReferralAttributionFailed", unit="Count", value=1)
        return None


def credit_referral_bonuses(
    request: CreditReferralBonusesRequest,
    *,
    ledger: BonusLedger | None = None,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> ReferralBonusesResult:
    """The step after the card is sent: both invite bonuses (when the newcomer was attributed) and the
    "recommend the bank" milestones the newcomer completes, each credited once however often this
    runs. Only after a card was issued in this journey (a linked existing customer earns nothing)."""
    if request.customer_id is None or request.card is None:
        return ReferralBonusesResult(customer_id=request.customer_id)
    directory = customers or CustomersRepository()
    store_ = repository or ReferralsRepository()
    config = config or programs()
    moment = now or datetime.now(UTC)
    payer = ledger or CoreBonusLedger(customers=directory)
    invite: tuple[BonusRole, ...] = ()
    outcome = service.on_card_issued(request.customer_id, ledger=payer, repository=store_, config=config, now=moment)
    if outcome is not None:
        invite = tuple(b.role for b in (outcome.referrer_bonus, outcome.newcomer_bonus) if b.status == "credited")
    customer = _customer(request.customer_id, directory)
    milestones = recommendations.on_customer_joined(
        customer.customer_id, customer.phone, ledger=payer, repository=store_, config=config, now=moment
    )
    return ReferralBonusesResult(
        customer_id=request.customer_id,
        invite_bonuses=invite,
        milestone_bonuses=tuple(b.milestone for b in milestones if b.status == "credited" and b.milestone),
    )


# --- recommend the bank ---------------------------------------------------------------------------------
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
    customer = _customer(request.customer_id, directory)
    language = request.language or customer.language
    progress = recommendations.recommendation_progress(customer.customer_id, repository=repository, config=config)
    milestones = config.recommend.milestones
    upcoming = next((m for m in milestones if m.converted == progress.next_milestone), milestones[-1])
    return RecommendationsInfo(
        link=service.share_links(customer.referral_code, config=referral_settings).for_channel(request.channel),
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
    recorded = recommendations.recommend(
        request.customer_id, request.phone, customers=customers, repository=store_, config=config
    )
    return Recommended(contact=recorded.contact_mask, recommended=len(store_.recommendations(request.customer_id)))


# --- partner programs and cashback ------------------------------------------------------------------------
def _partner_pictures(offers: Sequence[Offer], source: PartnerOffers) -> dict[str, bytes]:
    """The offers' pictures by URL, asked for side by side; one the partner does not give within
    ``PICTURES_WAIT_SECONDS`` is left out (the offers list never waits on a slow partner)."""
    wanted = {offer.image_url: offer.partner for offer in offers if offer.image_url}
    if not wanted:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(PICTURE_FETCHERS, len(wanted)))
    asked = {pool.submit(source.picture, partner, url): url for url, partner in wanted.items()}
    done, late = wait(asked, timeout=PICTURES_WAIT_SECONDS)
    pool.shutdown(wait=False, cancel_futures=True)
    if late:
        logger.warning("partner pictures late", extra={"late": len(late)})
    pictures: dict[str, bytes] = {}
    for future in done:
        try:
            pictures[asked[future]] = future.result()
        except DomainError as exc:  # the partner's picture is a nicety: its colours and initials stand in
            logger.warning(
                "partner picture unavailable", extra={"partner": wanted[asked[future]], "error": type(exc).__name__}
            )
    return pictures


def _offer_tile(offer: Offer, picture: bytes | None, language: Language) -> OfferTile:
    """An offer as the offers picture draws it: with the partner's picture when it came and can be read."""
    colours = offer.colours.model_dump() if offer.colours else {}
    fields = {
        "partner_name": offer.partner_name[:60],
        "title": offer.title if len(offer.title) <= 160 else offer.title[:159] + "…",
        "cashback": format_percent(offer.cashback_percent, language),
        **colours,
    }
    if picture is not None:
        try:
            return OfferTile.model_validate({**fields, "picture": picture})
        except ValidationError:
            logger.warning("partner picture refused", extra={"partner": offer.partner, "bytes": len(picture)})
    return OfferTile.model_validate(fields)


def _offers_picture_url(
    offers: Sequence[Offer], source: PartnerOffers, language: Language, config: ReferralSettings
) -> str | None:
    """The offers picture in S3 as a presigned link; without it the customer still gets the list."""
    if not config.media_bucket or not offers:
        return None
    try:
        shown = offers[:MAX_OFFER_TILES]
        pictures = _partner_pictures(shown, source)
        tiles = tuple(_offer_tile(o, pictures.get(o.image_url) if o.image_url else None, language) for o in shown)
        picture = offers_picture(OffersPictureRequest(language=language, offers=tiles))
        return store("offers", picture, "image/png", bucket=config.media_bucket).url
    except Exception:  # a picture is a nicety: never the reason the offers are not shown
        logger.exception("offers picture not drawn")
        return None


def list_offers(
    request: ListOffersRequest,
    *,
    source: PartnerOffers | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    referral_settings: ReferralSettings | None = None,
) -> OfferList:
    """Every enabled partner's current offers, the customer's active ones marked, and the offers picture
    (each offer in its partner's colours with the partner's picture; the first ``MAX_OFFER_TILES``)."""
    partners_api = source or PartnersApi()
    offers = partners.list_offers(source=partners_api, config=config)
    active = {(a.partner, a.offer_id) for a in partners.activations(request.customer_id, repository=repository)}
    return OfferList(
        picture_url=_offers_picture_url(offers, partners_api, request.language, referral_settings or settings()),
        items=tuple(
            OfferItem(
                offer_id=offer.offer_id,
                partner=offer.partner,
                title=(
                    text("cashback.active_mark", request.language) if (offer.partner, offer.offer_id) in active else ""
                )
                + f"{offer.partner_name}: {offer.title}",
                cashback=format_percent(offer.cashback_percent, request.language),
            )
            for offer in offers
        ),
    )


def activate_offer(
    request: ActivateOfferRequest,
    *,
    source: PartnerOffers | None = None,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
) -> OfferActivated:
    """Raises ``OfferUnavailable`` for an unknown or ended offer."""
    customer = _customer(request.customer_id, customers or CustomersRepository())
    activation = partners.activate_offer(
        customer.customer_id, request.offer_id, source=source or PartnersApi(), repository=repository, config=config
    )
    return OfferActivated(
        offer_id=activation.offer_id,
        partner=activation.partner,
        title=activation.title,
        cashback=format_percent(activation.cashback_percent, customer.language),
        promo_code=activation.promo_code,
        newly_activated=activation.newly_activated,
    )


def get_cashback(
    request: GetCashbackRequest,
    *,
    source: OperationsSource | None = None,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> CashbackInfo:
    """ "Cashback this month" on the card's purchases at the bank, by category."""
    directory = customers or CustomersRepository()
    customer = _customer(request.customer_id, directory)
    language = request.language or customer.language
    month = cashback.cashback_this_month(
        customer.customer_id,
        source=source or CoreOperationsSource(customers=directory),
        repository=repository,
        config=config,
        now=now,
    )
    lines = [
        f"{_category(category, language)}: {format_money(amount, month.currency, language)}"
        for category, amount in sorted(month.by_category.items(), key=lambda item: -item[1])
        if amount > 0
    ]
    return CashbackInfo(
        month=month.month,
        amount=format_money(month.total_minor, month.currency, language),
        total_minor=month.total_minor,
        currency=month.currency,
        categories="\n".join(lines) or text("cashback.nothing_yet", language),
        by_category=month.by_category,
    )
