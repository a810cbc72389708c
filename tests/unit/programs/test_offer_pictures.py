"""The offers list comes with a picture: each offer in its partner's colours with the partner's own picture
(fetched through the partners' API, kept per warm function), stored in the media bucket under a random
key; without a bucket, a picture or the partner, the customer still gets the list."""

from __future__ import annotations

import io
import re
import threading
import time
from typing import Any

import boto3
import pytest
from PIL import Image

from messenger_bank.customers.models import Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.images.drawing import hex_rgb
from messenger_bank.images.offers import picture_box, picture_size, tile_box
from messenger_bank.programs import offer_list
from messenger_bank.programs.bank import PartnersApi, PictureCache
from messenger_bank.programs.offer_list import list_offers
from messenger_bank.programs.offer_operations import ListOffersRequest, OfferList
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import ReferralSettings
from messenger_bank.programs.terms import Programs
from tests.unit.programs.conftest import BrandStub, FakePartners, PartnerOfferStub, join

BUCKET = "media"
WITH_BUCKET = ReferralSettings(media_bucket=BUCKET)
TWITCH_PICTURE = "https://partners.example/twitch/api/v1/offers/tw-1/image.png"
LOGO_INK = (0, 181, 173)


def logo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), LOGO_INK).save(buffer, "PNG")
    return buffer.getvalue()


def twitch_offer(**changes: Any) -> PartnerOfferStub:
    fields: dict[str, Any] = {
        "offer_id": "tw-1",
        "title": "15 % on subs",
        "category": "streaming",
        "cashback_percent": 15,
        "brand": BrandStub("#112233", "#FFFFFF"),
        "image_url": TWITCH_PICTURE,
    }
    return PartnerOfferStub(**(fields | changes))


@pytest.fixture
def customer(customers: CustomersRepository) -> Customer:
    return join(customers, "BANK-GAMER", "+375291111111")


@pytest.fixture
def s3(table: Any) -> Any:  # inside the table fixture's moto
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return client


def listed(
    customer: Customer,
    partners: FakePartners,
    referrals: ReferralsRepository,
    programs: Programs,
    settings: ReferralSettings = WITH_BUCKET,
) -> OfferList:
    return list_offers(
        ListOffersRequest(customer_id=customer.customer_id, language="en"),
        source=partners,
        repository=referrals,
        config=programs,
        referral_settings=settings,
    )


def stored_picture(s3: Any) -> tuple[str, Image.Image]:
    [stored] = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    body = s3.get_object(Bucket=BUCKET, Key=stored["Key"])["Body"].read()
    return stored["Key"], Image.open(io.BytesIO(body)).convert("RGB")


