"""RenderCardPicture: the issued card is drawn with its mask and expiry, the holder from the sealed application in
both scripts, in the customer's language, and stored as a PNG under the card kind in the media bucket; the state
carries the link, under the customer's prefix (what forgetting them deletes). Without an issued card nothing is
drawn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from messenger_bank.images import storage
from messenger_bank.images.card import card_picture
from messenger_bank.images.models import CardPictureRequest
from messenger_bank.onboarding.models import IssuanceState, IssuedCardView
from messenger_bank.onboarding.picture import render_card_picture
from messenger_bank.onboarding.service import save_application

from .conftest import form

BUCKET = "media-bucket"
CARD = IssuedCardView(
    card_id="card-1",
    mask="411111******1111",
    expiry="12/29",
    product="visa-digital",
    cashback_category="everything",
    credit_limit=100_000,
    credit_line="Credit line: 1,000.00 BYN, ready to spend.",
    cashback_from="2 %",
    cashback_to="33 %",
)


@pytest.fixture
def drawn(table: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[CardPictureRequest]]:
    """What the card painter was asked to draw (it draws it too); the media bucket in moto."""
    monkeypatch.setenv("MEDIA_BUCKET", BUCKET)
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    storage.s3.cache_clear()
    asked: list[CardPictureRequest] = []

    def drawing(request: CardPictureRequest) -> bytes:
        asked.append(request)
        return card_picture(request)

    monkeypatch.setattr("messenger_bank.images.card.card_picture", drawing)
    yield asked
    storage.s3.cache_clear()


def issued(language: str = "be") -> IssuanceState:
    application = form(language=language)
    saved = save_application(application)
    return IssuanceState.model_validate(
        {"application_id": saved.application_id, "chat_key": application.chat_key, "language": language,
         "card": CARD.model_dump()}
    )  # fmt: skip


def test_the_issued_card_is_drawn_for_its_holder_in_the_customers_language(
    drawn: list[CardPictureRequest],
) -> None:
    render_card_picture(issued("be"))

    [request] = drawn
    assert (request.design, request.masked_number, request.expiry, request.language) == (
        "virtual_visa",
        "411111******1111",
        "12/29",
        "be",
    )
    assert (request.holder_latin, request.holder_cyrillic) == ("IVAN IVANOV", "ИВАН ИВАНОВ")


def test_the_picture_is_a_png_in_the_media_bucket_under_the_card_kind_and_the_state_links_it(
    drawn: list[CardPictureRequest],
) -> None:
    state = render_card_picture(issued())

    [stored] = boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]
    assert stored["Key"].startswith("card/") and stored["Key"].endswith(".png")
    kept = boto3.client("s3").get_object(Bucket=BUCKET, Key=stored["Key"])
    assert kept["ContentType"] == "image/png" and kept["Body"].read().startswith(b"\x89PNG\r\n\x1a\n")
    assert state.picture_url is not None and f"/{stored['Key']}" in state.picture_url


def test_the_picture_is_kept_under_its_customers_prefix_where_forgetting_them_finds_it(
    drawn: list[CardPictureRequest],
) -> None:
    render_card_picture(issued().model_copy(update={"customer_id": "cus_42"}))

    [stored] = boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]
    assert stored["Key"].startswith(f"card/{storage.owner_prefix('cus_42')}/"), stored["Key"]


def test_without_an_issued_card_nothing_is_drawn(drawn: list[CardPictureRequest]) -> None:
    state = issued().model_copy(update={"card": None})

    with pytest.raises(ValueError, match="issued card"):
        render_card_picture(state)
    assert drawn == []
