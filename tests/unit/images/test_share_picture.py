from __future__ import annotations

import io

import pytest
from PIL import Image
from pydantic import ValidationError

from messenger_bank.images.models import SharePictureRequest
from messenger_bank.images.share import SHARE_SIZE, qr_matrix, share_picture


@pytest.mark.parametrize("language", ["ru", "be", "en"])
def test_a_share_picture_renders_in_each_language(share_request: SharePictureRequest, language: str) -> None:
    picture = Image.open(io.BytesIO(share_picture(share_request.model_copy(update={"language": language}))))
    assert picture.format == "PNG"
    assert picture.size == SHARE_SIZE


def test_the_qr_code_is_a_square_with_finder_patterns() -> None:
    matrix = qr_matrix("https://t.me/messenger_bank_bot?start=AB12CD34")
    size = len(matrix)
    assert all(len(row) == size for row in matrix)
    border = 2
    # Each finder pattern's top row is seven dark modules.
    assert all(matrix[border][border : border + 7])
    assert all(matrix[border][size - border - 7 : size - border])


def test_a_caller_headline_replaces_the_default(share_request: SharePictureRequest) -> None:
    custom = share_request.model_copy(update={"headline": "Join me at Messenger Bank"})
    assert share_picture(custom) != share_picture(share_request)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "http://t.me/bot", "https://t.me/x y"])
def test_only_https_and_viber_links_are_accepted(share_request: SharePictureRequest, link: str) -> None:
    with pytest.raises(ValidationError):
        SharePictureRequest.model_validate(share_request.model_dump() | {"link": link})


def test_a_viber_deep_link_is_accepted(share_request: SharePictureRequest) -> None:
    request = SharePictureRequest.model_validate(
        share_request.model_dump() | {"link": "viber://pa?chatURI=messengerbank&context=AB12CD34"}
    )
    assert request.link.startswith("viber://")


def test_a_messenger_link_to_a_page_known_by_its_number_is_accepted(share_request: SharePictureRequest) -> None:
    link = "https://m.me/100000000000777?ref=AB12CD34"  # a page id of 15 digits (and Luhn-valid)

    assert SharePictureRequest.model_validate(share_request.model_dump() | {"link": link}).link == link


def test_a_code_holding_a_card_number_is_refused_though_the_link_is_not_scanned(
    share_request: SharePictureRequest,
) -> None:
    with pytest.raises(ValidationError, match="card number"):
        SharePictureRequest.model_validate(share_request.model_dump() | {"code": "4111111111111111"})
