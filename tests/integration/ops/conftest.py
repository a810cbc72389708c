"""A moto server, the three finished executions, and the operations view over them, once per package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.ops import OpsView, start_ops_view
from tests.integration.ops.journeys import Journeys, moto_server, run_journeys, write_logs


@pytest.fixture(scope="package")
def journeys() -> Iterator[Journeys]:
    with moto_server() as endpoint:
        yield run_journeys(endpoint)


@pytest.fixture(scope="package")
def logs_dir(tmp_path_factory: pytest.TempPathFactory, journeys: Journeys) -> Path:
    directory = tmp_path_factory.mktemp("logs")
    write_logs(directory, journeys)
    return directory


@pytest.fixture(scope="package")
def ops_view(journeys: Journeys, logs_dir: Path) -> Iterator[OpsView]:
    view = start_ops_view(
        aws_endpoint=journeys.endpoint,
        region=journeys.region,
        logs_dir=logs_dir,
        platforms_url="http://127.0.0.1:8081",
    )
    yield view
    view.stop()


@pytest.fixture
def api(ops_view: OpsView) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ops_view.url, timeout=10) as client:
        yield client
