"""What one customer turn costs in calls, measured on the local cloud: every AWS API call (counted where it
enters moto's server, so the functions', the event sources' and Step Functions' own calls alike), every
Lambda invocation and its duration (the runner's, the figure its REPORT line prints), the DynamoDB
capacity units each call consumes and the partition key it touched, the state transitions of the journeys
it started, the calls to the messengers' APIs (the fake platforms' server) and to the bank's systems (the
sandbox), and the bytes the functions logged.

A representative set of turns on each of the four messengers, each walked by a new customer once warm (a
first customer per messenger walks them all unmeasured: cold starts, first connections and the secrets'
first reads are not the steady state): card issuance (the onboarding, from the first "hi" to the card),
the menu, the balance, a transfer to another bank's card, a top-up from another bank's card (the
acquirer's page, its callback) and a bill payment. The bank sandbox runs at full speed (durations are
this machine's, not the bank's latency). The figures go to bench/data/aws_calls.json, which the
capacity model (bench/capacity.py) reads.

    python -m bench aws_calls [--out bench/data/aws_calls.json] [--channels telegram,viber,whatsapp,messenger]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bench.transfers import RECIPIENT_PAN, Customer, new_customer
from bench.webhooks import local_cloud, quiet_logs
from local.chat import Chat
from local.cloud.cloud import LocalCloud
from local.cloud.runner import Invocation, LambdaRunner
from messenger_bank.conversation.catalogue import text

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "bench" / "data" / "aws_calls.json"
CHANNELS = ("telegram", "viber", "whatsapp", "messenger")
QUIET_S = 2.5  # a turn has ended when nothing has called AWS, a function or a platform for this long
TURN_TIMEOUT_S = 90.0
CONFIRM = text("common.confirm", "ru")
MENU = text("menu.main", "ru")
READ_UNIT = 4096  # bytes per read capacity unit (a strongly consistent read; eventually: half a unit)
WRITE_UNIT = 1024  # bytes per write capacity unit
# A query that found nothing (or a key the meter could not read) names no partition: never a shared key.
UNKNOWN_PARTITIONS = ("(none found)", "?")
BENCH_AGENT = "capacity-bench"  # the user agent of the bench's own look at the cloud (not counted)
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


# ------------------------------------------------------------------------------------------ capacity units
def read_units(size_bytes: int, *, consistent: bool, transactional: bool = False) -> float:
    """DynamoDB's read request units for `size_bytes` read at once (an item, or a query's page)."""
    units = max(1, math.ceil(size_bytes / READ_UNIT))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def write_units(size_bytes: int, *, transactional: bool = False) -> float:
    """DynamoDB's write request units for one item of `size_bytes` (the larger of before and after)."""
    units = max(1, math.ceil(size_bytes / WRITE_UNIT))
    return 2.0 * units if transactional else float(units)


