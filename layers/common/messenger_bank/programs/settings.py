"""Where the bot lives on each messenger and where the programs document comes from: environment
variables, read once per cold start.

The four deep-link names are the template's parameters (``TelegramBotUsername``, ``ViberChatUri``,
``WhatsAppBusinessNumber``, ``MessengerPageName``), given to the functions that build share links; the
code holds no bot name of its own, and building a link without them is refused (``DeepLinksNotConfigured``).

==================================  ===================================================================
``TELEGRAM_BOT_USERNAME``           the bot's username, without ``@`` (``t.me/<bot>?start=<code>``)
``VIBER_CHAT_URI``                  the Viber bot's chat URI (``viber://pa?chatURI=<uri>&context=<code>``)
``WHATSAPP_BUSINESS_NUMBER``        the business phone number, E.164 with or without ``+`` (``wa.me``)
``MESSENGER_PAGE``                  the Facebook page's username or id (``m.me/<page>?ref=<code>``)
``PROGRAMS_SOURCE``                 ``file`` (default: local runs and tests) or ``appconfig`` (deployed)
``PROGRAMS_FILE``                   the document's path when the source is a file (default: the
                                    ``terms.yaml`` beside this module)
``PROGRAMS_APPCONFIG_APPLICATION``  AppConfig application (source ``appconfig``)
``PROGRAMS_APPCONFIG_ENVIRONMENT``  AppConfig environment (source ``appconfig``)
``PROGRAMS_APPCONFIG_PROFILE``      AppConfig configuration profile holding the YAML (default ``programs``)
``PROGRAMS_MAX_AGE_SECONDS``        how long a fetched document is reused before AppConfig is asked
                                    again (default 300)
``CUSTOMERS_TABLE``                 the customers table the repository writes to (see ``repository.py``)
``MEDIA_BUCKET``                    where ``get_referral`` stores the share picture and ``list_offers`` the
                                    offers picture (none drawn when unset)
==================================  ===================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from messenger_bank.configuration import read_once
from messenger_bank.images.settings import MediaSettings

DEFAULT_PROGRAMS_FILE = Path(__file__).with_name("terms.yaml")


TelegramBotUsername = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")]
ViberChatUri = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
WhatsAppNumber = Annotated[str, StringConstraints(pattern=r"^\d{8,15}$")]
MessengerPage = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
DEEP_LINK_VARIABLES = {
    "telegram_bot_username": "TELEGRAM_BOT_USERNAME",
    "viber_chat_uri": "VIBER_CHAT_URI",
    "whatsapp_business_number": "WHATSAPP_BUSINESS_NUMBER",
    "messenger_page": "MESSENGER_PAGE",
}


class DeepLinksNotConfigured(RuntimeError):
    """A share link was asked for in a function the bot's names were not given to."""


class DeepLinks(BaseModel):
    """The bot's name on each messenger, as the share links carry it."""

    # Built on first use: the functions that make no share link (offers, cashback) import these settings too.
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    telegram_bot_username: TelegramBotUsername
    viber_chat_uri: ViberChatUri
    whatsapp_business_number: WhatsAppNumber
    messenger_page: MessengerPage


class ReferralSettings(MediaSettings):
    """``MEDIA_BUCKET`` as the images context defines it (none drawn when unset), and the programs' own values."""

    telegram_bot_username: TelegramBotUsername | None = None
    viber_chat_uri: ViberChatUri | None = None
    whatsapp_business_number: WhatsAppNumber | None = None
    messenger_page: MessengerPage | None = None

    programs_source: Literal["file", "appconfig"] = "file"
    programs_file: Path = DEFAULT_PROGRAMS_FILE
    appconfig_application: str | None = Field(
        default=None, validation_alias=AliasChoices("appconfig_application", "PROGRAMS_APPCONFIG_APPLICATION")
    )
    appconfig_environment: str | None = Field(
        default=None, validation_alias=AliasChoices("appconfig_environment", "PROGRAMS_APPCONFIG_ENVIRONMENT")
    )
    appconfig_profile: str = Field(
        default="programs", validation_alias=AliasChoices("appconfig_profile", "PROGRAMS_APPCONFIG_PROFILE")
    )
    programs_max_age_seconds: int = Field(default=300, ge=0, le=86_400)

    # People write the bot as @name and the number as +E.164; the links carry neither sign.
    @field_validator("telegram_bot_username", mode="before")
    @classmethod
    def _without_at(cls, value: object) -> object:
        return value.lstrip("@") if isinstance(value, str) else value

    @field_validator("whatsapp_business_number", mode="before")
    @classmethod
    def _without_plus(cls, value: object) -> object:
        return value.lstrip("+") if isinstance(value, str) else value

    @model_validator(mode="after")
    def _appconfig_named(self) -> ReferralSettings:
        if self.programs_source == "appconfig" and not (self.appconfig_application and self.appconfig_environment):
            raise ValueError("PROGRAMS_SOURCE=appconfig needs PROGRAMS_APPCONFIG_APPLICATION and _ENVIRONMENT")
        return self

    def deep_links(self) -> DeepLinks:
        """The four names together; ``DeepLinksNotConfigured`` names the variables that are missing."""
        missing = [variable for field, variable in DEEP_LINK_VARIABLES.items() if getattr(self, field) is None]
        if missing:
            raise DeepLinksNotConfigured(
                f"{', '.join(missing)} not set: the template passes them from its deep-link parameters"
            )
        return DeepLinks.model_validate({field: getattr(self, field) for field in DEEP_LINK_VARIABLES})


settings = read_once(ReferralSettings)
