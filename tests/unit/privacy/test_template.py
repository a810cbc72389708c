"""Least privilege for data the customer controls, as template.yaml grants it: only forget_customer may scan
and delete, and only in the tables its sweep reads (never the security records, the card tokens or the bank
breakers) and the media bucket's objects; "My data" only reads; withdrawing a consent only updates. Each
reads the tables and bucket from the environment its settings name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.cloud.template import transform
from tests.unit.test_least_privilege import _as_list, _statements, roles_by_function
from tests.unit.test_template import ROOT

PRIVACY = ("GetMyDataFunction", "WithdrawConsentFunction", "ForgetCustomerFunction")


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    document = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012")
    return document.resources


def grants(role: dict[str, Any]) -> dict[str, set[str]]:
    """Each action the role allows, with the resources it names (as text)."""
    found: dict[str, set[str]] = {}
    for statement in _statements(role):
        for action in _as_list(statement["Action"]):
            found.setdefault(str(action), set()).update(json.dumps(r) for r in _as_list(statement["Resource"]))
    return found


def deleting(role: dict[str, Any]) -> set[str]:
    return {a for a in grants(role) if a in {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "s3:DeleteObject"}}


def test_only_forget_customer_deletes_and_only_where_its_sweep_looks(transformed: dict[str, Any]) -> None:
    roles = roles_by_function(transformed)
    forget = grants(roles["ForgetCustomerFunction"])
    deleted_in = " ".join(forget["dynamodb:DeleteItem"])
    for table in ("CustomersTable", "SessionsTable", "JourneyWaitsTable", "HandoffsTable"):
        assert table in deleted_in, table
    for table in ("IdempotencyTable", "SecurityTable", "CardTokensTable", "BankBreakersTable", "SendRatesTable"):
        assert table not in json.dumps(_statements(roles["ForgetCustomerFunction"])), table
    assert all("MediaBucket" in r and "/*" in r for r in forget["s3:DeleteObject"])
    assert not any(a.startswith("s3:Put") or a.startswith("kms:") for a in forget)
    assert deleting(roles["GetMyDataFunction"]) == set() and deleting(roles["WithdrawConsentFunction"]) == set()


def test_forgetting_never_scans_and_queries_only_the_indexes_its_sweep_uses(transformed: dict[str, Any]) -> None:
    """At the bank's size a scan of the customers table never ends in a turn: forgetting finds each row by a key
    or an index (privacy/erasure.py), and its role could not scan if it tried."""
    forget = grants(roles_by_function(transformed)["ForgetCustomerFunction"])
    assert "dynamodb:Scan" not in forget
    indexes = " ".join(forget["dynamodb:Query"])
    for index in (
        "CustomersTable.Arn}/index/gsi1",
        "CustomersTable.Arn}/index/by_customer",
        "JourneyWaitsTable.Arn}/index/chat",
    ):
        assert index in indexes, index


def test_my_data_only_reads_and_withdrawing_only_updates(transformed: dict[str, Any]) -> None:
    roles = roles_by_function(transformed)
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    assert writes & set(grants(roles["GetMyDataFunction"])) == set()
    withdraw = {a for a in grants(roles["WithdrawConsentFunction"]) if a.startswith("dynamodb:")}
    assert withdraw == {"dynamodb:UpdateItem"}


@pytest.mark.parametrize("function", PRIVACY)
def test_each_reads_the_tables_and_bucket_its_settings_name_from_the_environment(
    transformed: dict[str, Any], function: str
) -> None:
    variables = transformed[function]["Properties"]["Environment"]["Variables"]
    assert variables["CUSTOMERS_TABLE"] == {"Ref": "CustomersTable"}
    if function == "ForgetCustomerFunction":
        for variable, table in (
            ("SESSIONS_TABLE", "SessionsTable"),
            ("JOURNEY_WAITS_TABLE", "JourneyWaitsTable"),
            ("HANDOFFS_TABLE", "HandoffsTable"),
            ("MEDIA_BUCKET", "MediaBucket"),
        ):
            assert variables[variable] == {"Ref": table}, variable
