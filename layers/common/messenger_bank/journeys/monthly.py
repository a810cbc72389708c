"""What the bank's monthly journeys (the cashback payout, the credit statement) are started with and hand their
Map: one shape for both, each journey naming it in its own words (purchases/models.py, cards/models.py).

A month's customers are millions (19.8 M retail customers): they never travel in the run's state (256 KB a
state, about 10,000 ids). The listing writes them to S3 as a CSV object with one column, ``customer_id``
(``monthly-runs/<journey>/<month>/<start>.csv`` in the media bucket, expired with it), and hands the Map only
where it is; the journey's Distributed Map reads the object itself (ItemReader) and writes each customer's
result back to S3 (ResultWriter). The scan of millions of rows outlasts one Lambda (15 minutes): the listing
is paginated, each listing step scanning for ten minutes from where the last one stopped and uploading its
customers as the next part of one multipart upload, the journey looping until the scan has ended."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Literal

import boto3
from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.images.settings import media_settings
from messenger_bank.tables import ScanKey
from messenger_bank.types import CustomerId, Month

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MONTHLY_RUNS_PREFIX = "monthly-runs"
Journey = Literal["cashback-payout", "credit-statement"]
CUSTOMER_COLUMN = "customer_id"  # the CSV's header: the Map's ReaderConfig reads it as each item's field


# Every model here is built on its first use (defer_build): the card functions import this module for the
# statement run's types, and only the monthly runs' own steps validate with them.
class MonthlyRunInput(BaseModel):
    """What the journey is started with: the schedule's time (``<aws.scheduler.scheduled-time>``), or a
    month named by the one who starts it (``make cashback-payout MONTH=2026-11``, ``make credit-statement
    MONTH=2026-11``), or nothing."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    month: Month | None = None
    scheduled_at: datetime | None = None


class MonthlyRunStart(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    input: MonthlyRunInput = Field(default_factory=MonthlyRunInput)
    started_at: datetime = Field(description="the execution's start ($$.Execution.StartTime)")
    listing: Listing | None = Field(default=None, description="the listing under way (None: the first step)")


class CustomersList(BaseModel):
    """Where a run's customers are: the S3 object its Distributed Map reads (ItemReader), and how many."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    bucket: str
    key: str
    count: int = Field(ge=0)


class UploadedPart(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    number: int = Field(ge=1, le=10_000)
    etag: str


class Listing(BaseModel):
    """A listing under way: the list's multipart upload, its parts so far, and where the scan goes on. The
    listing step hands it to the next listing step (the journey loops) until the scan has ended."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    upload_id: str
    parts: tuple[UploadedPart, ...] = ()
    start_key: dict[str, str] | None = None
    last_customer: CustomerId | None = None
    count: int = Field(default=0, ge=0)


class MonthlyRun(BaseModel):
    """The month the run is for and where its customers are (the journey's Map reads them from there once
    ``listing`` is None: the list is complete)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    month: Month
    customers: CustomersList
    listing: Listing | None = None


Pages = Callable[[ScanKey | None], Iterator[tuple[list[str], ScanKey | None]]]
MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part of a multipart upload, but the last
LISTING_SECONDS = 600.0  # a listing step's scanning, well inside its Lambda's 900 s


@cache
def _s3() -> S3Client:
    return boto3.client("s3")


def list_key(journey: Journey, month: str, started_at: datetime) -> str:
    """The run's list: one object per execution (its start), so a run started again lists afresh and a
    redriven one reads the list it began with."""
    return f"{MONTHLY_RUNS_PREFIX}/{journey}/{month}/{started_at.strftime('%Y%m%dT%H%M%S%fZ')}.csv"


def list_customers(
    journey: Journey,
    month: str,
    started_at: datetime,
    pages: Pages,
    listing: Listing | None,
    *,
    bucket: str | None = None,
    s3_client: S3Client | None = None,
    budget_s: float = LISTING_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[CustomersList, Listing | None]:
    """One listing step: the scan's pages from where the last step stopped (`listing`; None: the first step),
    written as the next part of the run's list in S3 (one a line under the header ``customer_id``). A step
    stops after `budget_s` once it holds a part S3 takes (5 MiB), handing on the listing; the step that reads
    the scan's last page completes the object and hands on None.

    A customer's rows are one item collection, next to each other in the scan: a customer met again right
    after itself is listed once (a customer listed twice would cost a child, never a second payment or
    statement: each is keyed)."""
    s3 = s3_client or _s3()
    where = bucket or media_settings().bucket()
    key = list_key(journey, month, started_at)
    if listing is None:
        upload = s3.create_multipart_upload(Bucket=where, Key=key, ContentType="text/csv")
        listing = Listing(upload_id=upload["UploadId"])
    text = io.StringIO()
    rows = csv.writer(text, lineterminator="\n")  # RFC 4180: an id with a comma or a quote stays one field
    if not listing.parts:
        rows.writerow([CUSTOMER_COLUMN])
    last, count, started = listing.last_customer, listing.count, clock()
    next_key: ScanKey | None = None
    for customers, next_key in pages(listing.start_key):
        for customer in customers:
            if customer != last:
                rows.writerow([customer])
                count, last = count + 1, customer
        if next_key is not None and text.tell() >= MIN_PART_BYTES and clock() - started >= budget_s:
            break
    body = text.getvalue().encode()
    number = len(listing.parts) + 1
    part = s3.upload_part(Bucket=where, Key=key, UploadId=listing.upload_id, PartNumber=number, Body=body)
    parts = (*listing.parts, UploadedPart(number=number, etag=part["ETag"]))
    listed = CustomersList(bucket=where, key=key, count=count)
    if next_key is not None:
        return listed, Listing(
            upload_id=listing.upload_id, parts=parts, start_key=next_key, last_customer=last, count=count
        )
    s3.complete_multipart_upload(
        Bucket=where,
        Key=key,
        UploadId=listing.upload_id,
        MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]},
    )
    return listed, None


class MonthlyItem(BaseModel):
    """One customer's month (an item of the journey's Map)."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="ignore")

    customer_id: CustomerId
    month: Month
