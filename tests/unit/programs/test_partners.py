"""Partner offers: listed from configuration or the partners' APIs, activated once per customer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from messenger_bank.programs.errors import OfferUnavailable
from messenger_bank.programs.keys import partner_customer_ref
from messenger_bank.programs.partner_offers import activate_once, activations, current_offers
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import Programs, load_programs
from tests.unit.programs.conftest import FakePartners, PartnerOfferStub, programs_document

JUNE = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


def test_offers_of_the_four_partners_come_from_the_programs_document(programs: Programs) -> None:
    offers = current_offers(config=programs, today=JUNE.date())

    assert {o.partner_name for o in offers} == {"GameArena", "Twitch", "Burger King", "Grushovka"}
    assert {o.offer_id for o in current_offers("twitch", config=programs)} == {"tw-001", "tw-002"}


def test_live_offers_replace_the_configured_ones_and_out_of_band_rates_are_dropped(programs: Programs) -> None:
    partners = FakePartners(
        catalogue={
            "burgerking": [
                PartnerOfferStub("bk-100", "Free fries", "fast_food", 9),
                PartnerOfferStub("bk-101", "Too good", "fast_food", 50),
                PartnerOfferStub("bk-102", "Ended", "fast_food", 9, valid_until=date(2025, 5, 31)),
            ]
        }
    )

    offers = current_offers("burgerking", source=partners, config=programs, today=JUNE.date())

    assert [(o.offer_id, o.cashback_percent) for o in offers] == [("bk-100", Decimal(9))]


def test_a_partner_that_does_not_answer_falls_back_to_the_configured_offers(programs: Programs) -> None:
    partners = FakePartners(down={"grushovka"})

    offers = current_offers("grushovka", source=partners, config=programs, today=JUNE.date())

    assert {o.offer_id for o in offers} == {"gr-001", "gr-002"}


def test_a_slow_partner_is_shown_from_the_document_and_does_not_hold_the_others(programs: Programs) -> None:
    import threading
    import time

    released = threading.Event()

    class SlowTwitch(FakePartners):
        def offers(self, partner: str, /) -> list[PartnerOfferStub]:
            if partner == "twitch":
                released.wait(5)
            return super().offers(partner)

    partners = SlowTwitch(catalogue={"burgerking": [PartnerOfferStub("bk-100", "Free fries", "fast_food", 9)]})
    started = time.monotonic()
    offers = current_offers(source=partners, config=programs, today=JUNE.date(), deadline_s=0.3)
    took = time.monotonic() - started
    released.set()

    assert took < 2
    by_partner = {o.partner: o.offer_id for o in offers}
    assert by_partner["burgerking"] == "bk-100"  # live
    configured = {offer.offer_id for offer in programs.partners["twitch"].offers}
    assert by_partner["twitch"] in configured  # from the document


def test_a_switched_off_partner_is_not_shown() -> None:
    document = programs_document()
    document["partners"]["twitch"]["enabled"] = False

    offers = current_offers(config=load_programs(document))

    assert "twitch" not in {o.partner for o in offers}


def test_an_offer_is_activated_once_per_customer(programs: Programs, referrals: ReferralsRepository) -> None:
    partners = FakePartners(catalogue={"gamearena": [PartnerOfferStub("ga-002", "33 % on a tournament", "gaming", 33)]})

    first = activate_once("c_gamer", "ga-002", source=partners, repository=referrals, config=programs, now=JUNE)
    second = activate_once("c_gamer", "ga-002", source=partners, repository=referrals, config=programs, now=JUNE)

    assert first.newly_activated is True
    assert second.newly_activated is False
    assert second.promo_code == first.promo_code == "PROMO-GA-002"
    assert partners.activations == [("gamearena", "ga-002", partner_customer_ref("gamearena", "c_gamer"))]
    assert "c_gamer" not in partners.activations[0][2]  # the partner sees a pseudonym
    assert [a.offer_id for a in activations("c_gamer", repository=referrals)] == ["ga-002"]


def test_an_unknown_offer_cannot_be_activated(programs: Programs, referrals: ReferralsRepository) -> None:
    with pytest.raises(OfferUnavailable):
        activate_once("c_gamer", "xx-999", repository=referrals, config=programs, now=JUNE)
