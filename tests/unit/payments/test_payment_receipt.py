"""The payment's receipt: the picture shows what the quote paid (amount, fee, the card it came from as its last
four digits, the payee, the account masked and billing's receipt number, in the customer's language) and is kept
in the media bucket behind the link the messenger fetches. The longest names are cut to what a receipt holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlparse

import boto3
import pytest

from messenger_bank.images import storage
from messenger_bank.images.models import ReceiptRequest
from messenger_bank.images.receipt import receipt_picture
from messenger_bank.payments import service
from messenger_bank.payments.models import BillPaymentState, PaymentQuote
from tests.unit.payments.conftest import ACCOUNT, CARD, CUSTOMER, MTS, NOW, PHONE, World

BUCKET = "media-test"
AT = NOW + timedelta(minutes=3)
QUOTE_ID = "pq-" + "a" * 32
LONGEST_NAME = "N" * 80  # the longest payee name a quote keeps; a receipt shows 60 as the payee
LONGEST_ID = "p" * 80  # the longest execution name; a receipt's operation id holds 64


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


def paid(world: World, *, name: str = "MTS", payment_id: str = "bill_payment-abc-1", **state: str) -> BillPaymentState:
    """A quote as the payment step left it, claimed by `payment_id`, and the journey's state after paying."""
    world.payments.put_quote(
        PaymentQuote(
            quote_id=QUOTE_ID, customer_id=CUSTOMER, service_code=MTS, payee_name=name, category="mobile",
            account=PHONE, source_card_id=CARD, source_mask="400011******0001", source_account_id=ACCOUNT,
            amount_minor=1_500, currency="BYN", created_at=NOW, expires_at=int(NOW.timestamp()) + 1800,
            payment_id=payment_id,
        )
    )  # fmt: skip
    return BillPaymentState.model_validate(
        {"quote_id": QUOTE_ID, "customer_id": CUSTOMER, "chat_key": "telegram:1", "payment_id": payment_id} | state
    )


def receipt(world: World, state: BillPaymentState, *, bucket: str | None = BUCKET) -> BillPaymentState:
    return service.render_payment_receipt(state, payments=world.payments, bucket=bucket, clock=lambda: AT)


def test_the_receipt_shows_the_payee_the_masked_account_and_billings_receipt_number_in_the_customers_language(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]]
) -> None:
    receipt(world, paid(world, language="be", receipt_number="R0000000001"))

    [(request, _)] = drawn
    assert request.model_dump() == {
        "language": "be",
        "kind": "payment",
        "amount": 1_500,
        "currency": "BYN",
        "fee": 0,
        "from_masked": "•• 0001",
        "to_masked": "MTS",
        "details": "MTS, +375***567 · R0000000001",
        "occurred_at": AT,
        "utc_offset_minutes": 180,
        "operation_id": "bill_payment-abc-1",
        "status": "completed",
    }


def test_without_a_receipt_number_the_details_are_the_payee_and_the_masked_account(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]]
) -> None:
    receipt(world, paid(world))

    [(request, _)] = drawn
    assert request.details == "MTS, +375***567"


def test_the_longest_names_are_cut_to_what_the_receipt_holds(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]]
) -> None:
    number = "R" * 80  # billing's receipt number has no length of its own
    receipt(world, paid(world, name=LONGEST_NAME, payment_id=LONGEST_ID, receipt_number=number))

    [(request, _)] = drawn
    assert (request.to_masked, request.operation_id) == ("N" * 60, "p" * 64)
    assert request.details == (LONGEST_NAME + ", +375***567 · " + number)[:160]
    assert len(request.details) == 160


def test_the_link_fetches_the_picture_drawn_as_a_png_from_the_bucket_given(
    world: World, drawn: list[tuple[ReceiptRequest, bytes]]
) -> None:
    state = paid(world, receipt_number="R0000000001")

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

    shown = receipt(world, paid(world), bucket=None)

    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 1 and keys[0] in (shown.picture_url or "")
