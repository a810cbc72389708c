"""Where the bot lives on each messenger and where the programs document comes from: environment
variables, read once per cold start.

==================================  ===================================================================
``TELEGRAM_BOT_USERNAME``           the bot's username, without ``@`` (``t.me/<bot>?start=<code>``)
``VIBER_CHAT_URI``                  the Viber bot's chat URI (``viber://pa?chatURI=<uri>&context=<code>``)
``WHATSAPP_BUSINESS_NUMBER``        the business phone number, E.164 with or without ``+`` (``wa.me``)
``MESSENGER_PAGE``                  the Facebook page's username or id (``m.me/<page>?ref=<code>``)
``PROGRAMS_SOURCE``                 ``file`` (default: local runs and tests) or ``appconfig`` (deployed)
``PROGRAMS_FILE``                   the document's path when the source is a file (default: the
                                    ``programs.yaml`` beside this module)
``PROGRAMS_APPCONFIG_APPLICATION``  AppConfig application (source ``appconfig``)
``PROGRAMS_APPCONFIG_ENVIRONMENT``  AppConfig environment (source ``appconfig``)
``PROGRAMS_APPCONFIG_PROFILE``      AppConfig configuration profile holding the YAML (default ``programs``)
``PROGRAMS_MAX_AGE_SECONDS``        how long a fetched document is reused before AppConfig is asked
                                    again (default 300)
``CUSTOMERS_TABLE``                 the customers table the repository writes to (see ``repository.py``)
``MEDIA_BUCKET``                    where ``get_referral`` stores the share picture (none drawn when unset)
==================================  ===================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_PROGRAMS_FILE = Path(__file__).with_name("programs.yaml")


class ReferralSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    telegram_bot_username: str = Field(default="MessengerBankBot", pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
    viber_chat_uri: str = Field(default="messengerbank", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    whatsapp_business_number: str = Field(default="375291000000", pattern=r"^\d{8,15}$")
    messenger_page: str = Field(default="messengerbank", pattern=r"^[A-Za-z0-9_.-]{1,64}$")

    programs_source: Literal["file", "appconfig"] = "file"
    programs_file: Path = DEFAULT_PROGRAMS_FILE
    appconfig_application: str | None = None
    appconfig_environment: str | None = None
    appconfig_profile: str = "programs"
    programs_max_age_seconds: int = Field(default=300, ge=0, le=86_400)
    media_bucket: str | None = None

    @model_validator(mode="after")
    def _appconfig_named(self) -> ReferralSettings:
        if self.programs_source == "appconfig" and not (self.appconfig_application and self.appconfig_environment):
            raise ValueError("PROGRAMS_SOURCE=appconfig needs PROGRAMS_APPCONFIG_APPLICATION and _ENVIRONMENT")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReferralSettings:
        env = os.environ if environ is None else environ
        names = {
            "telegram_bot_username": "TELEGRAM_BOT_USERNAME",
            "viber_chat_uri": "VIBER_CHAT_URI",
            "whatsapp_business_number": "WHATSAPP_BUSINESS_NUMBER",
            "messenger_page": "MESSENGER_PAGE",
            "programs_source": "PROGRAMS_SOURCE",
            "programs_file": "PROGRAMS_FILE",
            "appconfig_application": "PROGRAMS_APPCONFIG_APPLICATION",
            "appconfig_environment": "PROGRAMS_APPCONFIG_ENVIRONMENT",
            "appconfig_profile": "PROGRAMS_APPCONFIG_PROFILE",
            "programs_max_age_seconds": "PROGRAMS_MAX_AGE_SECONDS",
            "media_bucket": "MEDIA_BUCKET",
        }
        values = {field: env[var] for field, var in names.items() if env.get(var)}
        if "whatsapp_business_number" in values:
            values["whatsapp_business_number"] = values["whatsapp_business_number"].lstrip("+")
        if "telegram_bot_username" in values:
            values["telegram_bot_username"] = values["telegram_bot_username"].lstrip("@")
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def settings() -> ReferralSettings:
    return ReferralSettings.from_env()
