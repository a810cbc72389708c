"""Flows and catalogue published as configuration (AWS AppConfig hosted configuration), not as code.

A product person changes `flows/*.yaml` or `catalogue/*.yaml` and publishes them (`make publish-flows` locally;
AppConfig's StartDeployment on AWS). What is published is one JSON document, a `Bundle`: every flow file, every
catalogue file and every conversation test (`conversations/*.yaml`) as text, with a label saying who published
what. The configuration profile's validator (functions/workers/flow_validator) lints the bundle's flows and plays
its conversations before AppConfig deploys it (conversation/checks.py), so a broken flow never reaches customers.

The conversation function asks for the deployed bundle on each turn (`live()`): Powertools' AppConfig provider
keeps it for `FLOWS_MAX_AGE_S` seconds, so a published version reaches the next turns within that time without a
deploy. With no configuration deployed (or none configured: unit tests, scripts), or a bundle that does not
load, it speaks the flows and catalogue packaged with the code. The journeys' registry, the operations and the
NLU stay code: a flow can use only what is deployed.

Environment: ``FLOWS_APPCONFIG_APPLICATION``, ``FLOWS_APPCONFIG_ENVIRONMENT``, ``FLOWS_APPCONFIG_PROFILE`` (ids
or names; unset: the packaged flows) and ``FLOWS_MAX_AGE_S`` (30).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from messenger_bank.configuration import EnvironmentSettings, read_once
from messenger_bank.conversation import catalogue as catalogue_module
from messenger_bank.conversation.flows import (
    PACKAGE_DIR,
    REGISTRY_FILE,
    FlowFileError,
    FlowSet,
    default_flows,
    load_flows,
)
from messenger_bank.observability import logger
from messenger_bank.types import LANGUAGES

CONVERSATIONS_DIR = PACKAGE_DIR / "conversations"
CONTENT_TYPE = "application/json"
PACKAGED = "packaged"
_FILE = r"[a-z][a-z0-9_]{0,59}\.yaml"  # a bare file name: unpacking a bundle never leaves its folder


class Bundle(BaseModel):
    """What is published: the files of the three folders a product person edits, as text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = 1
    label: str = Field(default="", max_length=200, description="who published what, for the operators")
    flows: dict[str, str] = Field(min_length=1)
    catalogue: dict[str, str] = Field(min_length=1)
    conversations: dict[str, str] = Field(default_factory=dict)

    @field_validator("flows", "catalogue", "conversations")
    @classmethod
    def _file_names(cls, files: dict[str, str]) -> dict[str, str]:
        for name in files:
            if not re.fullmatch(_FILE, name):
                raise ValueError(f"{name!r} is not a file name a bundle may carry (lower-case `name.yaml`)")
        return files

    @field_validator("catalogue")
    @classmethod
    def _every_language(cls, files: dict[str, str]) -> dict[str, str]:
        missing = sorted({f"{language}.yaml" for language in LANGUAGES} - set(files))
        if missing:
            raise ValueError(f"the catalogue has no {', '.join(missing)}: every language is published together")
        return files

    def to_bytes(self) -> bytes:
        return json.dumps(self.model_dump(), ensure_ascii=False, sort_keys=True).encode()

    @property
    def digest(self) -> str:
        """The same files give the same digest, whoever publishes them and whatever the label."""
        files = self.model_dump(exclude={"label"})
        return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:12]


class BundleRefused(ValueError):
    """Not a bundle: not JSON, or not the bundle's shape."""


def read_bundle(raw: bytes | str) -> Bundle:
    try:
        return Bundle.model_validate_json(raw)
    except (ValidationError, ValueError) as error:
        raise BundleRefused(f"the configuration is not a flows bundle: {error}") from None


def bundle_from(root: Path = PACKAGE_DIR, *, label: str = "") -> Bundle:
    """The bundle of a conversation folder (`flows/`, `catalogue/`, `conversations/` under `root`)."""

    def folder(name: str) -> dict[str, str]:
        return {p.name: p.read_text(encoding="utf-8") for p in sorted((root / name).glob("*.yaml"))}

    return Bundle(
        label=label, flows=folder("flows"), catalogue=folder("catalogue"), conversations=folder("conversations")
    )


def unpack(bundle: Bundle, into: Path) -> Path:
    """Write the bundle as a conversation folder (with the packaged journeys' registry) and return it.

    (Files, not text in memory: the flow loader and the linter report `file:line` and read folders.)
    """
    folders = {"flows": bundle.flows, "catalogue": bundle.catalogue, "conversations": bundle.conversations}
    for name, files in folders.items():
        folder = into / name
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, text in files.items():
            (folder / file_name).write_text(text, encoding="utf-8")
    shutil.copyfile(REGISTRY_FILE, into / "registry.yaml")
    return into


