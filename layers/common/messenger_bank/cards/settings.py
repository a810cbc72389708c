"""The card services' environment, read once per cold start; each value only where an operation needs it.

``MEDIA_BUCKET``: where the requisites and history PDFs go (get_requisites, get_history).
``SECURE_PAGE_URL``: the PIN / password page the one-time links open (create_secure_link).
``SECURE_LINK_MINUTES``: how long such a link lives (default 10, as the catalogue tells the customer).
``HISTORY_LIMIT``: how many operations the history shows (default 10).
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class CardsSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    media_bucket: str | None = None
    secure_page_url: str | None = None
    secure_link_minutes: int = Field(default=10, ge=1, le=30)
    history_limit: int = Field(default=10, ge=1, le=50)

    @classmethod
    def from_env(cls) -> CardsSettings:
        return cls(
            media_bucket=os.environ.get("MEDIA_BUCKET") or None,
            secure_page_url=os.environ.get("SECURE_PAGE_URL") or None,
            secure_link_minutes=int(os.environ.get("SECURE_LINK_MINUTES", "10")),
            history_limit=int(os.environ.get("HISTORY_LIMIT", "10")),
        )

    def bucket(self) -> str:
        if not self.media_bucket:
            raise RuntimeError("MEDIA_BUCKET is not set for this function")
        return self.media_bucket

    def page_url(self) -> str:
        if not self.secure_page_url:
            raise RuntimeError("SECURE_PAGE_URL is not set for this function")
        return self.secure_page_url


@lru_cache(maxsize=1)
def cards_settings() -> CardsSettings:
    return CardsSettings.from_env()
