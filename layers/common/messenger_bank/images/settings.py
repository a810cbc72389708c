"""Where rendered pictures and documents go: ``MEDIA_BUCKET``, read once per cold start, given only to
the functions that draw (receipts, the new card, requisites, history, share and offers pictures)."""

from __future__ import annotations

from typing import ClassVar

from messenger_bank.configuration import EnvironmentSettings, read_once


class MediaSettings(EnvironmentSettings):
    empty_is_unset: ClassVar[bool] = True

    media_bucket: str | None = None

    def bucket(self) -> str:
        if not self.media_bucket:
            raise RuntimeError("MEDIA_BUCKET is not set for this function")
        return self.media_bucket


media_settings = read_once(MediaSettings)
