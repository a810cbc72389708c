from __future__ import annotations

import io

import pytest
from PIL import Image
from pydantic import ValidationError

from messenger_bank.images.card import CARD_SIZE, card_picture
from messenger_bank.images.models import CardPictureRequest

FULL_NUMBER = "4111 1111 1111 1111"


@pytest.mark.parametrize("design", ["virtual_visa", "virtual_mastercard", "belkart", "plastic"])
def test_each_design_renders_a_card_sized_png(card_request: CardPictureRequest, design: str) -> None:
    masks = {"virtual_mastercard": "5500 00** **** 0004", "belkart": "9112 34** **** 5678"}
    request = card_request.model_copy(
        update={"design": design, "masked_number": masks.get(design, card_request.masked_number)}
    )

    picture = Image.open(io.BytesIO(card_picture(request)))

    assert picture.format == "PNG"
    assert picture.size == CARD_SIZE


def test_the_card_keeps_the_id1_proportions() -> None:
    width, height = CARD_SIZE
    assert width / height == pytest.approx(85.60 / 53.98, rel=0.005)


def test_designs_look_different(card_request: CardPictureRequest) -> None:
    visa = card_picture(card_request)
    plastic = card_picture(card_request.model_copy(update={"design": "plastic"}))
    assert visa != plastic


@pytest.mark.parametrize("field", ["masked_number", "holder_latin", "holder_cyrillic", "cashback_label", "expiry"])
@pytest.mark.parametrize("number", [FULL_NUMBER, "4111111111111111", "4111-1111-1111-1111", "9112345678901234567"])
def test_a_full_card_number_in_any_text_field_is_refused(
    card_request: CardPictureRequest, field: str, number: str
) -> None:
    fields = card_request.model_dump() | {field: f"Cashback {number}"}
    with pytest.raises(ValidationError) as refused:
        CardPictureRequest.model_validate(fields)
    assert field in str(refused.value)


def test_the_refusal_does_not_echo_the_number(card_request: CardPictureRequest) -> None:
    fields = card_request.model_dump() | {"cashback_label": f"Cashback {FULL_NUMBER}"}
    with pytest.raises(ValidationError) as refused:
        CardPictureRequest.model_validate(fields)
    assert "1111 1111" not in str(refused.value)
    assert "a full card number is not allowed" in str(refused.value)


@pytest.mark.parametrize("mask", ["4111 111* **** 1111", "4111 1111 1111 1111", "41111 1111", "1234 5678", "abcd"])
def test_masks_showing_more_than_six_and_four_digits_are_refused(card_request: CardPictureRequest, mask: str) -> None:
    with pytest.raises(ValidationError):
        CardPictureRequest.model_validate(card_request.model_dump() | {"masked_number": mask})


@pytest.mark.parametrize(
    ("mask", "shown"),
    [
        ("4111 11** **** 1111", "4111 11•• •••• 1111"),
        ("•• 1111", "•••• •••• •••• 1111"),
        ("1111", "•••• •••• •••• 1111"),
        ("411111******1111", "4111 11•• •••• 1111"),
    ],
)
def test_the_number_is_shown_in_four_groups(card_request: CardPictureRequest, mask: str, shown: str) -> None:
    request = card_request.model_copy(update={"masked_number": mask})
    assert request.display_number == shown
    assert request.last_four == "1111"


@pytest.mark.parametrize(
    ("mask", "scheme"),
    [
        ("5500 00** **** 0004", "mastercard"),
        ("2221 00** **** 0004", "mastercard"),
        ("9112 34** **** 5678", "belkart"),
        ("4111 11** **** 1111", "visa"),
    ],
)
def test_a_plastic_card_takes_its_scheme_from_the_first_digits(
    card_request: CardPictureRequest, mask: str, scheme: str
) -> None:
    request = card_request.model_copy(update={"design": "plastic", "masked_number": mask})
    assert request.card_scheme == scheme


def test_a_scheme_that_contradicts_the_design_is_refused(card_request: CardPictureRequest) -> None:
    with pytest.raises(ValidationError):
        CardPictureRequest.model_validate(card_request.model_dump() | {"scheme": "mastercard"})


def test_a_name_in_the_wrong_script_is_refused(card_request: CardPictureRequest) -> None:
    with pytest.raises(ValidationError):
        CardPictureRequest.model_validate(card_request.model_dump() | {"holder_latin": "Аляксандр"})


def test_requests_are_frozen_and_strict(card_request: CardPictureRequest) -> None:
    with pytest.raises(ValidationError):
        card_request.expiry = "01/30"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        CardPictureRequest.model_validate(card_request.model_dump() | {"cvv": "123"})
