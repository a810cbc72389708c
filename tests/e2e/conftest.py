"""One local cloud for the end-to-end suites: the real template, moto, the Lambda runner, the API
front, the fake platforms and the bank sandbox, all on free ports of 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from local.cloud.cloud import LocalCloud
from local.cloud.config import CloudConfig
from local.sandbox.config import SYSTEMS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    config = CloudConfig(
        api_port=free_port(),
        moto_port=free_port(),
        platforms_port=free_port(),
        ops_port=free_port(),
        sandbox_ports=dict.fromkeys(SYSTEMS, 0),
        # Short redelivery so that a poison update reaches the dead-letter queue within a test.
        parameter_overrides={"InboundVisibilityTimeout": "4", "InboundMaxReceives": "2"},
    )
    local_cloud = LocalCloud(config, state_dir=tmp_path_factory.mktemp("cloud"), echo_logs=False)
    with local_cloud:
        yield local_cloud
