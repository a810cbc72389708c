from __future__ import annotations

import pytest

from messenger_bank.conversation.catalogue import catalogue
from messenger_bank.images.fonts import FONT_DIR, font
from messenger_bank.types import LANGUAGES

NOT_IN_FONT = "\ue000"  # a private-use code point: the font draws its .notdef box
SAMPLES = "ўЎіІёЁґҐʼ’«»—–•№€₽ $1234567890 Łacinka: ŭ ć č ł ń ś š ź ž"
# The catalogue's sections drawn on pictures and documents: the labels, the statement, the history lines.
DRAWN_SECTIONS = ("picture.", "statement.", "history.")


def _drawn_texts() -> str:
    messages = catalogue()
    return "".join(
        value for language in LANGUAGES for key, value in messages[language].items() if key.startswith(DRAWN_SECTIONS)
    )


def _glyph(char: str, *, bold: bool) -> tuple[tuple[int, int], bytes]:
    mask = font(40, bold=bold).getmask(char)
    return mask.size, bytes(mask)


@pytest.mark.parametrize("bold", [False, True])
def test_every_drawn_text_and_sample_character_has_a_glyph(bold: bool) -> None:
    text = SAMPLES + _drawn_texts()
    missing_box = _glyph(NOT_IN_FONT, bold=bold)

    missing = {char for char in set(text) if not char.isspace() and _glyph(char, bold=bold) == missing_box}

    assert missing == set()


def test_a_character_outside_the_font_is_detected() -> None:
    assert _glyph("\ue001", bold=False) == _glyph(NOT_IN_FONT, bold=False)


def test_faces_are_loaded_once_per_size() -> None:
    assert font(30) is font(30)
    assert font(30, bold=True) is not font(30)


def test_the_shipped_fonts_are_small_and_licensed() -> None:
    shipped = sum(path.stat().st_size for path in FONT_DIR.glob("*.ttf"))
    assert shipped < 1_500_000
    assert "Bitstream Vera" in (FONT_DIR / "LICENSE-DejaVu.txt").read_text()
