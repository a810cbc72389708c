"""One local cloud for the end-to-end suites: the real template, moto, the Lambda runner, the API
front, the fake platforms and the bank sandbox, all on free ports of 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from local.cloud.cloud import LocalCloud
from local.cloud.config import CloudConfig

# The step-up policy's amounts in the e2e cloud (template parameters), small so that its cases move small
# sums: 100.00 BYN a day free of a code, 300.00 BYN a day at most. Every other suite moves less than the
# free amount per customer (each case makes its own), so none of them is asked for a code.
SPENDING_FREE_PER_DAY_MINOR = 10_000
SPENDING_LIMIT_PER_DAY_MINOR = 30_000
SECRETS_PREFIX = "/messenger-bank/dev"  # the template's default, which the cloud seeds


# The journey matrix (test_journeys.py) is the longest module by far; its columns share nothing, so each
# messenger's column is a unit of its own.
SPREAD_BY = {"tests/e2e/test_journeys.py": "messenger"}


# First: xdist's own hook on each worker reads the groups into the tests' ids, and a group added after it is none.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each module that needs a local cloud (each column of the matrix) is a unit of xdist's `loadgroup`
    scheduling: its tests run on one worker, in order (they share the chats they build), and each worker
    starts one cloud for the units it runs. xdist hands the units out biggest first and gives a worker the
    next one as it runs low, so the workers end near together whatever each unit costs. The leftovers scan
    runs last in the unit of the transfers, where card numbers are typed. Without xdist the groups mean
    nothing."""
    for item in items:
        if _needs_cloud(item):
            unit = _unit(item)
            if unit == "tests/e2e/test_zz_leftovers.py":
                unit = "tests/e2e/test_transfers.py"
            # xdist reads a group after the last "@" of a test's id, and only past its last "]".
            item.add_marker(pytest.mark.xdist_group("local-cloud-" + re.sub(r"[^\w.-]", "-", unit)))


def _unit(item: pytest.Item) -> str:
    module = item.nodeid.split("::")[0]
    spread_by = SPREAD_BY.get(module)
    callspec = getattr(item, "callspec", None)
    return f"{module}[{callspec.params[spread_by]}]" if spread_by and callspec is not None else module


def _needs_cloud(item: pytest.Item) -> bool:
    return "cloud" in getattr(item, "fixturenames", ()) and item.get_closest_marker("e2e") is not None


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    config = CloudConfig.on_free_ports(
        # Short redelivery so that a poison update reaches the dead-letter queue within a test.
        # (no shorter than the conversation's 10 s timeout: a slow turn must not be delivered twice).
        parameter_overrides={
            "InboundVisibilityTimeout": "10",
            "InboundMaxReceives": "2",
            "SpendingFreePerDayMinor": str(SPENDING_FREE_PER_DAY_MINOR),
            "SpendingLimitPerDayMinor": str(SPENDING_LIMIT_PER_DAY_MINOR),
            # A breaker opened by a suite's injected faults lets a probe through after 5 s, not 30 (test_outage.py).
            "BankBreakerCoolDownSeconds": "5",
        },
        # A module's functions go cold a while after it ends: a worker's cloud holds what its next module uses,
        # so more clouds fit side by side (docs/testing.md, "Suite run time").
        idle_environment_s=180,
        # One batch of the inbound queue at a time, as before the event source ran them side by side: with the
        # short visibility timeout above, a turn that outlasts it on a loaded machine (cold functions) is taken
        # again while its first delivery still runs, and the chat's turns cross. Side by side batches are
        # tested on their own (tests/integration/local_cloud) and are what `make run` and the benches use.
        event_source_batches=1,
        # The conversation reads the published flows on every turn (30 s of Powertools' cache on AWS): a turn's
        # reply is the barrier after a publish (test_publishing_flows.py).
        endpoint_overrides={"FLOWS_MAX_AGE_S": "0"},
    )
    local_cloud = LocalCloud(config, state_dir=tmp_path_factory.mktemp("cloud"), echo_logs=False)
    with local_cloud:
        yield local_cloud


@pytest.fixture(scope="module")
def the_clouds_identity_key(cloud: LocalCloud) -> Iterator[None]:
    """Digests a test computes (a chat's binding, a phone's guard) made with the cloud's own identity key,
    read from its SSM, so that they name what the functions wrote (security/digests.py)."""
    import messenger_bank.security.digests as digests

    name = f"{SECRETS_PREFIX}/security/identity-key"
    key = str(cloud.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(digests, "_identity_key", lambda: key)
        yield
