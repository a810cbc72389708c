"""The partner offers picture: its size follows the offers, each tile is its partner's, the partner's own
picture is drawn on it, and the same request always gives the same bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from messenger_bank.images.drawing import hex_rgb
from messenger_bank.images.models import MAX_OFFER_TILES, OffersPictureRequest, OfferTile
from messenger_bank.images.offers import HEADER_HEIGHT, WIDTH, offers_picture, picture_box, picture_size, tile_box

LOGO_INK = (0, 200, 83)


def png(size: tuple[int, int], colour: tuple[int, ...], mode: str = "RGB", kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, kind)
    return buffer.getvalue()


def logo() -> bytes:
    """A 64 px partner logo: a solid disc of LOGO_INK on a transparent ground."""
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((0, 0, 63, 63), fill=(*LOGO_INK, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def tile(**changes: object) -> OfferTile:
    fields: dict[str, object] = {
        "partner_name": "Twitch",
        "title": "15 % cashback on subscriptions",
        "cashback": "15 %",
        "background": "#9146FF",
        "foreground": "#FFFFFF",
    }
    return OfferTile.model_validate(fields | changes)


def draw(*tiles: OfferTile, language: str = "en") -> Image.Image:
    request = OffersPictureRequest.model_validate({"language": language, "offers": tiles})
    return Image.open(io.BytesIO(offers_picture(request))).convert("RGB")


def close(pixel: object, colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize(("offers", "rows"), [(1, 1), (2, 1), (5, 3), (MAX_OFFER_TILES, 6)])
def test_the_picture_grows_a_row_for_every_two_offers(offers: int, rows: int) -> None:
    picture = draw(*(tile() for _ in range(offers)))

    assert picture.size == picture_size(offers)
    assert picture.size[0] == WIDTH
    assert tile_box(offers - 1)[3] < picture.size[1]
    assert picture_size(offers)[1] - picture_size(1)[1] == (rows - 1) * (tile_box(2)[1] - tile_box(0)[1])


def test_the_same_request_gives_the_same_bytes() -> None:
    request = OffersPictureRequest(language="ru", offers=(tile(picture=logo()), tile(partner_name="Grushovka")))

    assert offers_picture(request) == offers_picture(request)


def test_each_tile_is_drawn_in_its_partners_colours() -> None:
    twitch = tile()
    burger_king = tile(partner_name="Burger King", cashback="20 %", background="#D62300", foreground="#F5EBDC")

    picture = draw(twitch, burger_king)

    for index, offer in enumerate((twitch, burger_king)):
        left, top, right, bottom = tile_box(index)
        assert close(picture.getpixel((right - 8, (top + bottom) // 2)), hex_rgb(offer.background))
        # The name, the rate and the title are written in the partner's text colour.
        text = picture.crop((left + 140, top + 20, right - 20, bottom - 20)).getcolors(maxcolors=1 << 16) or []
        assert any(close(colour, hex_rgb(offer.foreground), 0) for _, colour in text)


def test_the_partners_picture_is_drawn_on_a_white_square() -> None:
    picture = draw(tile(picture=logo()))

    left, top, right, bottom = picture_box(0)
    assert close(picture.getpixel(((left + right) // 2, (top + bottom) // 2)), LOGO_INK)
    assert close(picture.getpixel((left + 12, top + 12)), (255, 255, 255))  # the logo's transparency kept


def test_a_large_picture_is_scaled_into_the_square() -> None:
    picture = draw(tile(picture=png((1200, 600), LOGO_INK)))

    left, top, right, bottom = picture_box(0)
    middle = (top + bottom) // 2
    assert close(picture.getpixel((left + 10, middle)), LOGO_INK)  # 104 px wide, 8 px in from the edge
    assert close(picture.getpixel(((left + right) // 2, top + 12)), (255, 255, 255))  # half as high


def test_without_a_picture_the_partners_initials_stand_in() -> None:
    picture = draw(tile(partner_name="Burger King", background="#D62300"))

    square = picture.crop(picture_box(0))
    colours = square.getcolors(maxcolors=1 << 16) or []
    assert close(square.getpixel((square.width // 2 - 30, 10)), (255, 255, 255))
    assert sum(count for count, colour in colours if close(colour, hex_rgb("#D62300"), 0)) > 300


def test_the_headline_is_in_the_customers_language() -> None:
    english, russian = draw(tile(), language="en"), draw(tile(), language="ru")

    band = (0, 0, WIDTH, HEADER_HEIGHT)
    assert english.crop(band).tobytes() != russian.crop(band).tobytes()
    assert english.crop((0, HEADER_HEIGHT, WIDTH, english.size[1])).tobytes() == (
        russian.crop((0, HEADER_HEIGHT, WIDTH, russian.size[1])).tobytes()
    )


@pytest.mark.parametrize(
    "picture",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x89PNG\r\n\x1a\n truncated",
        png((8, 8), (1, 2, 3), kind="GIF"),
        png((4000, 10), (1,), mode="L"),
        b"\x89PNG" + b"\x00" * (600 * 1024),
    ],
    ids=["svg", "broken png", "gif", "too wide", "too heavy"],
)
def test_a_picture_that_is_not_a_small_png_jpeg_or_webp_is_refused(picture: bytes) -> None:
    with pytest.raises(ValidationError):
        tile(picture=picture)


def test_a_jpeg_or_webp_picture_is_accepted() -> None:
    assert tile(picture=png((32, 32), LOGO_INK, kind="JPEG")).picture is not None
    assert tile(picture=png((32, 32), LOGO_INK, kind="WEBP")).picture is not None


def test_one_to_twelve_offers_a_picture() -> None:
    with pytest.raises(ValidationError):
        OffersPictureRequest(language="en", offers=())
    with pytest.raises(ValidationError):
        OffersPictureRequest(language="en", offers=tuple(tile() for _ in range(MAX_OFFER_TILES + 1)))


@pytest.mark.parametrize("field", ["partner_name", "title", "cashback"])
def test_no_text_on_the_picture_may_carry_a_card_number(field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        tile(**{field: "4111 1111 1111 1111"})
    assert "4111" not in str(refused.value)


def test_colours_are_hex_triplets() -> None:
    with pytest.raises(ValidationError):
        tile(background="purple")
