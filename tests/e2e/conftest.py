"""One local cloud for the end-to-end suites: the real template, moto, the Lambda runner, the API
front, the fake platforms and the bank sandbox, all on free ports of 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.cloud.cloud import LocalCloud
from local.cloud.config import CloudConfig
from local.ports import free_port
from local.sandbox.config import SYSTEMS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the local cloud runs on one xdist worker: one cloud, not one per worker."""
    for item in items:
        if "cloud" in getattr(item, "fixturenames", ()) and item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("local-cloud"))


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    config = CloudConfig(
        api_port=free_port(),
        moto_port=free_port(),
        platforms_port=free_port(),
        ops_port=free_port(),
        sandbox_ports=dict.fromkeys(SYSTEMS, 0),
        # Short redelivery so that a poison update reaches the dead-letter queue within a test.
        # (no shorter than the conversation's 10 s timeout: a slow turn must not be delivered twice).
        parameter_overrides={"InboundVisibilityTimeout": "10", "InboundMaxReceives": "2"},
    )
    local_cloud = LocalCloud(config, state_dir=tmp_path_factory.mktemp("cloud"), echo_logs=False)
    with local_cloud:
        yield local_cloud
