"""The monthly runs at the bank's size (19.8 M customers): a month's customers never travel in the state. A
state's payload is at most 256 KB (about 10,000 ids) and a Standard execution's history 25,000 events (an
inline Map iteration costs several: a few thousand customers), so both runs failed on their first day when the
list came back from the listing step and an INLINE Map iterated it. Here each machine is read as AWS would run
it: the customers are read from S3 by a Distributed Map, results go back to S3, and the listing step's answer
holds no list; the machines' roles may do what a Distributed Map needs, on their own runs and prefix only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from local.cloud.template import transform
from messenger_bank.journeys.monthly import MONTHLY_RUNS_PREFIX, MonthlyRun, UploadedPart, list_key
from tests.unit.test_statemachines import states_of

ROOT = Path(__file__).resolve().parents[2]
# machine, its definition, its listing function, its prefix of the bucket (journeys/monthly.py)
RUNS = [
    ("CashbackPayoutStateMachine", "cashback_payout.asl.yaml", "PayoutRunFunction", "cashback-payout"),
    ("CreditStatementStateMachine", "credit_statement.asl.yaml", "StatementRunFunction", "credit-statement"),
]


def definition(file: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "statemachines" / file).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012").resources


def maps(machine: dict[str, Any], *, inside: str | None = None) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """Every Map state, with the mode of the Map it runs inside (None at the machine's top level)."""
    for name, state in machine.get("States", {}).items():
        for branch in state.get("Branches", []):
            yield from maps(branch, inside=inside)
        if state.get("Type") != "Map":
            continue
        yield name, state, inside
        processor = state.get("ItemProcessor") or state.get("Iterator") or {}
        mode = processor.get("ProcessorConfig", {}).get("Mode", "INLINE")
        yield from maps(processor, inside=mode)


def mode(state: dict[str, Any]) -> str:
    processor = state.get("ItemProcessor") or state.get("Iterator") or {}
    return str(processor.get("ProcessorConfig", {}).get("Mode", "INLINE"))


def arrays_in(model: type[BaseModel]) -> list[str]:
    """The fields of `model`'s JSON schema (nested models too) that hold a list."""
    found: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "array" or "prefixItems" in node:
                found.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    walk(model.model_json_schema(), model.__name__)
    return found


@pytest.mark.parametrize(("machine", "file", "lister", "prefix"), RUNS)
def test_the_customers_are_iterated_by_a_distributed_map_reading_them_from_s3(
    machine: str, file: str, lister: str, prefix: str
) -> None:
    found = list(maps(definition(file)))
    top = [(name, state) for name, state, inside in found if inside is None]

    assert top, "the run has a Map over its customers"
    for name, state in top:
        assert mode(state) == "DISTRIBUTED", f"{name}: the customers are iterated by an INLINE Map"
        assert "ItemsPath" not in state and "Items" not in state, f"{name}: the customers come from the state"
        reader = state["ItemReader"]
        assert reader["Resource"] == "arn:aws:states:::s3:getObject"
        assert reader["ReaderConfig"]["InputType"] in {"CSV", "JSON", "JSONL"}
        assert state["ResultWriter"]["Resource"] == "arn:aws:states:::s3:putObject", f"{name}: results come back"
        assert state["ResultWriter"]["Parameters"]["Prefix"].startswith(f"{MONTHLY_RUNS_PREFIX}/{prefix}/")
        assert isinstance(state["MaxConcurrency"], int) and 0 < state["MaxConcurrency"] <= 1000
    # An inline Map is only ever a customer's own few items (their chats), inside the customer's child.
    for name, state, inside in found:
        if mode(state) == "INLINE":
            assert inside == "DISTRIBUTED", f"{name}: an INLINE Map outside a customer's child"


@pytest.mark.parametrize(("machine", "file", "lister", "prefix"), RUNS)
def test_no_state_reads_a_list_of_customers_or_of_results(machine: str, file: str, lister: str, prefix: str) -> None:
    text = (ROOT / "statemachines" / file).read_text(encoding="utf-8")

    # The old tally read every customer's result back into the state (States.ArrayContains($.results[*]...)).
    assert "States.Array" not in text and "[*]" not in text
    for name, state in states_of(definition(file)):
        if state.get("Type") == "Map" and mode(state) == "DISTRIBUTED":
            # The Map's own output is its run's ARN and where the results are, nothing per customer.
            assert "ResultSelector" not in state, name


def test_the_listing_step_answers_where_the_customers_are_never_the_list() -> None:
    # The one list is the list object's parts, one per listing step of at least 5 MiB of ids: about 150 at
    # 19.8 M customers (a few KB), whatever the customers.
    assert arrays_in(MonthlyRun) == ["MonthlyRun.$defs.Listing.properties.parts"]
    assert set(UploadedPart.model_fields) == {"number", "etag"}
    assert set(MonthlyRun.model_fields["customers"].annotation.model_fields) == {"bucket", "key", "count"}  # type: ignore[union-attr]


@pytest.mark.parametrize(("machine", "file", "lister", "prefix"), RUNS)
def test_the_list_is_written_under_the_journeys_own_prefix(machine: str, file: str, lister: str, prefix: str) -> None:
    from datetime import UTC, datetime

    key = list_key(prefix, "2026-11", datetime(2026, 12, 1, 3, 0, 0, 123456, tzinfo=UTC))  # type: ignore[arg-type]

    assert key == f"{MONTHLY_RUNS_PREFIX}/{prefix}/2026-11/20261201T030000123456Z.csv"


def statements(resources: dict[str, Any], owner: str) -> list[dict[str, Any]]:
    properties = resources[owner]["Properties"]
    role = resources[properties["Role"]["Fn::GetAtt"][0]] if "Role" in properties else None
    if role is None:
        role = resources[properties["RoleArn"]["Fn::GetAtt"][0]]
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def resource_text(statement: dict[str, Any]) -> list[str]:
    """A statement's resources as the Fn::Sub texts (or plain ARNs) the template writes them."""
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return [r["Fn::Sub"] if isinstance(r, dict) and "Fn::Sub" in r else r for r in resources]


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return set(action if isinstance(action, list) else [action])


@pytest.mark.parametrize(("machine", "file", "lister", "prefix"), RUNS)
def test_the_machine_may_run_only_its_own_children_and_touch_only_its_own_prefix(
    resources: dict[str, Any], machine: str, file: str, lister: str, prefix: str
) -> None:
    name = f"${{AWS::StackName}}-{prefix}"
    assert resources[machine]["Properties"]["StateMachineName"] == {"Fn::Sub": name}
    granted = {
        (action, where)
        for statement in statements(resources, machine)
        if statement["Effect"] == "Allow" and not actions(statement) <= {"lambda:InvokeFunction"}
        for action in actions(statement)
        for where in resource_text(statement)
    }
    arn = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"
    objects = f"${{MediaBucket.Arn}}/{MONTHLY_RUNS_PREFIX}/{prefix}/*"

    assert granted == {
        ("states:StartExecution", f"{arn}:stateMachine:{name}"),
        ("states:DescribeExecution", f"{arn}:execution:{name}/*"),
        ("states:StopExecution", f"{arn}:execution:{name}/*"),
        ("states:RedriveExecution", f"{arn}:execution:{name}/*"),
        ("states:DescribeMapRun", f"{arn}:mapRun:{name}/*"),
        ("s3:GetObject", objects),
        ("s3:PutObject", objects),
        ("s3:ListMultipartUploadParts", objects),
        ("s3:AbortMultipartUpload", objects),
    }


@pytest.mark.parametrize(("machine", "file", "lister", "prefix"), RUNS)
def test_the_listing_step_may_only_write_its_journeys_lists(
    resources: dict[str, Any], machine: str, file: str, lister: str, prefix: str
) -> None:
    s3 = [s for s in statements(resources, lister) if any(a.startswith("s3:") for a in actions(s))]

    assert [(actions(s), resource_text(s)) for s in s3] == [
        ({"s3:PutObject", "s3:AbortMultipartUpload"}, [f"${{MediaBucket.Arn}}/{MONTHLY_RUNS_PREFIX}/{prefix}/*"])
    ]
    variables = resources[lister]["Properties"]["Environment"]["Variables"]
    assert variables["MEDIA_BUCKET"] == {"Ref": "MediaBucket"}
    substitutions = resources[machine]["Properties"]["DefinitionSubstitutions"]
    assert substitutions["MonthlyRunsBucket"] == {"Ref": "MediaBucket"}


def test_the_bucket_of_the_runs_expires_what_it_holds(resources: dict[str, Any]) -> None:
    rules = resources["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]

    # No filter: the rule covers monthly-runs/ too (a month's lists and results are not kept for ever).
    assert any(r["Status"] == "Enabled" and "Prefix" not in r and "Filter" not in r for r in rules)
