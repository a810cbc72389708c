"""Top-up settings, read from the environment once per cold start.

``TOPUP_WAIT_SECONDS`` (1200): how long the journey waits for the acquirer's callback; longer than the
acquirer's payment page lives (15 minutes), so that at the end of the wait the acquirer's own status
is final and the journey asks it before reporting an abandoned top-up.
``ACQUIRER_CALLBACK_URL`` (unset): where the acquirer posts its signed result
(``<HttpApi>/callbacks/acquirer``), sent with every payment; unset, the merchant's callback URL
configured at the acquirer is used (the local cloud's sandbox: ``PUT /admin/acquirer/callback-url``).
``TOPUP_RETURN_URL`` (unset): where the payment page sends the customer afterwards (e.g. the bot's link).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import AliasChoices, Field

from messenger_bank.configuration import EnvironmentSettings, read_once


class TopUpSettings(EnvironmentSettings):
    environment_prefix: ClassVar[str] = "TOPUP_"

    wait_seconds: int = Field(default=1200, gt=0)
    callback_url: str | None = Field(
        default=None, validation_alias=AliasChoices("callback_url", "ACQUIRER_CALLBACK_URL")
    )
    return_url: str | None = None


topup_settings = read_once(TopUpSettings)
