"""Where the bank's systems are and how patiently we call them, read from the environment once.

Either ``BANK_DIRECTORY_URL`` (the sandbox's directory: every system's base URL as JSON) or one URL per
system: ``BANK_KEYCLOAK_URL`` (the realm, e.g. ``http://127.0.0.1:8080/realms/bank``),
``BANK_PASSPORT_URL`` and ``BANK_BILLING_URL`` (SOAP endpoints), ``BANK_CERBERUS_URL``, ``BANK_CORE_URL``,
``BANK_ACQUIRER_URL``, ``BANK_PARTNERS_URL`` (REST roots). A per-system URL wins over the directory.
Timeouts and retries: ``BANK_CONNECT_TIMEOUT`` (s, 2), ``BANK_READ_TIMEOUT`` (s, 5), ``BANK_MAX_RETRIES``
(2), ``BANK_BACKOFF_BASE`` (s, 0.1), ``BANK_BACKOFF_MAX`` (s, 1), ``BANK_TOKEN_REFRESH_MARGIN`` (s, 30).
Circuit breakers (``banking.breaker``): ``BANK_BREAKERS_TABLE`` (none: no breaker), ``BANK_BREAKER_FAILURES``
(5 failed calls ...), ``BANK_BREAKER_WINDOW`` (s, 60: ... within this open it), ``BANK_BREAKER_COOL_DOWN``
(s, 30: then one call probes); the template's ``BankBreaker*`` parameters.
The directory, and every URL it hands out, must be https unless it is on this machine (the local cloud's
sandbox answers plain http on 127.0.0.1): credentials are sent to those URLs.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from typing import ClassVar, Literal

import httpx
from pydantic import Field

from messenger_bank.configuration import EnvironmentSettings, read_once
from messenger_bank.errors import BankSystemUnavailable

System = Literal["keycloak", "passport", "cerberus", "core", "billing", "acquirer", "partners"]
SYSTEMS: tuple[System, ...] = ("keycloak", "passport", "cerberus", "core", "billing", "acquirer", "partners")


class BankSettings(EnvironmentSettings):
    environment_prefix: ClassVar[str] = "BANK_"
    empty_is_unset: ClassVar[bool] = True

    directory_url: str | None = None
    keycloak_url: str | None = None
    passport_url: str | None = None
    cerberus_url: str | None = None
    core_url: str | None = None
    billing_url: str | None = None
    acquirer_url: str | None = None
    partners_url: str | None = None
    connect_timeout: float = Field(default=2.0, gt=0)
    read_timeout: float = Field(default=5.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=5)
    backoff_base: float = Field(default=0.1, ge=0)
    backoff_max: float = Field(default=1.0, ge=0)
    token_refresh_margin: float = Field(default=30.0, ge=0)
    breakers_table: str | None = None
    breaker_failures: int = Field(default=5, ge=1)
    breaker_window: float = Field(default=60.0, gt=0)
    breaker_cool_down: float = Field(default=30.0, gt=0)
    adult_age: int = 18
    currency: str = "BYN"

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.read_timeout, connect=self.connect_timeout)

    def url(self, system: System) -> str:
        """The system's base URL (SOAP: its endpoint; Keycloak: the realm), from env or the directory."""
        configured: str | None = getattr(self, f"{system}_url")
        if configured:
            return configured.rstrip("/")
        if self.directory_url:
            return _from_directory(self.directory_url, self.connect_timeout, self.read_timeout)[system]
        raise BankSystemUnavailable(
            f"no URL configured for {system}: set BANK_{system.upper()}_URL or BANK_DIRECTORY_URL"
        )


def require_tls_off_loopback(url: str) -> str:
    """The URL itself; BankSystemUnavailable when it is not https and its host is not a loopback address."""
    parsed = httpx.URL(url)
    if parsed.scheme == "https":
        return url
    if parsed.scheme == "http" and _is_loopback(parsed.host):
        return url
    raise BankSystemUnavailable(f"refusing a bank URL without TLS off this machine: {parsed.scheme}://{parsed.host}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_directory_lock = threading.Lock()
_directories: dict[str, dict[str, str]] = {}


def _from_directory(directory_url: str, connect: float, read: float) -> dict[str, str]:
    with _directory_lock:
        if directory_url not in _directories:
            require_tls_off_loopback(directory_url)
            try:
                response = httpx.get(directory_url, timeout=httpx.Timeout(read, connect=connect))
                response.raise_for_status()
                systems = response.json()["systems"]
                urls = {name: str(entry["base_url"]).rstrip("/") for name, entry in systems.items()}
                urls["keycloak"] = str(systems["keycloak"]["issuer"]).rstrip("/")
            except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
                raise BankSystemUnavailable("the bank directory cannot be read") from error
            for url in urls.values():
                require_tls_off_loopback(url)
            _directories[directory_url] = urls
        return _directories[directory_url]


bank_settings = read_once(BankSettings)


class BankSecretsSettings(EnvironmentSettings):
    """Where the bank's credentials come from (``banking.credentials``): ``BANK_SECRETS_SOURCE`` (env, ssm or
    secretsmanager), ``BANK_SECRETS_PREFIX`` and ``BANK_SECRETS_TTL`` (s, how long a value is kept)."""

    environment_prefix: ClassVar[str] = "BANK_SECRETS_"

    source: Literal["env", "ssm", "secretsmanager"] = "env"
    prefix: str = "/messenger-bank/bank"
    ttl: int = Field(default=300, ge=0)


bank_secrets_settings = read_once(BankSecretsSettings)


def env_name(name: str) -> str:
    return "BANK_SECRET_" + name.upper().replace("-", "_")


def local_secret(name: str) -> str | None:
    """A credential from its env var (``keycloak-client-secret``: ``BANK_SECRET_KEYCLOAK_CLIENT_SECRET``), locally."""
    return os.environ.get(env_name(name)) or None
