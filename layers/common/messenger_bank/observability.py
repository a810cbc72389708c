"""The only place Logger, Tracer and Metrics are created; every module imports them from here."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

# Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE (template Globals).
logger = Logger()
tracer = Tracer()
metrics = Metrics()