@dataclass(frozen=True)
class Content:
    """Flows and catalogue the bot speaks, and which version they are."""

    flows: FlowSet
    messages: dict[str, dict[str, str]]
    version: str  # "packaged", or the bundle's digest
    label: str = ""


def load_content(bundle: Bundle) -> Content:
    """The flows and catalogue of a bundle. FlowFileError when a flow does not load."""
    folder = unpack(bundle, Path(tempfile.mkdtemp(prefix=f"flows-{bundle.digest}-")))
    flows = load_flows(folder / "flows")
    messages = catalogue_module.load_catalogue(folder / "catalogue")
    return Content(flows=flows, messages=messages, version=bundle.digest, label=bundle.label)


def packaged_content() -> Content:
    return Content(flows=default_flows(), messages=catalogue_module.packaged(), version=PACKAGED)


class PublishedSettings(EnvironmentSettings):
    environment_prefix: ClassVar[str] = "FLOWS_"
    empty_is_unset: ClassVar[bool] = True

    appconfig_application: str | None = None
    appconfig_environment: str | None = None
    appconfig_profile: str | None = None
    max_age_s: int = Field(default=30, ge=0, le=3600)

    @property
    def configured(self) -> bool:
        return bool(self.appconfig_application and self.appconfig_environment and self.appconfig_profile)


published_settings = read_once(PublishedSettings)

_loaded: dict[str, Content] = {}  # the last published version loaded in this process, by its raw bytes' digest
_spoken: list[Content] = []  # what the last turn spoke: kept while AppConfig cannot be asked
# Until when (monotonic) a failed fetch is not tried again: Powertools caches values, not failures, and with
# nothing deployed every turn would otherwise pay two AppConfig calls to learn it again.
_quiet_until: list[float] = [0.0]


class NothingDeployed(Exception):
    """AppConfig has no deployed version of the flows (never published, or its first deployment rolled back)."""


def _fetch() -> bytes | None:
    """The deployed configuration's bytes (cached by Powertools for max_age); None while a failure is recent.

    NothingDeployed when AppConfig says so; any other failure (AppConfig unreachable) as it came."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    settings = published_settings()
    if time.monotonic() < _quiet_until[0]:
        return None
    try:
        raw = parameters.get_app_config(
            name=str(settings.appconfig_profile),
            environment=str(settings.appconfig_environment),
            application=settings.appconfig_application,
            max_age=settings.max_age_s,
        )
    except Exception as error:
        _quiet_until[0] = time.monotonic() + settings.max_age_s
        # The session's token may be spent: the next try starts a new session.
        DEFAULT_PROVIDERS.pop("appconfig", None)
        if "ResourceNotFoundException" in str(error):
            raise NothingDeployed(str(error)) from error
        raise
    if isinstance(raw, str):
        return raw.encode()
    return bytes(raw) if raw else None


def _content_of(raw: bytes) -> Content:
    key = hashlib.sha256(raw).hexdigest()
    if key not in _loaded:
        content = load_content(read_bundle(raw))
        _loaded.clear()
        _loaded[key] = content
    return _loaded[key]


def live() -> Content:
    """The flows and catalogue to speak this turn: the deployed bundle; the packaged ones when nothing is deployed
    (or none is configured); what the last turn spoke while AppConfig cannot be asked.

    Installs the catalogue for the process (catalogue.text speaks it) and logs each change of version once.
    """
    before = _spoken[0] if _spoken else packaged_content()
    content = packaged_content()
    if published_settings().configured:
        try:
            raw = _fetch()
            content = _content_of(raw) if raw else before
        except NothingDeployed:
            content = packaged_content()
        except (BundleRefused, FlowFileError) as error:  # the validator passed it: a defect of ours, said loudly
            logger.error("published flows do not load; speaking the packaged ones", extra={"reason": str(error)})
        except Exception as error:  # AppConfig unreachable: what was spoken goes on
            logger.warning("published flows unreachable", extra={"reason": type(error).__name__})
            content = before
    catalogue_module.install(None if content.version == PACKAGED else content.messages)
    if content.version != before.version or not _spoken:
        logger.info("flows version", extra={"flows_version": content.version, "flows_label": content.label})
    _spoken[:] = [content]
    return content