def colour_at(picture: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    pixel = picture.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel[0], pixel[1], pixel[2]


def test_the_offers_picture_shows_each_offer_in_its_partners_colours_with_its_picture(
    customer: Customer, referrals: ReferralsRepository, programs: Programs, s3: Any
) -> None:
    partners = FakePartners(catalogue={"twitch": [twitch_offer()]}, pictures={TWITCH_PICTURE: logo()})

    offers = listed(customer, partners, referrals, programs)

    key, picture = stored_picture(s3)
    assert re.fullmatch(r"offers/[0-9a-f]{32}\.png", key)  # a random key: nothing of the customer in it
    assert offers.picture_url is not None and key in offers.picture_url and "Signature" in offers.picture_url
    assert [item.title for item in offers.items] == ["Twitch: 15 % on subs"]
    assert picture.size == picture_size(1)
    _, top, right, bottom = tile_box(0)
    assert colour_at(picture, (right - 8, (top + bottom) // 2)) == hex_rgb("#112233")  # the API's colours
    square = picture_box(0)
    assert colour_at(picture, ((square[0] + square[2]) // 2, (square[1] + square[3]) // 2)) == LOGO_INK
    assert partners.pictures_fetched == [("twitch", TWITCH_PICTURE)]


def test_a_partner_that_does_not_answer_is_drawn_from_the_programs_document(
    customer: Customer, referrals: ReferralsRepository, programs: Programs, s3: Any
) -> None:
    partners = FakePartners(down={"grushovka"})  # the others answer with no offers

    offers = listed(customer, partners, referrals, programs)

    assert [item.offer_id for item in offers.items] == ["gr-001", "gr-002"]
    _, picture = stored_picture(s3)
    assert picture.size == picture_size(2)
    document_colour = hex_rgb("#2E7D32")  # terms.yaml: grushovka's colours
    for index in (0, 1):
        _, top, right, bottom = tile_box(index)
        assert colour_at(picture, (right - 8, (top + bottom) // 2)) == document_colour
    assert partners.pictures_fetched == []  # the document's offers have no picture: the initials stand in


@pytest.mark.parametrize("served", [None, b"not a picture"], ids=["not served", "not an image"])
def test_a_picture_that_cannot_be_had_leaves_the_partners_colours_and_initials(
    customer: Customer, referrals: ReferralsRepository, programs: Programs, s3: Any, served: bytes | None
) -> None:
    partners = FakePartners(catalogue={"twitch": [twitch_offer()]}, pictures={TWITCH_PICTURE: served} if served else {})

    offers = listed(customer, partners, referrals, programs)

    assert offers.picture_url is not None
    _, picture = stored_picture(s3)
    square = picture.crop(picture_box(0))
    initials = sum(count for count, colour in square.getcolors(1 << 16) or [] if colour == hex_rgb("#112233"))
    assert initials > 100


def test_a_partner_slow_to_give_its_picture_is_not_waited_for(
    customer: Customer,
    referrals: ReferralsRepository,
    programs: Programs,
    s3: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(offer_list, "PICTURES_WAIT_SECONDS", 0.2)
    release = threading.Event()

    class SlowPartners(FakePartners):
        def picture(self, partner: str, url: str, /) -> bytes:
            release.wait(5)
            return super().picture(partner, url)

    partners = SlowPartners(catalogue={"twitch": [twitch_offer()]}, pictures={TWITCH_PICTURE: logo()})
    started = time.monotonic()
    try:
        offers = listed(customer, partners, referrals, programs)
    finally:
        release.set()

    assert time.monotonic() - started < 2
    assert offers.picture_url is not None  # drawn with the partner's initials
    _, picture = stored_picture(s3)
    square = picture_box(0)
    middle = ((square[0] + square[2]) // 2, (square[1] + square[3]) // 2)
    assert colour_at(picture, middle) != LOGO_INK


def test_without_a_media_bucket_the_list_comes_without_a_picture(
    customer: Customer, referrals: ReferralsRepository, programs: Programs
) -> None:
    partners = FakePartners(catalogue={"twitch": [twitch_offer()]}, pictures={TWITCH_PICTURE: logo()})

    offers = listed(customer, partners, referrals, programs, settings=ReferralSettings())

    assert offers.picture_url is None and [item.offer_id for item in offers.items] == ["tw-1"]
    assert partners.pictures_fetched == []


def test_a_storage_failure_leaves_the_list_without_a_picture(
    customer: Customer, referrals: ReferralsRepository, programs: Programs, table: Any
) -> None:
    partners = FakePartners(catalogue={"twitch": [twitch_offer()]}, pictures={TWITCH_PICTURE: logo()})

    offers = listed(customer, partners, referrals, programs, settings=ReferralSettings(media_bucket="no-such-bucket"))

    assert offers.picture_url is None and len(offers.items) == 1


def test_a_partners_picture_is_fetched_once_per_warm_function() -> None:
    client = FakePartners(pictures={TWITCH_PICTURE: logo()})
    api = PartnersApi(client=client, pictures=PictureCache())  # type: ignore[arg-type]

    first, again = api.picture("twitch", TWITCH_PICTURE), api.picture("twitch", TWITCH_PICTURE)

    assert first == again == logo()
    assert client.pictures_fetched == [("twitch", TWITCH_PICTURE)]
