"""Partner programs client: offers (with their pictures), activation, cashback rules; one API key per partner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from pydantic import ValidationError

from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.models import PartnerId
from messenger_bank.banking.models.partners import Activation, CashbackRule, Offer
from messenger_bank.errors import OperationRejected
from messenger_bank.observability import logger, metrics

# An offer's picture: a logo-sized PNG, JPEG or WebP; anything bigger is not a logo.
PICTURE_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/webp"})
PICTURE_MAX_BYTES: Final = 512 * 1024


class PartnersClient:
    def __init__(self, rest_by_partner: Mapping[str, RestClient]) -> None:
        self._rest = rest_by_partner

    def _partner(self, partner: PartnerId) -> RestClient:
        rest = self._rest.get(partner)
        if rest is None:
            raise OperationRejected(f"no credentials configured for partner {partner}")
        return rest

    def offers(self, partner: PartnerId) -> list[Offer]:
        answer = self._partner(partner).call("GET", "/api/v1/offers", operation="offers", idempotent=True)
        offers: list[Offer] = []
        for item in answer.get("offers", []):
            try:
                offers.append(Offer.model_validate(item))
            except ValidationError as error:
                # One offer the partner sent malformed (a rate out of the band, no title) is left out;
                # the others are shown.
                logger.warning(
                    "partner offer malformed, left out", extra={"partner": partner, "problems": error.error_count()}
                )
                metrics.add_metric(name="PartnerOfferMalformed", unit="Count", value=1)
        return offers

    def picture(self, partner: PartnerId, url: str) -> bytes:
        """An offer's picture (``Offer.image_url``), fetched only from under the partner's own API; once,
        never retried: a picture is a nicety the offers list does not wait for."""
        return self._partner(partner).download(
            url, operation="offer_picture", max_bytes=PICTURE_MAX_BYTES, content_types=PICTURE_TYPES, retry=False
        )

    def activate(self, partner: PartnerId, offer_id: str, customer_ref: str) -> Activation:
        # One activation per (offer, customer) at the partner: safe to repeat.
        answer = self._partner(partner).call(
            "POST",
            "/api/v1/activations",
            operation="activate",
            json={"offer_id": offer_id, "customer_ref": customer_ref},
            idempotent=True,
        )
        return Activation.model_validate(answer)

    def cashback_rules(self, partner: PartnerId) -> list[CashbackRule]:
        answer = self._partner(partner).call(
            "GET", "/api/v1/cashback-rules", operation="cashback_rules", idempotent=True
        )
        return [CashbackRule.model_validate(item) for item in answer.get("rules", [])]
