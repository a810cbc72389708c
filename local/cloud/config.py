"""The local cloud's settings: ports, and the development values of the secrets.

Every value can be overridden by exporting the variable of the same name before `make run`; the
secrets are written into the local SSM under the template's SecretsPrefix, where the functions read
them exactly as they do on AWS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from messenger_bank.secrets import SecretName

# Development defaults. They are not secrets: they only ever meet the fake platforms on 127.0.0.1.
DEV_SECRETS: dict[SecretName, str] = {
    "TELEGRAM_BOT_TOKEN": "1000000001:AAdev-telegram-token-for-the-local-cloud",
    "TELEGRAM_SECRET_TOKEN": "dev-telegram-webhook-secret",
    "VIBER_AUTH_TOKEN": "4f00000000000001-dev-viber-auth-token",
    "META_APP_SECRET": "dev-meta-app-secret",
    "META_VERIFY_TOKEN": "dev-meta-verify-token",
    "WHATSAPP_ACCESS_TOKEN": "dev-whatsapp-access-token",
    "WHATSAPP_PHONE_NUMBER_ID": "100000000000001",
    "MESSENGER_PAGE_ACCESS_TOKEN": "dev-messenger-page-token",
}

# Function environment variables the local cloud points at its own services unless exported.
LOCAL_ENDPOINT_VARIABLES = (
    "TELEGRAM_API_BASE_URL",
    "VIBER_API_BASE_URL",
    "META_GRAPH_API_BASE_URL",
    "BANK_DIRECTORY_URL",
)


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    return int(environ.get(name, default))


@dataclass(frozen=True)
class CloudConfig:
    host: str = "127.0.0.1"
    api_port: int = 3000
    moto_port: int = 5000
    platforms_port: int = 8081
    ops_port: int = 8082
    # The bank sandbox's ports by system (None: its documented defaults; 0: any free port).
    sandbox_ports: Mapping[str, int] | None = None
    stack_name: str = "messenger-bank"
    region: str = "eu-central-1"
    account: str = "123456789012"
    secrets: Mapping[str, str] = field(default_factory=lambda: {str(k): v for k, v in DEV_SECRETS.items()})
    endpoint_overrides: Mapping[str, str] = field(default_factory=dict)  # exported *_BASE_URL values
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    # A warm Lambda execution environment left idle this long is shut down (Lambda reclaims idle ones after
    # some minutes; each holds a Python process of 60-100 MB here).
    idle_environment_s: float = 600.0
    # Batches each SQS event source runs at once (local/cloud/event_sources.py): 1 makes every chat's turn wait for
    # the batch before it, whatever its chat.
    event_source_batches: int = 5

    @classmethod
    def on_free_ports(cls, **overrides: Any) -> CloudConfig:
        """A cloud of its own beside any other (tests, benches, a one-off invoke): every port free, the
        sandbox's systems on free ports too."""
        from local.ports import free_port
        from local.sandbox.config import SYSTEMS

        ports = {name: free_port() for name in ("api_port", "moto_port", "platforms_port", "ops_port")}
        return cls(**{**ports, "sandbox_ports": dict.fromkeys(SYSTEMS, 0), **overrides})

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> CloudConfig:
        return cls(
            api_port=_port(environ, "API_PORT", 3000),
            moto_port=_port(environ, "MOTO_PORT", 5000),
            platforms_port=_port(environ, "PLATFORMS_PORT", 8081),
            ops_port=_port(environ, "OPS_PORT", 8082),
            stack_name=environ.get("STACK_NAME", "messenger-bank"),
            region=environ.get("AWS_REGION", "eu-central-1"),
            secrets={name: environ.get(name, default) for name, default in DEV_SECRETS.items()},
            endpoint_overrides={name: environ[name] for name in LOCAL_ENDPOINT_VARIABLES if environ.get(name)},
        )
