from __future__ import annotations

import io

import pytest
from PIL import Image
from pydantic import ValidationError

from messenger_bank.images.models import ReceiptRequest
from messenger_bank.images.receipt import MAX_HEIGHT, WIDTH, receipt_picture
from messenger_bank.money import format_money


@pytest.mark.parametrize("language", ["ru", "be", "en"])
@pytest.mark.parametrize("status", ["completed", "pending", "failed", "refunded"])
def test_a_receipt_renders_in_each_language_and_status(
    receipt_request: ReceiptRequest, language: str, status: str
) -> None:
    request = receipt_request.model_copy(update={"language": language, "status": status})

    picture = Image.open(io.BytesIO(receipt_picture(request)))

    assert picture.format == "PNG"
    assert picture.width == WIDTH
    assert 900 < picture.height <= MAX_HEIGHT


def test_a_long_receipt_stays_within_the_maximum_height(receipt_request: ReceiptRequest) -> None:
    request = receipt_request.model_copy(update={"kind": "payment", "details": "Электроэнергия, " * 9})
    picture = Image.open(io.BytesIO(receipt_picture(request)))
    assert picture.height <= MAX_HEIGHT


@pytest.mark.parametrize("field", ["from_masked", "to_masked", "details"])
def test_a_full_card_number_on_a_receipt_is_refused(receipt_request: ReceiptRequest, field: str) -> None:
    with pytest.raises(ValidationError):
        ReceiptRequest.model_validate(receipt_request.model_dump() | {field: "на карту 5500 0000 0000 0004"})


def test_the_total_is_the_amount_plus_the_fee(receipt_request: ReceiptRequest) -> None:
    assert receipt_request.total == 125302


def test_a_naive_date_time_is_refused(receipt_request: ReceiptRequest) -> None:
    naive = receipt_request.occurred_at.replace(tzinfo=None)
    with pytest.raises(ValidationError):
        ReceiptRequest.model_validate(receipt_request.model_dump() | {"occurred_at": naive})


@pytest.mark.parametrize(
    ("minor", "currency", "language", "shown"),
    [
        (123450, "BYN", "ru", "1\u00a0234,50\u00a0BYN"),
        (123450, "BYN", "be", "1\u00a0234,50\u00a0BYN"),
        (123450, "BYN", "en", "1,234.50\u00a0BYN"),
        (5, "USD", "en", "0.05\u00a0USD"),
        (123456789, "EUR", "ru", "1\u00a0234\u00a0567,89\u00a0EUR"),
        (1500, "JPY", "en", "1,500\u00a0JPY"),
    ],
)
def test_money_is_formatted_per_language(minor: int, currency: str, language: str, shown: str) -> None:
    assert format_money(minor, currency, language) == shown  # type: ignore[arg-type]
