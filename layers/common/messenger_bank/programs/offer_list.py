"""The partners' offers as the customer sees them (operation list_offers): each enabled partner's current offers, the
customer's active ones marked, and the offers picture, each offer in its partner's colours. Apart from
programs/partner_offers.py so that activating an offer, and the card events' cashback, load no picture models or
store (issue 20)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait

from pydantic import ValidationError

from messenger_bank.conversation.catalogue import text
from messenger_bank.errors import DomainError
from messenger_bank.images.models import MAX_OFFER_TILES, OffersPictureRequest, OfferTile
from messenger_bank.images.storage import nicety_picture_url
from messenger_bank.observability import logger
from messenger_bank.programs.bank import PartnerOffers, PartnersApi
from messenger_bank.programs.offer_operations import ListOffersRequest, Offer, OfferItem, OfferList
from messenger_bank.programs.partner_offers import activations, current_offers
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import ReferralSettings, settings
from messenger_bank.programs.terms import Programs, format_percent
from messenger_bank.types import Language

# The partners' offer pictures are asked for side by side and waited for this long at most.
PICTURE_FETCHERS = 4
PICTURES_WAIT_SECONDS = 2.0


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
    from messenger_bank.images.offers import offers_picture  # Pillow only in the function that draws

    def draw() -> bytes:
        shown = offers[:MAX_OFFER_TILES]
        pictures = _partner_pictures(shown, source)
        tiles = tuple(_offer_tile(o, pictures.get(o.image_url) if o.image_url else None, language) for o in shown)
        return offers_picture(OffersPictureRequest(language=language, offers=tiles))

    return nicety_picture_url("offers", draw, bucket=config.media_bucket)


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
    offers = current_offers(source=partners_api, config=config)
    active = {(a.partner, a.offer_id) for a in activations(request.customer_id, repository=repository)}
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