# ---------------------------------------------------------------------------------------------- the meter
class Meter:
    """Counts what happens while a phase is named; drops what happens between phases."""

    def __init__(self, logs_dir: Path | None = None) -> None:
        self._lock = threading.Lock()
        self.phase: str | None = None
        self.last_activity = time.monotonic()
        self.logs_dir = logs_dir  # the local cloud's, once it is up
        self._log_bytes_at_start = 0
        self.unattributed = 0
        self.idle_receives = 0
        self.phases: dict[str, dict[str, Any]] = {}

    # -- phases
    def begin(self, name: str) -> None:
        with self._lock:
            self.phase = name
            self.phases[name] = {
                "aws_calls": Counter(),
                "lambda": defaultdict(lambda: {"invocations": 0, "duration_ms": 0.0, "memory_mb": 0}),
                "dynamodb": defaultdict(lambda: {"reads": 0, "writes": 0, "rcu": 0.0, "wcu": 0.0}),
                "dynamodb_keys": Counter(),
                "outbound": Counter(),
                "bank": Counter(),
            }
            self._log_bytes_at_start = self._log_bytes()
            self.last_activity = time.monotonic()

    def end(self) -> dict[str, Any]:
        with self._lock:
            name, self.phase = self.phase, None
            assert name is not None
            phase = self.phases[name]
            phase["log_bytes"] = self._log_bytes() - self._log_bytes_at_start
            return phase

    def _log_bytes(self) -> int:
        if self.logs_dir is None:
            return 0
        return sum(path.stat().st_size for path in self.logs_dir.glob("*.log") if path.name != "local-cloud.log")

    def _record(self, update: Callable[[dict[str, Any]], None]) -> None:
        with self._lock:
            self.last_activity = time.monotonic()
            if self.phase is None:
                self.unattributed += 1
                return
            update(self.phases[self.phase])

    def wait_quiet(self, quiet_s: float = QUIET_S, timeout_s: float = TURN_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if time.monotonic() - self.last_activity >= quiet_s:
                return
            time.sleep(0.1)

    # -- moto's server: every AWS call
    def wrap_aws(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def metered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            if BENCH_AGENT in str(environ.get("HTTP_USER_AGENT", "")):
                return app(environ, start_response)
            scope = SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
            service = scope["service"] if scope else "unknown"
            region = scope["region"] if scope else "eu-central-1"
            action = _action(service, environ, body)
            request = _json(body) if service == "dynamodb" else {}
            before = _dynamodb_sizes(region, action, request) if service == "dynamodb" else {}
            answer = b"".join(app(environ, start_response))
            if service == "sqs" and action == "ReceiveMessage" and b"MessageId" not in answer:
                with self._lock:
                    self.idle_receives += 1  # an event source's empty long poll: not the turn's
                return [answer]
            units = _dynamodb_units(region, action, request, _json(answer), before) if service == "dynamodb" else []

            def add(phase: dict[str, Any]) -> None:
                phase["aws_calls"][f"{service}:{action}"] += 1
                for table, kind, capacity, key in units:
                    row = phase["dynamodb"][table]
                    row["reads" if kind == "read" else "writes"] += 1
                    row["rcu" if kind == "read" else "wcu"] += capacity
                    phase["dynamodb_keys"][f"{table}|{kind}|{key}"] += capacity

            self._record(add)
            return [answer]

        return metered

    # -- the Lambda runner: every invocation, whoever invoked it
    def wrap_runner(self) -> Callable[[], None]:
        original = LambdaRunner.invoke
        meter = self

        def invoke(runner: LambdaRunner, name_or_arn: str, payload: bytes | str | None) -> Invocation:
            result = original(runner, name_or_arn, payload)
            spec = runner.spec(name_or_arn)

            def add(phase: dict[str, Any]) -> None:
                row = phase["lambda"][spec.logical_id]
                row["invocations"] += 1
                row["duration_ms"] += result.duration_ms
                row["memory_mb"] = spec.memory_mb

            meter._record(add)
            return result

        LambdaRunner.invoke = invoke  # type: ignore[method-assign,assignment]

        def restore() -> None:
            LambdaRunner.invoke = original  # type: ignore[method-assign]

        return restore

    # -- the fake platforms: the bot's calls to each messenger's API
    def wrap_platforms(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def metered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            call = _platform_call(str(environ.get("PATH_INFO", "")))
            if call is not None:
                self._record(lambda phase: phase["outbound"].update([call]))
            return app(environ, start_response)

        return metered

    # -- the bank sandbox: every call to a bank system
    def wrap_bank(self, decide: Callable[[str, str], Any]) -> Callable[[str, str], Any]:
        def metered(system: str, endpoint: str) -> Any:
            self._record(lambda phase: phase["bank"].update([system]))
            return decide(system, endpoint)

        return metered


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _action(service: str, environ: dict[str, Any], body: bytes) -> str:
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        return target.rsplit(".", 1)[-1]
    path, method = str(environ.get("PATH_INFO", "")), str(environ.get("REQUEST_METHOD", ""))
    if service == "lambda":
        return "Invoke" if path.endswith("/invocations") else f"{method} {path.split('/')[2] if path else ''}"
    if service == "s3":
        return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(
            method, method
        )
    found = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body) or re.search(
        r"(?:^|&)Action=([A-Za-z]+)", str(environ.get("QUERY_STRING", ""))
    )
    return (found[1].decode() if isinstance(found[1], bytes) else found[1]) if found else method


def _platform_call(path: str) -> str | None:
    """`channel:method` of a call to a messenger's API; None for the fake platforms' own pages."""
    if path.startswith("/bot"):
        return f"telegram:{path.rsplit('/', 1)[-1]}"
    if path.startswith("/file/bot"):
        return "telegram:file"
    if path.startswith("/pa/"):
        return f"viber:{path[4:]}"
    if re.match(r"^/v[\d.]+/me/", path):
        return f"messenger:{path.rsplit('/', 1)[-1]}"
    if re.match(r"^/v[\d.]+/\d+/(messages|media)$", path):
        return f"whatsapp:{path.rsplit('/', 1)[-1]}"
    if re.match(r"^/v[\d.]+/", path) or path.startswith("/_media/"):
        return "whatsapp:media_url"
    return None


# -------------------------------------------------------------------------- DynamoDB: sizes, units, keys
def _backend(region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends["123456789012"][region]


def _item_size(item: dict[str, Any] | None) -> int:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.utilities import bytesize

    return sum(bytesize(name) + DynamoType(value).size() for name, value in (item or {}).items())


def _stored_size(region: str, table: str, key: dict[str, Any]) -> int:
    try:
        found = _backend(region).get_item(table, key)
    except Exception:
        return 0
    return int(found.size()) if found is not None else 0


def _key_of(region: str, table: str, item: dict[str, Any]) -> dict[str, Any]:
    try:
        schema = _backend(region).get_table(table)
    except Exception:
        return {}
    names = [schema.hash_key_attr] + ([schema.range_key_attr] if schema.range_key_attr else [])
    return {name: item[name] for name in names if name in item}


def _partition(region: str, table: str, key: dict[str, Any]) -> str:
    try:
        attribute = _backend(region).get_table(table).hash_key_attr
    except Exception:
        return "?"
    value = key.get(attribute, {})
    return str(next(iter(value.values()), "?")) if isinstance(value, dict) else "?"


def _index_partition(region: str, table: str, index: str, item: dict[str, Any]) -> str:
    try:
        found = _backend(region).get_table(table)
        schema = next(i.schema for i in found.indexes + found.global_indexes if i.name == index)
    except Exception:
        return "?"
    attribute = next((k["AttributeName"] for k in schema if k["KeyType"] == "HASH"), "")
    value = item.get(attribute, {})
    return str(next(iter(value.values()), "?")) if isinstance(value, dict) else "?"


def _writes(request: dict[str, Any], action: str) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """(table, key, the new item if the call carries it whole) of each item a write touches."""
    if action in {"PutItem", "UpdateItem", "DeleteItem"}:
        yield request.get("TableName", ""), request.get("Key", {}), request.get("Item")
    elif action == "BatchWriteItem":
        for table, entries in request.get("RequestItems", {}).items():
            for entry in entries:
                put = entry.get("PutRequest")
                yield table, (entry.get("DeleteRequest") or {}).get("Key", {}), put["Item"] if put else None
    elif action == "TransactWriteItems":
        for entry in request.get("TransactItems", []):
            for kind, body in entry.items():
                if kind != "ConditionCheck":
                    yield body.get("TableName", ""), body.get("Key", {}), body.get("Item")


def _dynamodb_sizes(region: str, action: str, request: dict[str, Any]) -> dict[tuple[str, str], int]:
    """The stored size of every item a write is about to touch (DynamoDB bills the larger of before/after)."""
    sizes = {}
    for table, key, item in _writes(request, action):
        key = key or _key_of(region, table, item or {})
        sizes[(table, json.dumps(key, sort_keys=True))] = _stored_size(region, table, key)
    return sizes


def _dynamodb_units(
    region: str, action: str, request: dict[str, Any], answer: dict[str, Any], before: dict[tuple[str, str], int]
) -> list[tuple[str, str, float, str]]:
    """(table, read|write, capacity units, partition key) of each item or page the call read or wrote."""
    units: list[tuple[str, str, float, str]] = []
    consistent = bool(request.get("ConsistentRead"))
    if action == "GetItem":
        table, key = request.get("TableName", ""), request.get("Key", {})
        size = _item_size(answer.get("Item"))
        units.append((table, "read", read_units(size, consistent=consistent), _partition(region, table, key)))
    elif action in {"Query", "Scan"}:
        table, items = request.get("TableName", ""), answer.get("Items", [])
        size = sum(_item_size(item) for item in items)
        index = request.get("IndexName")
        if not items:
            key = "(none found)"
        elif index:
            key = f"{index}:{_index_partition(region, table, index, items[0])}"
        else:
            key = _partition(region, table, items[0])
        units.append((table, "read", read_units(size, consistent=consistent), key))
    elif action in {"BatchGetItem", "TransactGetItems"}:
        transactional = action == "TransactGetItems"
        if transactional:
            found = [r.get("Item") for r in answer.get("Responses", [])]
            asked = [(e["Get"]["TableName"], e["Get"]["Key"]) for e in request.get("TransactItems", [])]
        else:
            found, asked = [], []
            for table, items in answer.get("Responses", {}).items():
                for item in items:
                    asked.append((table, _key_of(region, table, item)))
                    found.append(item)
        for (table, key), item in zip(asked, found, strict=False):
            size = _item_size(item)
            units.append(
                (
                    table,
                    "read",
                    read_units(size, consistent=True, transactional=transactional),
                    _partition(region, table, key),
                )
            )
    else:
        transactional = action == "TransactWriteItems"
        for table, key, item in _writes(request, action):
            key = key or _key_of(region, table, item or {})
            after = _stored_size(region, table, key)
            size = max(after, before.get((table, json.dumps(key, sort_keys=True)), 0))
            units.append(
                (table, "write", write_units(size, transactional=transactional), _partition(region, table, key))
            )
        if transactional:  # a condition check is read like a write: one unit pair per item
            for entry in request.get("TransactItems", []):
                check = entry.get("ConditionCheck")
                if check:
                    table = check.get("TableName", "")
                    units.append((table, "write", 2.0, _partition(region, table, check.get("Key", {}))))
    return units


# ---------------------------------------------------------------------------------------------- the turns
def _press(chat: Chat, label: str) -> None:
    chat.press(label, timeout_s=TURN_TIMEOUT_S)


def _since(chat: Chat, before: int, text_part: str) -> dict[str, Any]:
    deadline = time.monotonic() + TURN_TIMEOUT_S
    while time.monotonic() < deadline:
        for message in chat.messages()[before:]:
            if text_part in str(message.get("text") or "") + json.dumps(message.get("markup"), ensure_ascii=False):
                return message
        time.sleep(0.1)
    raise AssertionError(f"no {text_part!r} in {TURN_TIMEOUT_S:.0f} s; the bot said: {chat.texts()[-400:]!r}")


def menu(cloud: LocalCloud, customer: Customer) -> int:
    chat = customer.chat
    before = len(chat.messages())
    chat.say("меню")
    _since(chat, before, MENU)
    return 1


def balance(cloud: LocalCloud, customer: Customer) -> int:
    chat = customer.chat
    before = len(chat.messages())
    chat.say("меню")
    _since(chat, before, MENU)
    _press(chat, text("menu.card", "ru"))
    before = len(chat.messages())
    _press(chat, text("card_services.balance", "ru"))
    _since(chat, before, "Баланс:")
    return 3


def transfer(cloud: LocalCloud, customer: Customer) -> int:
    chat = customer.chat
    before = len(chat.messages())
    chat.say("перевод")
    chat.say(RECIPIENT_PAN)
    chat.say("20")
    _since(chat, before, CONFIRM)
    before = len(chat.messages())
    _press(chat, CONFIRM)
    _since(chat, before, "Перевод выполнен")
    return 4


def top_up(cloud: LocalCloud, customer: Customer) -> int:
    chat = customer.chat
    before = len(chat.messages())
    chat.say("меню")
    _since(chat, before, MENU)
    for label in ("Пополнить", "С любой карты"):
        _press(chat, label)
    chat.say("25")
    _press(chat, CONFIRM)
    link = _since(chat, before, "3-D Secure")
    found = re.search(r"/pay/(pay_[A-Za-z0-9_-]+)", json.dumps([link.get("markup"), link.get("text")]))
    assert found, f"no payment link in {link}"
    page = f"{cloud.sandbox.urls['acquirer']}/pay/{found[1]}"
    with httpx.Client(follow_redirects=True, timeout=30) as browser:  # the customer on the acquirer's page
        browser.post(page, data={"pan": "4111 1111 1111 1111", "expiry": "12/30", "cvv": "123"}).raise_for_status()
        browser.post(f"{page}/3ds", data={"code": "123456"}).raise_for_status()
    _since(chat, before, "пополнена")
    return 5


def bill_payment(cloud: LocalCloud, customer: Customer) -> int:
    chat = customer.chat
    before = len(chat.messages())
    chat.say("меню")
    _since(chat, before, MENU)
    for label in (text("menu.pay", "ru"), text("payment.mobile", "ru"), "MTS"):
        _press(chat, label)
    chat.say("+375 29 123-45-67")
    chat.say("15")
    before = len(chat.messages())
    _press(chat, CONFIRM)
    _since(chat, before, "Оплачено")
    return 7


FIRST_CUSTOMERS_TURNS = {"card_issuance", "menu", "balance", "transfer"}  # the rest: a second customer's
TURNS: dict[str, Callable[[LocalCloud, Customer], int]] = {
    "menu": menu,
    "balance": balance,
    "transfer": transfer,
    "top_up": top_up,
    "bill_payment": bill_payment,
}


# --------------------------------------------------------------------------------- Step Functions history
def bench_client(cloud: LocalCloud, service: str) -> Any:
    """A client whose calls the meter leaves out: the bench looking at the cloud is no customer's turn."""
    import boto3
    from botocore.config import Config

    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=cloud.aws_endpoint,
        region_name=cloud.config.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's fixed test credentials
        config=Config(user_agent_extra=BENCH_AGENT),
    )


def new_executions(cloud: LocalCloud, seen: set[str]) -> dict[str, str]:
    """Execution ARN → state machine's logical id, for the executions not in `seen`."""
    assert cloud.stack is not None
    sfn = bench_client(cloud, "stepfunctions")
    return {
        execution["executionArn"]: logical_id
        for logical_id, arn in cloud.stack.state_machines.items()
        for execution in sfn.list_executions(stateMachineArn=arn)["executions"]
        if execution["executionArn"] not in seen
    }


def await_executions(cloud: LocalCloud, seen: set[str], timeout_s: float = TURN_TIMEOUT_S) -> None:
    """Until every execution started since `seen` has ended (a turn's journey runs on after its last reply)."""
    sfn = bench_client(cloud, "stepfunctions")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        running = [
            arn
            for arn in new_executions(cloud, seen)
            if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        ]
        if not running:
            return
        time.sleep(0.5)


def transitions_since(cloud: LocalCloud, seen: set[str]) -> dict[str, int]:
    """StateEntered events of the executions started since `seen` (added to it), per state machine."""
    sfn = bench_client(cloud, "stepfunctions")
    counted: dict[str, int] = {}
    for arn, logical_id in new_executions(cloud, seen).items():
        seen.add(arn)
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        entered = sum(1 for event in events if event["type"].endswith("StateEntered"))
        counted[logical_id] = counted.get(logical_id, 0) + entered
    return counted


def executions_seen(cloud: LocalCloud) -> set[str]:
    return set(new_executions(cloud, set()))


def _plain(phase: dict[str, Any]) -> dict[str, Any]:
    """The phase as JSON: counters sorted, hottest keys only (a key is the partition it touched)."""
    keys: dict[str, float] = dict(phase["dynamodb_keys"])
    hottest: dict[str, dict[str, float]] = {}
    for entry, units in keys.items():
        table, kind, _key = entry.split("|", 2)
        slot = hottest.setdefault(table, {"read": 0.0, "write": 0.0})
        slot[kind] = max(slot[kind], units)
    return {
        "aws_calls": dict(sorted(phase["aws_calls"].items())),
        "lambda": {
            name: {**row, "duration_ms": round(row["duration_ms"], 1)} for name, row in sorted(phase["lambda"].items())
        },
        "dynamodb": {
            table: {**row, "rcu": round(row["rcu"], 2), "wcu": round(row["wcu"], 2)}
            for table, row in sorted(phase["dynamodb"].items())
        },
        # The most units one partition key took in the turn, per table (a hot key is hot in every turn).
        "dynamodb_hottest_key_units": {t: {k: round(v, 2) for k, v in s.items()} for t, s in sorted(hottest.items())},
        "dynamodb_keys_touched": dict(sorted(Counter(e.rsplit("|", 1)[0] for e in keys).items())),
        "dynamodb_keys": keys,  # replaced by the shared keys alone before it is written (shared_keys)
        "outbound": dict(sorted(phase["outbound"].items())),
        "bank": dict(sorted(phase["bank"].items())),
        "log_bytes": phase["log_bytes"],
    }


def measure(cloud: LocalCloud, meter: Meter, name: str, run: Callable[[], int], seen: set[str]) -> dict[str, Any]:
    meter.wait_quiet()
    meter.begin(name)
    inbound = run()
    meter.wait_quiet()
    await_executions(cloud, seen)
    meter.wait_quiet()
    phase = _plain(meter.end())
    phase["inbound_messages"] = inbound
    webhooks = sum(row["invocations"] for fn, row in phase["lambda"].items() if fn.endswith("WebhookFunction"))
    assert webhooks == inbound, f"{name}: {webhooks} webhook invocations for {inbound} messages sent"
    phase["transitions"] = transitions_since(cloud, seen)
    return phase


def _api_functions(cloud: LocalCloud) -> set[str]:
    """The functions behind an API Gateway route (each call to them is an HTTP API request)."""
    assert cloud.stack is not None
    return {route.function_name for route in cloud.stack.routes}


def shared_keys(rows: list[dict[str, Any]]) -> None:
    """Keep, of each turn's partition keys, those that more than one customer's turns touched (a bot's send
    rate, a catalogue): every customer adds to them, so they are the candidates for a hot partition. A
    customer's own keys (a chat, a card, a one-time link's token) are dropped, their values unwritten."""
    customers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for key in row["dynamodb_keys"]:
            customers[key].add(row["customer"])
    for row in rows:
        keys = row.pop("dynamodb_keys")
        row["dynamodb_shared_keys"] = {
            key: round(units, 2)
            for key, units in sorted(keys.items())
            if len(customers[key]) > 1 and not key.endswith(UNKNOWN_PARTITIONS)
        }


def onboarding(cloud: LocalCloud, channel: str) -> tuple[Customer, int]:
    customer = new_customer(cloud, channel)
    # The onboarding flow (local.chat.onboard): the greeting, 3 presses, the phone (and a texted code
    # but on Telegram; none on WhatsApp, which knows the number), 5 answers, the confirmation.
    inbound = 1 + 3 + 5 + 1 + {"telegram": 1, "whatsapp": 0}.get(channel, 2)
    return customer, inbound


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench aws_calls", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--channels", default=",".join(CHANNELS))
    args = parser.parse_args(argv)
    channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    started = time.monotonic()
    measured: list[dict[str, Any]] = []
    meter = Meter()
    # Before the cloud starts: its API front and event sources keep the runner's bound `invoke` from then on.
    restore = meter.wrap_runner()
    with local_cloud() as cloud, quiet_logs():
        meter.logs_dir = cloud.logs.directory
        try:
            cloud._moto._server.app = meter.wrap_aws(cloud._moto._server.app)
            cloud.platforms._server.app = meter.wrap_platforms(cloud.platforms._server.app)
            cloud.sandbox.faults.decide = meter.wrap_bank(cloud.sandbox.faults.decide)
            seen = executions_seen(cloud)
            for index, channel in enumerate(channels):
                warm, _ = onboarding(cloud, channel)  # cold starts: not counted
                # The first messenger's warm customer walks every turn (every function starts once); the others'
                # only onboard (their webhook function starts), the rest being warm from the turns before.
                for name, run in TURNS.items() if index == 0 else {"menu": menu}.items():
                    try:
                        run(cloud, warm)
                    except AssertionError as error:  # a warm-up turn only warms: the measured one must work
                        print(f"  {channel}: warm-up {name} failed: {str(error)[-300:]}", file=sys.__stdout__)
                await_executions(cloud, seen)
                seen = executions_seen(cloud)
                print(f"  {channel}: warmed up ({time.monotonic() - started:.0f} s)", file=sys.__stdout__, flush=True)
                holder: list[Customer] = []

                def issue(channel: str = channel, holder: list[Customer] = holder) -> int:
                    customer, inbound = onboarding(cloud, channel)
                    holder.append(customer)
                    return inbound

                phases = {"card_issuance": measure(cloud, meter, f"{channel}:card_issuance", issue, seen)}
                # WhatsApp paces one chat at 45 messages then one per 6 s: the paying turns get a second
                # customer (made unmeasured), so that no turn waits on the pace.
                second, _ = onboarding(cloud, channel)
                await_executions(cloud, seen)
                seen = executions_seen(cloud)  # the second customer's card issuance is no measured turn's
                for name, run in TURNS.items():
                    walker = holder[0] if name in FIRST_CUSTOMERS_TURNS else second
                    phases[name] = measure(cloud, meter, f"{channel}:{name}", partial(run, cloud, walker), seen)
                for name, phase in phases.items():
                    who = f"{channel}:{'first' if name in FIRST_CUSTOMERS_TURNS else 'second'}"
                    measured.append({"channel": channel, "turn": name, "customer": who, **phase})
                print(f"  {channel}: measured ({time.monotonic() - started:.0f} s)", file=sys.__stdout__, flush=True)
        finally:
            restore()
        idle, unattributed = meter.idle_receives, meter.unattributed
        assert cloud.stack is not None
        behind_api = sorted({cloud.stack.functions[name].logical_id for name in _api_functions(cloud)})
    shared_keys(measured)
    document = {
        "command": "python -m bench aws_calls"
        + (f" --channels {args.channels}" if args.channels != ",".join(CHANNELS) else ""),
        "measured_on": datetime.now(UTC).strftime("%Y-%m-%d"),
        "what": __doc__.split("\n\n")[0].replace("\n", " "),
        "durations": "the local runner's Invocation.duration_ms (what its REPORT line prints), this machine, "
        "the bank sandbox at full speed",
        "load_average": [round(x, 1) for x in os.getloadavg()],  # the machine is shared: durations are upper bounds
        "api_functions": behind_api,
        "turns": measured,
        "not_counted": {"empty_event_source_polls": idle, "calls_between_turns": unattributed},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  {len(measured)} turns measured in {time.monotonic() - started:.0f} s → {args.out}")
    for row in measured:
        calls = sum(row["aws_calls"].values())
        invocations = sum(r["invocations"] for r in row["lambda"].values())
        print(
            f"  {row['channel']:<9} {row['turn']:<14} inbound {row['inbound_messages']:>2}  AWS calls {calls:>4}  "
            f"invocations {invocations:>3}  transitions {sum(row['transitions'].values()):>3}  "
            f"outbound {sum(row['outbound'].values()):>3}  bank {sum(row['bank'].values()):>3}"
        )


if __name__ == "__main__":
    main()
