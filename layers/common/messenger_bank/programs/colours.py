"""A partner's brand colours, apart from the programmes' other models: the terms name them, and the card issuance's
step, which reads the terms for the cashback rates, would otherwise define all thirty of programs/models.py (issue 20).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from messenger_bank.types import HexColour


class BrandColours(BaseModel):
    """A partner's colours: the ground of its offers' picture and the text on it."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    background: HexColour
    foreground: HexColour
