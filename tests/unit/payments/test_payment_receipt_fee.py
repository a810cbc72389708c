"""The receipt shows the fee the quote kept: none at this bank today, but a quote that carries one shows it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from messenger_bank.images import storage
from messenger_bank.images.models import ReceiptRequest
from messenger_bank.payments import service
from messenger_bank.payments.models import BillPaymentState, PaymentQuote
from tests.unit.payments.conftest import ACCOUNT, CARD, CUSTOMER, MTS, NOW, PHONE, World

BUCKET = "media-test"
QUOTE_ID = "pq-" + "c" * 32


@pytest.fixture
def drawn(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ReceiptRequest]]:
    """What each receipt was asked to show (the picture itself is the ImageAPI's tests')."""
    storage.s3.cache_clear()
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    seen: list[ReceiptRequest] = []

    def draw(request: ReceiptRequest) -> bytes:
        seen.append(request)
        return b"\x89PNG"

    monkeypatch.setattr("messenger_bank.images.receipt.receipt_picture", draw)
    yield seen
    storage.s3.cache_clear()


def test_a_quote_with_a_fee_shows_that_fee_on_the_receipt(world: World, drawn: list[ReceiptRequest]) -> None:
    world.payments.put_quote(
        PaymentQuote(
            quote_id=QUOTE_ID, customer_id=CUSTOMER, service_code=MTS, payee_name="MTS", category="mobile",
            account=PHONE, source_card_id=CARD, source_mask="400011******0001", source_account_id=ACCOUNT,
            amount_minor=1_500, fee_minor=25, currency="BYN", created_at=NOW, expires_at=int(NOW.timestamp()) + 60,
            payment_id="bill-1",
        )
    )  # fmt: skip
    state = BillPaymentState(quote_id=QUOTE_ID, customer_id=CUSTOMER, chat_key="telegram:1", payment_id="bill-1")

    service.render_payment_receipt(state, payments=world.payments, bucket=BUCKET, clock=lambda: NOW)

    [request] = drawn
    assert (request.amount, request.fee) == (1_500, 25)
