"""The monthly runs' listing (journeys/monthly.py) at a size where it takes more than one step: a step stops
once it holds a part S3 takes and its time is up, handing on where the scan goes on; the next step goes on
from there; the last completes one CSV object with every customer once under one header. The scan is a
stand-in of the table's pages; S3 is moto's, which refuses a part under 5 MiB but the last, as S3 does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from messenger_bank.journeys.monthly import MIN_PART_BYTES, list_customers

BUCKET = "media-bucket"
STARTED = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
PER_PAGE = 60_000  # ids of 36 characters and a newline: about 2.2 MB a page, so a part needs three pages


def customer(n: int) -> str:
    return f"{n:08d}-0000-4000-8000-000000000000"


def table(pages: int) -> list[tuple[list[str], dict[str, str] | None]]:
    """`pages` scan pages; each page after the first starts with the last customer of the one before (a
    customer's rows fall on both sides of a page's end)."""
    found = []
    for page in range(pages):
        ids = [customer(page * PER_PAGE + i) for i in range(PER_PAGE)]
        if page:
            ids.insert(0, customer(page * PER_PAGE - 1))
        found.append((ids, {"pk": f"CUSTOMER#{ids[-1]}", "sk": "CARD#1"} if page < pages - 1 else None))
    return found


def scan_of(pages: list[tuple[list[str], dict[str, str] | None]], asked: list[Any]) -> Any:
    def scan(start_key: dict[str, str] | None) -> Iterator[tuple[list[str], dict[str, str] | None]]:
        asked.append(start_key)
        first = 0 if start_key is None else [key for _, key in pages].index(start_key) + 1
        yield from pages[first:]

    return scan


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-central-1")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        yield client


def step(s3: Any, pages: Any, listing: Any) -> Any:
    return list_customers(
        "credit-statement", "2026-11", STARTED, pages, listing, bucket=BUCKET, s3_client=s3, budget_s=0
    )


def test_a_long_scan_is_listed_in_steps_into_one_object_with_every_customer_once(s3: Any) -> None:
    pages, asked = table(4), []
    scan = scan_of(pages, asked)

    listed, listing = step(s3, scan, None)
    assert listing is not None and len(listing.parts) == 1  # three pages: over 5 MiB, and the time is up
    assert listing.start_key == pages[2][1] and listed.count == 3 * PER_PAGE
    listed, done = step(s3, scan, listing)

    assert done is None and asked == [None, pages[2][1]]
    body = s3.get_object(Bucket=BUCKET, Key=listed.key)["Body"].read().decode()
    header, *rows = body.splitlines()
    assert header == "customer_id"
    assert rows == [customer(n) for n in range(4 * PER_PAGE)]  # the repeated customers once, in scan order
    assert listed.count == len(rows)
    assert len(body.encode()) > MIN_PART_BYTES


def test_a_scan_that_fits_in_one_step_is_one_part(s3: Any) -> None:
    listed, listing = step(s3, scan_of(table(1), []), None)

    assert listing is None and listed.count == PER_PAGE
    assert listed.key == "monthly-runs/credit-statement/2026-11/20261201T030000000000Z.csv"


def test_a_step_keeps_scanning_until_its_part_is_one_s3_takes_whatever_its_time(s3: Any) -> None:
    # Two pages are under 5 MiB: the first step may not stop after them, or the object could not be completed.
    listed, listing = step(s3, scan_of(table(2), []), None)

    assert listing is None and listed.count == 2 * PER_PAGE
