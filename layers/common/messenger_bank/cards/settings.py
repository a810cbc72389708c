"""The card services' environment, read once per cold start; each value only where an operation needs it.

``MEDIA_BUCKET``: where the requisites and history PDFs go (get_requisites, get_history).
``SECURE_PAGE_URL``: the PIN / password page the one-time links open (create_secure_link).
``SECURE_LINK_MINUTES``: how long such a link lives (default and at most 5, as the catalogue tells the customer).
``HISTORY_LIMIT``: how many operations the history shows (default 10).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from messenger_bank.configuration import read_once
from messenger_bank.images.settings import MediaSettings


class CardsSettings(MediaSettings):
    """``MEDIA_BUCKET`` and ``bucket()`` as the images context defines them, and the cards' own values."""

    model_config = SettingsConfigDict(frozen=True)

    secure_page_url: str | None = None
    secure_link_minutes: int = Field(default=5, ge=1, le=5)
    history_limit: int = Field(default=10, ge=1, le=50)

    def page_url(self) -> str:
        if not self.secure_page_url:
            raise RuntimeError("SECURE_PAGE_URL is not set for this function")
        return self.secure_page_url


cards_settings = read_once(CardsSettings)
