"""One small local cloud for this package, built from tests' own template (stack/template.yaml)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local.cloud.cloud import LocalCloud
from local.cloud.config import CloudConfig
from local.ports import free_port

STACK = Path(__file__).with_name("stack")


@pytest.fixture(scope="package")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    config = CloudConfig(api_port=free_port(), moto_port=free_port(), ops_port=free_port(), stack_name="test")
    local_cloud = LocalCloud(
        config,
        state_dir=tmp_path_factory.mktemp("cloud"),
        template_path=STACK / "template.yaml",
        echo_logs=False,
        fake_platforms=False,
    )
    with local_cloud:
        yield local_cloud
