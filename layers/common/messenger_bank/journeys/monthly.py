"""What the bank's monthly journeys (the cashback payout, the credit statement) are started with and hand their
Map: one shape for both, each journey naming it in its own words (purchases/models.py, cards/models.py).

A month's customers are millions (19.8 M retail customers): they never travel in the run's state (256 KB a
state, about 10,000 ids). The listing step writes them to S3 as a CSV object with one column,
``customer_id`` (``monthly-runs/<journey>/<month>/<start>.csv`` in the media bucket, expired with it), and hands
the Map only where it is; the journey's Distributed Map reads the object itself (ItemReader) and writes each
customer's result back to S3 (ResultWriter)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Literal

import boto3
from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.images.settings import media_settings
from messenger_bank.types import CustomerId, Month

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MONTHLY_RUNS_PREFIX = "monthly-runs"
Journey = Literal["cashback-payout", "credit-statement"]
CUSTOMER_COLUMN = "customer_id"  # the CSV's header: the Map's ReaderConfig reads it as each item's field


class MonthlyRunInput(BaseModel):
    """What the journey is started with: the schedule's time (``<aws.scheduler.scheduled-time>``), or a
    month named by the one who starts it (``make cashback-payout MONTH=2026-11``, ``make credit-statement
    MONTH=2026-11``), or nothing."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    month: Month | None = None
    scheduled_at: datetime | None = None


class MonthlyRunStart(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input: MonthlyRunInput = Field(default_factory=MonthlyRunInput)
    started_at: datetime = Field(description="the execution's start ($$.Execution.StartTime)")


class CustomersList(BaseModel):
    """Where a run's customers are: the S3 object its Distributed Map reads (ItemReader), and how many."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bucket: str
    key: str
    count: int = Field(ge=0)


class MonthlyRun(BaseModel):
    """The month the run is for and where its customers are (the journey's Map reads them from there)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    month: Month
    customers: CustomersList


@cache
def _s3() -> S3Client:
    return boto3.client("s3")


def list_key(journey: Journey, month: str, started_at: datetime) -> str:
    """The run's list: one object per execution (its start), so a run started again lists afresh and a
    redriven one reads the list it began with."""
    return f"{MONTHLY_RUNS_PREFIX}/{journey}/{month}/{started_at.strftime('%Y%m%dT%H%M%S%fZ')}.csv"


def write_customers(
    journey: Journey,
    month: str,
    started_at: datetime,
    customers: Iterable[CustomerId],
    *,
    bucket: str | None = None,
    s3_client: S3Client | None = None,
) -> CustomersList:
    """The customers written to S3 as the run's list, one a line under the header ``customer_id``; spooled to
    a temporary file past 64 MB and uploaded in parts (boto3's managed upload), so no size is held twice."""
    where = bucket or media_settings().bucket()
    key = list_key(journey, month, started_at)
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as listed:
        lines = io.TextIOWrapper(listed, encoding="utf-8", newline="")
        rows = csv.writer(lines, lineterminator="\n")  # RFC 4180: an id with a comma or a quote stays one field
        rows.writerow([CUSTOMER_COLUMN])
        for customer in customers:
            rows.writerow([customer])
            count += 1
        lines.detach()  # flushed; the spooled file stays open for the upload
        listed.seek(0)
        (s3_client or _s3()).upload_fileobj(listed, where, key, ExtraArgs={"ContentType": "text/csv"})
    return CustomersList(bucket=where, key=key, count=count)


class MonthlyItem(BaseModel):
    """One customer's month (an item of the journey's Map)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    customer_id: CustomerId
    month: Month
