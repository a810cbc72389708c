"""Unit tests run without SSM: the identity key (the HMAC key of phone, chat and passport digests,
``security/identity-key`` in a deployment) is a fixed test key here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

IDENTITY_KEY = b"i" * 16 + b"identity-digest-key-for-unit-tests"


@pytest.fixture(autouse=True)
def identity_key(monkeypatch: pytest.MonkeyPatch) -> bytes:
    import messenger_bank.security.digests as digests

    monkeypatch.setattr(digests, "_identity_key", lambda: IDENTITY_KEY)
    return IDENTITY_KEY


@pytest.fixture(autouse=True)
def settings_read_afresh() -> None:
    """Each case reads the environment it sets (a Lambda reads it once per cold start)."""
    from messenger_bank.configuration import forget_settings

    forget_settings()


@pytest.fixture(autouse=True)
def metrics_afresh() -> None:
    """Each case starts with no metric added: the metrics object is shared by the process (as in a Lambda), and a
    case that adds one without a handler to flush it would leave it in the next case's flushed metrics."""
    from messenger_bank.observability import metrics

    metrics.clear_metrics()


@pytest.fixture
def emitted_metrics() -> Callable[[], dict[str, tuple[str, float]]]:
    """What the code under test added to the function's metrics since the case began: name → (unit, total).

    Read from Powertools' own metric set (what the handler's `log_metrics` flushes as EMF), so a wrong name, unit
    or value fails the case that names it; `single_metric` (metrics with a dimension of their own) is not here."""
    from messenger_bank.observability import metrics

    def emitted() -> dict[str, tuple[str, float]]:
        return {name: (str(entry["Unit"]), float(sum(entry["Value"]))) for name, entry in metrics.metric_set.items()}

    return emitted


@pytest.fixture
def customers_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The template's customers table on moto, for the case, as the boto3 Table resource a repository takes."""
    import boto3
    from moto import mock_aws

    from tests.support.aws import create_table

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    with mock_aws():
        yield boto3.resource("dynamodb").Table(create_table(boto3.client("dynamodb"), "CustomersTable"))


class _LambdaContext:
    function_name = "a_function"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:a_function"
    aws_request_id = "req-1"


@pytest.fixture
def lambda_context() -> _LambdaContext:
    """What Powertools reads of a Lambda context, for a handler called in a test."""
    return _LambdaContext()
