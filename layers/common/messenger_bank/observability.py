"""The only place Logger and Metrics are created; every module imports them from here.

Tracing is Lambda's own (`Tracing: Active` in the template), not the X-Ray SDK: the runtime records each
invocation's segment and botocore forwards its trace header on every AWS call, so a customer's turn stays one
trace across the functions and state machines it reaches, at no import cost (the SDK took ~220 ms of every
cold start and is in maintenance mode). Each log line carries `correlation_id` and `xray_trace_id`: a turn's
logs lead to its trace.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from messenger_bank.security.logging import install_redaction

# Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE (template Globals).
logger = Logger()
# Card numbers and fields like pin, password, passport or token never reach a log line.
install_redaction(logger)
# The template sets the namespace; the default keeps scripts and tests that emit a metric working.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "MessengerBank"))


def count(name: str, *, value: float = 1, unit: MetricUnit = MetricUnit.Count, **dimensions: str) -> None:
    """One metric with dimensions of its own (a messenger, a bank system), in a blob of its own, so that
    its dimensions do not attach to the function's other metrics."""
    with single_metric(
        name=name, unit=unit, value=value, namespace=metrics.namespace, default_dimensions=metrics.default_dimensions
    ) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
