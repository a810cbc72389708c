"""Partner programs (GameArena, Twitch, Burger King, Grushovka): offers and their activation.

Offers come from the programs document; when a partner client is handed in (the partners' REST APIs
through APIWrapper-external) its live offers replace the configured ones for that partner, filtered
to the 2-33 % band, with their pictures and the partner's colours (the document's colours when the API
gives none), and the configured ones are the fallback when a partner does not answer. Only
partners enabled in the document are shown. An offer is activated once per customer: the partner is
told (with a per-partner pseudonym, never our customer id), the activation is recorded, and asking
again returns the first activation.

The operations: ``activate_offer`` here, and ``list_offers`` with the offers picture in programs/offer_list.py (apart
so that activating an offer, and the card events' cashback, load no picture models or store).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, date, datetime
from decimal import Decimal

from messenger_bank.customers.service import CustomersRepository, customer_by_id
from messenger_bank.errors import DomainError
from messenger_bank.observability import logger
from messenger_bank.programs.bank import (
    PartnerOffer,
    PartnerOffers,
    PartnersApi,
)
from messenger_bank.programs.colours import BrandColours
from messenger_bank.programs.errors import OfferUnavailable
from messenger_bank.programs.keys import partner_customer_ref
from messenger_bank.programs.models import OfferActivation
from messenger_bank.programs.offer_operations import (
    ActivateOfferRequest,
    Offer,
    OfferActivated,
)
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import MAX_RATE, MIN_RATE, PartnerConfig, Programs, programs
from messenger_bank.programs.terms import format_percent as format_percent


def _live_offer(partner: str, settings: PartnerConfig, offer: PartnerOffer) -> Offer | None:
    rate = Decimal(offer.cashback_percent)
    if not MIN_RATE <= rate <= MAX_RATE:
        logger.warning("partner offer outside the cashback band ignored", extra={"partner": partner})
        return None
    brand = offer.brand
    return Offer(
        offer_id=offer.offer_id,
        partner=partner,
        partner_name=settings.name,
        title=offer.title,
        category=offer.category,
        cashback_percent=rate,
        valid_until=offer.valid_until,
        colours=BrandColours(background=brand.background, foreground=brand.foreground) if brand else settings.colours,
        image_url=offer.image_url,
    )


# The partners are asked at the same time; one that has not answered by then is shown from the document.
LIVE_OFFERS_SECONDS = 3.0


def _live_offers(source: PartnerOffers, partners: list[str], deadline_s: float) -> dict[str, list[PartnerOffer]]:
    """Each partner's live offers, asked in parallel; a partner that fails or is late is missing."""
    answered: dict[str, list[PartnerOffer]] = {}
    if not partners:
        return answered
    pool = ThreadPoolExecutor(max_workers=len(partners), thread_name_prefix="partner-offers")
    asked = {pool.submit(source.offers, partner): partner for partner in partners}
    done, late = wait(asked, timeout=deadline_s)
    pool.shutdown(wait=False, cancel_futures=True)  # a late partner's call ends on its own timeout
    for future in done:
        partner = asked[future]
        try:
            answered[partner] = list(future.result())
        except DomainError as exc:  # the partner is down: show what the document promises
            logger.warning("partner offers unavailable", extra={"partner": partner, "error": type(exc).__name__})
    for future in late:
        logger.warning("partner offers too slow", extra={"partner": asked[future], "deadline_s": deadline_s})
    return answered


def current_offers(
    partner: str | None = None,
    *,
    source: PartnerOffers | None = None,
    config: Programs | None = None,
    today: date | None = None,
    deadline_s: float = LIVE_OFFERS_SECONDS,
) -> list[Offer]:
    """The offers of every enabled partner (or of one), current on ``today``."""
    config = config or programs()
    day = today or datetime.now(config.tz).date()
    shown = [
        partner_id
        for partner_id, settings in config.partners.items()
        if settings.enabled and partner in (None, partner_id)
    ]
    live = _live_offers(source, shown, deadline_s) if source is not None else {}
    found: list[Offer] = []
    for partner_id in shown:
        settings = config.partners[partner_id]
        if partner_id in live:
            offers = [o for o in (_live_offer(partner_id, settings, offer) for offer in live[partner_id]) if o]
        else:
            offers = [
                Offer(partner=partner_id, partner_name=settings.name, colours=settings.colours, **offer.model_dump())
                for offer in settings.offers
            ]
        found += [o for o in offers if o.valid_until is None or o.valid_until >= day]
    return found


def activate_once(
    customer_id: str,
    offer_id: str,
    *,
    source: PartnerOffers | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> OfferActivation:
    """Activate an offer for a customer, once; raises ``OfferUnavailable`` for an unknown or expired offer."""
    config = config or programs()
    store = repository or ReferralsRepository()
    moment = now or datetime.now(UTC)
    offer = next(
        (
            o
            for o in current_offers(source=source, config=config, today=moment.astimezone(config.tz).date())
            if o.offer_id == offer_id
        ),
        None,
    )
    if offer is None:
        raise OfferUnavailable("no such offer, or it has ended", offer_id=offer_id)
    existing = store.activation(customer_id, offer.partner, offer.offer_id)
    if existing is not None:
        return existing
    promo_code = activation_id = None
    if source is not None:
        answer = source.activate(offer.partner, offer.offer_id, partner_customer_ref(offer.partner, customer_id))
        promo_code, activation_id = answer.promo_code, answer.activation_id
    activation = OfferActivation(
        customer_id=customer_id,
        partner=offer.partner,
        offer_id=offer.offer_id,
        title=offer.title,
        category=offer.category,
        cashback_percent=offer.cashback_percent,
        promo_code=promo_code,
        activation_id=activation_id,
        activated_at=moment,
    )
    if not store.add_activation(activation):  # a concurrent activation won: it is the one
        return store.activation(customer_id, offer.partner, offer.offer_id) or activation
    logger.info("offer activated", extra={"customer_id": customer_id, "partner": offer.partner, "offer_id": offer_id})
    return activation


def activations(customer_id: str, *, repository: ReferralsRepository | None = None) -> list[OfferActivation]:
    return (repository or ReferralsRepository()).activations(customer_id)


# --- the operations: what the Lambdas call --------------------------------------------------------
def activate_offer(
    request: ActivateOfferRequest,
    *,
    source: PartnerOffers | None = None,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
) -> OfferActivated:
    """Raises ``OfferUnavailable`` for an unknown or ended offer."""
    customer = customer_by_id(request.customer_id, repository=customers or CustomersRepository())
    activation = activate_once(
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
