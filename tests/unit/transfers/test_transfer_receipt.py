"""The transfer's receipt: the picture shows what the quote moved (amount, fee, both cards as their last four
digits, the customer's language) and is kept in the media bucket behind the link the messenger fetches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlparse

import boto3
import pytest

from messenger_bank.images import storage
from messenger_bank.images.models import ReceiptRequest
from messenger_bank.images.receipt import receipt_picture
from messenger_bank.transfers import service
from messenger_bank.transfers.models import TransferState
from tests.unit.transfers.conftest import NOW, World
from tests.unit.transfers.test_journey_steps import credit, debit, prepared

BUCKET = "media-test"
LONGEST_ID = "t" * 80  # the longest execution name a transfer may have; a receipt's operation id holds 64
AT = NOW + timedelta(minutes=3)


@pytest.fixture
def drawn(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[ReceiptRequest, bytes]]]:
    """Every receipt drawn, with the picture the real ImageAPI made of it; S3 is moto's, with the bucket."""
    storage.s3.cache_clear()
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    seen: list[tuple[ReceiptRequest, bytes]] = []

    def draw(request: ReceiptRequest) -> bytes:
        picture = receipt_picture(request)
        seen.append((request, picture))
        return picture

    monkeypatch.setattr("messenger_bank.images.receipt.receipt_picture", draw)
    yield seen
    storage.s3.cache_clear()


def completed(world: World, *, transfer_id: str = "transfer-abc-1", language: str = "ru") -> TransferState:
    state = prepared(world, transfer_id=transfer_id).model_copy(update={"language": language})
    return credit(world, debit(world, state))


def receipt(world: World, state: TransferState, *, bucket: str | None = BUCKET) -> TransferState:
    return service.render_transfer_receipt(state, quotes=world.quotes, bucket=bucket, clock=lambda: AT)


def test_the_receipt_shows_the_amount_the_fee_and_both_cards_in_the_customers_language(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]]
) -> None:
    receipt(world, completed(world, language="be"))

    [(request, _)] = drawn
    assert request.model_dump() == {
        "language": "be",
        "kind": "transfer",
        "amount": 5_000,
        "currency": "BYN",
        "fee": 100,
        "from_masked": "•• 0001",  # the sender's card
        "to_masked": "•• 1111",  # the recipient's
        "details": None,
        "occurred_at": AT,
        "utc_offset_minutes": 180,
        "operation_id": "transfer-abc-1",
        "status": "completed",
    }


def test_the_receipt_of_a_transfer_with_the_longest_id_carries_its_first_64_characters(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]]
) -> None:
    receipt(world, completed(world, transfer_id=LONGEST_ID))

    [(request, _)] = drawn
    assert request.operation_id == "t" * 64


def test_the_link_fetches_the_picture_drawn_as_a_png_from_the_bucket_given(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]]
) -> None:
    state = completed(world)

    shown = receipt(world, state)

    [(_, picture)] = drawn
    assert shown == state.model_copy(update={"picture_url": shown.picture_url})  # nothing else changes
    link = urlparse(shown.picture_url or "")
    key = link.path.removeprefix(f"/{BUCKET}/") if link.path.startswith(f"/{BUCKET}/") else link.path.lstrip("/")
    kept = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)
    assert (kept["Body"].read(), kept["ContentType"]) == (picture, "image/png")
    assert key.startswith("receipt/")


def test_without_a_bucket_given_the_receipt_goes_to_the_media_bucket_of_the_environment(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIA_BUCKET", BUCKET)

    shown = receipt(world, completed(world), bucket=None)

    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 1 and keys[0] in (shown.picture_url or "")
