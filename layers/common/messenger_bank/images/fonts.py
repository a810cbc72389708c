"""The shipped DejaVu Sans faces, read from disk once per cold start and kept per size."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Final

from PIL import ImageFont

FONT_DIR: Final = Path(__file__).with_name("fonts")
_FILES: Final = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


@lru_cache(maxsize=2)
def font_bytes(*, bold: bool = False) -> bytes:
    """The font file's bytes: the only disk read, once per face per cold start."""
    return (FONT_DIR / _FILES[bold]).read_bytes()


@lru_cache(maxsize=128)
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """A face at a pixel size; FreeType parses the cached bytes, so a new size costs no disk read."""
    return ImageFont.truetype(io.BytesIO(font_bytes(bold=bold)), size)


def clear_cache() -> None:
    """Forget every loaded face, as a cold start would (for the benchmark)."""
    font.cache_clear()
    font_bytes.cache_clear()
