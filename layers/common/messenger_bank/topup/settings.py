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

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class TopUpSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    wait_seconds: int = Field(default=1200, gt=0)
    callback_url: str | None = None
    return_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TopUpSettings:
        env = os.environ if environ is None else environ
        names = {
            "wait_seconds": "TOPUP_WAIT_SECONDS",
            "callback_url": "ACQUIRER_CALLBACK_URL",
            "return_url": "TOPUP_RETURN_URL",
        }
        return cls.model_validate({field: env[var] for field, var in names.items() if env.get(var)})


@lru_cache(maxsize=1)
def topup_settings() -> TopUpSettings:
    return TopUpSettings.from_env()
