"""Capacity and cost for the bank's 19.8 million customers: docs/capacity.md, computed from two files.

- bench/data/aws_calls.json: what each kind of turn costs in calls, measured on the local cloud by
  `python -m bench aws_calls` (Lambda invocations and durations, AWS calls, DynamoDB units and the keys
  every customer shares, state transitions, messages to the messengers, bank calls, log bytes);
- bench/data/capacity_assumptions.json: how many customers do what (share active, messages, journeys,
  peak-to-average, messengers' shares), the prices and the quotas, each with its source.

    python -m bench capacity            # writes docs/capacity.md
    python -m bench capacity --check    # exits 1 if docs/capacity.md is not what the data give

Everything here is a pure function of those two files; tests/unit/bench/test_capacity.py holds each to a
hand-computed figure.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.channels.ratelimit import PLATFORM_LIMITS
from messenger_bank.secrets import CACHE_SECONDS

ROOT = Path(__file__).resolve().parents[1]
MEASURED = ROOT / "bench" / "data" / "aws_calls.json"
ASSUMPTIONS = ROOT / "bench" / "data" / "capacity_assumptions.json"
DOC = ROOT / "docs" / "capacity.md"
SECONDS_PER_DAY = 86_400
JOURNEYS = ("balance", "transfer", "top_up", "bill_payment")
FILLER = "menu"  # the messages that are no journey are costed as this turn
ISSUANCE = "card_issuance"
# The calls to a messenger's API that are messages (paced by the bot's rate); uploads, file reads, answers to a
# button press are not.
MESSAGE_CALLS = {
    "telegram": ("send", "edit", "copyMessage", "forwardMessage", "deleteMessage"),
    "viber": ("send_message",),
    "whatsapp": ("messages",),
    "messenger": ("messages",),
}

COUNTS_INBOUND = {"whatsapp"}  # Cloud API's throughput is of messages in and out together (its throughput page)
MESSENGER_NAMES = {"telegram": "Telegram", "viber": "Viber", "whatsapp": "WhatsApp", "messenger": "Messenger"}
Usage = dict[str, float]  # a flat tally: "lambda:<fn>:invocations", "ddb:<table>:wcu", "sqs:SendMessage", ...


class Assumptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    customers: int = Field(gt=0)
    active_share_per_day: float = Field(gt=0, le=1)
    active_share_per_month: float = Field(gt=0, le=1)
    messages_per_active_customer: float = Field(gt=0)
    journeys_per_active_customer: dict[str, float]
    card_issuances_per_day: float = Field(ge=0)
    peak_to_average: float = Field(ge=1)
    channel_share: dict[str, float]
    inbound_message_bytes: int = Field(gt=0)
    bank_call_latency_ms: float = Field(ge=0)
    stored_bytes_per_customer: int = Field(ge=0)
    trace_sampling: float = Field(ge=0, le=1)
    secrets_per_environment: float = Field(ge=0)
    days_per_month: float = Field(gt=0)


class Prices(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    read_on: str
    region: str
    lambda_request_per_million: float
    lambda_gb_second_x86: float
    http_api_request_per_million: float
    sqs_fifo_request_per_million: float
    dynamodb_write_request_unit_per_million: float
    dynamodb_read_request_unit_per_million: float
    dynamodb_storage_gb_month: float
    step_functions_standard_transition_per_thousand: float
    kms_request_per_ten_thousand: float
    s3_put_per_thousand: float
    s3_get_per_thousand: float
    cloudwatch_logs_ingest_gb: float
    xray_trace_recorded_per_million: float
    sources: dict[str, str]


class Quota(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    limit: float = Field(gt=0)
    source: str
    # Tolerated for readability of the data file.
    raise_: str = Field(alias="raise")


class MonthlyRuns(BaseModel):
    """The two monthly runs (a Distributed Map of Express children over a list in S3): what is assumed of them.
    Their concurrency is not assumed: it is read from the state machines (MaxConcurrency)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    core_banking_calls_in_flight: int = Field(gt=0)
    child_seconds: dict[str, float]  # journey → a customer's child workflow, start to end
    customers_share: dict[str, float]  # journey → the share of all customers it lists
    child_memory_mb: int = Field(gt=0)
    parent_transitions: int = Field(ge=0)
    express_request_per_million: float = Field(gt=0)
    express_gb_second: float = Field(gt=0)
    table_read_units_per_second: int = Field(gt=0)
    scan_page_ms: float = Field(gt=0)
    listing_step_s: float = Field(gt=0)
    why: dict[str, str]


class Inputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    assumptions: Assumptions
    why: dict[str, str]
    prices_usd: Prices
    quotas: dict[str, Quota]
    messenger_sources: dict[str, str]
    monthly_runs: MonthlyRuns
    # InboundQueue in SQS's high-throughput FIFO mode: read from template.yaml (`inbound_queue_mode`), not assumed.
    inbound_high_throughput: bool = False
    # Each monthly run's MaxConcurrency: read from its state machine, not assumed.
    run_concurrency: dict[str, int] = Field(default_factory=dict)


# ------------------------------------------------------------------------------------- one turn as a tally
def is_message(channel: str, call: str) -> bool:
    return call.startswith(MESSAGE_CALLS.get(channel, ()))


def usage_of(row: Mapping[str, Any], api_functions: Iterable[str]) -> Usage:
    """One measured turn as a flat tally (what the model adds up)."""
    api = set(api_functions)
    tally: Usage = {"inbound": float(row["inbound_messages"]), f"in:{row['channel']}:messages": row["inbound_messages"]}

    def add(key: str, value: float) -> None:
        tally[key] = tally.get(key, 0.0) + value

    for function, measured in row["lambda"].items():
        add(f"lambda:{function}:invocations", measured["invocations"])
        add(f"lambda:{function}:ms", measured["duration_ms"])
        add(f"lambda:{function}:gb_s", measured["duration_ms"] / 1000 * measured["memory_mb"] / 1024)
        if function in api:
            add("api:requests", measured["invocations"])
    for call, count in row["aws_calls"].items():
        if not call.startswith("ssm:"):  # secrets are read per execution environment, not per turn: limits()
            add(f"aws:{call}", count)
    for table, measured in row["dynamodb"].items():
        add(f"ddb:{table}:rcu", measured["rcu"])
        add(f"ddb:{table}:wcu", measured["wcu"])
    for key, units in row.get("dynamodb_shared_keys", {}).items():
        add(f"hot:{key}", units)
    for machine, transitions in row["transitions"].items():
        add(f"sfn:{machine}:transitions", transitions)
    for call, count in row["outbound"].items():
        channel, method = call.split(":", 1)
        add(f"out:{channel}:calls", count)
        if is_message(channel, method):
            add(f"out:{channel}:messages", count)
    for system, count in row["bank"].items():
        add(f"bank:{system}", count)
    add("bank:calls", sum(row["bank"].values()))
    add("logs:bytes", row["log_bytes"])
    return tally


def scaled(tally: Mapping[str, float], factor: float) -> Usage:
    return {key: value * factor for key, value in tally.items()}


def summed(tallies: Iterable[Mapping[str, float]]) -> Usage:
    total: Usage = {}
    for tally in tallies:
        for key, value in tally.items():
            total[key] = total.get(key, 0.0) + value
    return total


def per_turn(measured: Mapping[str, Any], channel_share: Mapping[str, float]) -> dict[str, Usage]:
    """Each kind of turn as the messengers' mix does it: the channels' tallies weighted by their share."""
    if abs(sum(channel_share.values()) - 1) > 1e-9:
        raise ValueError(f"the messengers' shares add up to {sum(channel_share.values())}, not 1")
    rows: dict[str, dict[str, Usage]] = {}
    for row in measured["turns"]:
        rows.setdefault(row["turn"], {})[row["channel"]] = usage_of(row, measured["api_functions"])
    mixed: dict[str, Usage] = {}
    for turn, by_channel in rows.items():
        missing = set(channel_share) - set(by_channel)
        if missing:
            raise ValueError(f"{turn}: not measured on {', '.join(sorted(missing))}")
        mixed[turn] = summed(scaled(by_channel[channel], share) for channel, share in channel_share.items())
    return mixed


# ---------------------------------------------------------------------------------------------- the day
def turns_per_day(assumptions: Assumptions, inbound_per_turn: Mapping[str, float]) -> dict[str, float]:
    """How many of each kind of turn in a day. The journeys are per active customer; the messages left over
    from an active customer's day are menu turns; the newcomers' onboarding comes on top."""
    active = assumptions.customers * assumptions.active_share_per_day
    turns = {kind: active * assumptions.journeys_per_active_customer.get(kind, 0.0) for kind in JOURNEYS}
    in_journeys = sum(turns[kind] * inbound_per_turn[kind] for kind in JOURNEYS)
    left = active * assumptions.messages_per_active_customer - in_journeys
    if left < 0:
        raise ValueError(
            f"the journeys alone take {in_journeys / active:.2f} messages per active customer, more than the "
            f"{assumptions.messages_per_active_customer} assumed"
        )
    turns[FILLER] = left / inbound_per_turn[FILLER]
    turns[ISSUANCE] = assumptions.card_issuances_per_day
    return turns


def daily_usage(turns: Mapping[str, float], unit: Mapping[str, Usage]) -> Usage:
    return summed(scaled(unit[kind], count) for kind, count in turns.items())


def peak_per_second(per_day: float, peak_to_average: float) -> float:
    return per_day / SECONDS_PER_DAY * peak_to_average


def concurrency(invocations_per_second: float, mean_duration_s: float) -> float:
    """Little's law: executions in flight = arrival rate × time each takes."""
    return invocations_per_second * mean_duration_s


def secret_reads_per_second(environments: float, secrets_per_environment: float) -> float:
    """Each execution environment reads its secrets once per cache period (messenger_bank.secrets), whatever
    the rate of messages: as many environments as executions in flight."""
    return math.ceil(environments) * secrets_per_environment / CACHE_SECONDS


def binds_at(customers: int, demand: float, limit: float) -> float:
    """The number of customers at which `demand` (linear in customers) reaches `limit`."""
    return math.inf if demand <= 0 else customers * limit / demand


# --------------------------------------------------------------------------------------------- the money
def monthly_cost(day: Mapping[str, float], assumptions: Assumptions, prices: Prices) -> dict[str, float]:
    """USD per month, per line of the bill."""
    month = assumptions.days_per_month

    def total(prefix: str, suffix: str = "") -> float:
        return sum(v for k, v in day.items() if k.startswith(prefix) and k.endswith(suffix)) * month

    invocations = total("lambda:", ":invocations")
    gb_s = (
        total("lambda:", ":gb_s") + day.get("bank:calls", 0.0) * month * assumptions.bank_call_latency_ms / 1000 * 0.5
    )
    sqs_requests = total("aws:sqs:") * math.ceil(assumptions.inbound_message_bytes / 65_536)
    traced = (day.get("api:requests", 0.0) + day.get("lambda:ConversationFunction:invocations", 0.0)) * month
    stored_gb = assumptions.customers * assumptions.stored_bytes_per_customer / 1024**3
    return {
        "Lambda requests": invocations / 1e6 * prices.lambda_request_per_million,
        "Lambda duration": gb_s * prices.lambda_gb_second_x86,
        "API Gateway (HTTP API)": total("api:requests") / 1e6 * prices.http_api_request_per_million,
        "SQS FIFO": sqs_requests / 1e6 * prices.sqs_fifo_request_per_million,
        "DynamoDB writes": total("ddb:", ":wcu") / 1e6 * prices.dynamodb_write_request_unit_per_million,
        "DynamoDB reads": total("ddb:", ":rcu") / 1e6 * prices.dynamodb_read_request_unit_per_million,
        "DynamoDB storage": stored_gb * prices.dynamodb_storage_gb_month,
        "Step Functions (Standard)": total("sfn:", ":transitions")
        / 1000
        * prices.step_functions_standard_transition_per_thousand,
        "KMS": total("aws:kms:") / 10_000 * prices.kms_request_per_ten_thousand,
        "S3": (total("aws:s3:PutObject") / 1000 * prices.s3_put_per_thousand)
        + (total("aws:s3:GetObject") / 1000 * prices.s3_get_per_thousand),
        "CloudWatch Logs": total("logs:bytes") / 1024**3 * prices.cloudwatch_logs_ingest_gb,
        "X-Ray": traced * assumptions.trace_sampling / 1e6 * prices.xray_trace_recorded_per_million,
    }


# -------------------------------------------------------------------------------------------- the limits
class Limit(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    aws: bool  # an AWS quota (else a messenger's limit)
    demand: float  # at the peak, per second (or in flight)
    limit: float
    binds_at_customers: float
    remedy: str
    source: str

    @property
    def utilisation(self) -> float:
        return self.demand / self.limit


def limits(peak: Mapping[str, float], in_flight: Mapping[str, float], inputs: Inputs) -> list[Limit]:
    """Every limit the peak meets, with the customers at which it binds; the first to bind first."""
    customers = inputs.assumptions.customers
    quotas = inputs.quotas
    found: list[Limit] = []

    def add(name: str, demand: float, limit: float, remedy: str, source: str, *, aws: bool = True) -> None:
        found.append(
            Limit(
                name=name,
                aws=aws,
                demand=demand,
                limit=limit,
                binds_at_customers=binds_at(customers, demand, limit),
                remedy=remedy,
                source=source,
            )
        )

    def quota(name: str, key: str, demand: float) -> None:
        q = quotas[key]
        add(name, demand, q.limit, q.raise_, q.source)

    for channel, platform in PLATFORM_LIMITS.items():
        add(
            f"{MESSENGER_NAMES[channel]}: messages per second per bot"
            + (" (in and out: WhatsApp counts both)" if channel in COUNTS_INBOUND else ""),
            peak.get(f"out:{channel}:messages", 0.0)
            + (peak.get(f"in:{channel}:messages", 0.0) if channel in COUNTS_INBOUND else 0.0),
            platform.bot.per_second,
            {
                "telegram": "the FAQ's 30/s is for bulk notifications, yet channels/ratelimit.py paces every send at "
                "it: pace only notices bot-wide and replies per chat (a design change), and for notices beyond 30/s "
                "Telegram's paid broadcasts (allow_paid_broadcast, up to 1,000/s, 0.1 Star a message)",
                "viber": "a higher rate agreed with Rakuten Viber (partner account); until then Viber's turns wait",
                "whatsapp": "Meta's automatic upgrade to 1,000 mps (unlimited messaging tier, quality medium or "
                "better): set PLATFORM_LIMITS to it when granted",
                "messenger": "none needed at this size; a second Page splits the bank's chats if ever",
            }[channel],
            inputs.messenger_sources[channel],
            aws=False,
        )
    quota("Lambda: concurrent executions (all functions)", "lambda_concurrent_executions", sum(in_flight.values()))
    quota("API Gateway HTTP API: requests per second", "http_api_requests_per_second", peak.get("api:requests", 0.0))
    sqs_busiest = max((v for k, v in peak.items() if k.startswith("aws:sqs:")), default=0.0)
    mode, key = (
        ("high-throughput mode, as deployed", "sqs_fifo_high_throughput_tps_per_action")
        if inputs.inbound_high_throughput
        else ("as deployed", "sqs_fifo_tps_per_action")
    )
    quota(f"SQS FIFO InboundQueue: calls per second per action ({mode})", key, sqs_busiest)
    transitions = sum(v for k, v in peak.items() if k.startswith("sfn:") and k.endswith(":transitions"))
    quota("Step Functions: state transitions per second", "step_functions_state_transitions_per_second", transitions)
    quota(
        "Step Functions: StartExecution per second",
        "step_functions_start_execution_per_second",
        peak.get("aws:states:StartExecution", 0.0),
    )
    kms = sum(v for k, v in peak.items() if k.startswith("aws:kms:"))
    quota("KMS: symmetric cryptographic requests per second", "kms_symmetric_requests_per_second", kms)
    quota(
        "SSM Parameter Store: GetParameter per second",
        "ssm_get_parameter_per_second",
        secret_reads_per_second(sum(in_flight.values()), inputs.assumptions.secrets_per_environment),
    )
    tables = sorted({k.split(":")[1] for k in peak if k.startswith("ddb:")})
    for table in tables:
        units = max(peak.get(f"ddb:{table}:rcu", 0.0), peak.get(f"ddb:{table}:wcu", 0.0))
        quota(f"DynamoDB {table}: request units per second (table)", "dynamodb_table_request_units_per_second", units)
    for key in sorted(k for k in peak if k.startswith("hot:")):
        table, kind, value = key[len("hot:") :].split("|", 2)
        quota(
            f"DynamoDB {table}: one partition, key {value!r} ({kind}s)",
            "dynamodb_partition_wcu" if kind == "write" else "dynamodb_partition_rcu",
            peak[key],
        )
    return sorted(found, key=lambda limit: limit.binds_at_customers)


# ------------------------------------------------------------------------------------------ the document
class Model(BaseModel):
    model_config = ConfigDict(frozen=True)

    turns: dict[str, float]
    unit: dict[str, Usage]
    day: Usage
    peak: Usage
    in_flight: dict[str, float]
    cost: dict[str, float]
    limits: list[Limit]


def model(measured: Mapping[str, Any], inputs: Inputs) -> Model:
    a = inputs.assumptions
    unit = per_turn(measured, a.channel_share)
    turns = turns_per_day(a, {kind: unit[kind]["inbound"] for kind in unit})
    day = daily_usage(turns, unit)
    peak = {key: peak_per_second(value, a.peak_to_average) for key, value in day.items()}
    functions = sorted({k.split(":")[1] for k in day if k.startswith("lambda:")})
    in_flight = {
        fn: concurrency(
            peak[f"lambda:{fn}:invocations"], day[f"lambda:{fn}:ms"] / 1000 / day[f"lambda:{fn}:invocations"]
        )
        for fn in functions
        if day[f"lambda:{fn}:invocations"] > 0
    }
    cost = monthly_cost(day, a, inputs.prices_usd)
    return Model(
        turns=turns,
        unit=unit,
        day=day,
        peak=peak,
        in_flight=in_flight,
        cost=cost,
        limits=limits(peak, in_flight, inputs),
    )


def _n(value: float, digits: int = 0) -> str:
    if math.isinf(value):
        return "never"
    return f"{value:,.{digits}f}"


def _money(value: float) -> str:
    if value < 1:
        return f"${value:.4f}"
    return f"${value:,.2f}" if value < 1000 else f"${value:,.0f}"


def render(measured: Mapping[str, Any], inputs: Inputs) -> str:
    m = model(measured, inputs)
    a, p = inputs.assumptions, inputs.prices_usd
    active_day = a.customers * a.active_share_per_day
    active_month = a.customers * a.active_share_per_month
    monthly = sum(m.cost.values())
    inbound_day = m.day["inbound"]
    first = m.limits[0]
    first_aws = next(limit for limit in m.limits if limit.aws)
    lines = [
        f"# Capacity and cost for {a.customers / 1e6:g} million customers",
        "",
        "<!-- Generated by `python -m bench capacity` from bench/data/aws_calls.json (measured) and",
        "     bench/data/capacity_assumptions.json (assumed); do not edit by hand: change the data and run it again.",
        "     tests/unit/bench/test_capacity.py fails when this file and the data disagree. -->",
        "",
        f"Measured with `{measured['command']}` on {measured['measured_on']}; prices read on {p.read_on} for "
        f"{p.region}.",
        "",
        "## Headline",
        "",
        "| | |",
        "|---|---|",
        f"| Peak inbound messages per second | **{_n(m.peak['inbound'], 1)}** "
        f"({_n(inbound_day)} a day, ×{a.peak_to_average:g} at the peak) |",
        f"| AWS cost per month | **{_money(monthly)}** |",
        f"| Cost per active customer-month | **{_money(monthly / active_month)}** "
        f"({_n(active_month)} customers active in a month; {_money(monthly / a.customers)} per customer) |",
        f"| First limit that binds | **{first.name}** — at {_n(first.binds_at_customers)} customers "
        f"({first.utilisation:.1f}× the limit at {a.customers / 1e6:g} M) |",
        f"| First AWS quota that binds | **{first_aws.name}** — at {_n(first_aws.binds_at_customers)} customers "
        f"({first_aws.utilisation:.2f}× the quota at {a.customers / 1e6:g} M) |",
        "",
        "## Assumptions",
        "",
        "| Assumption | Value | Why |",
        "|---|---|---|",
    ]
    for name, value in a.model_dump().items():
        shown = ", ".join(f"{k} {v:g}" for k, v in value.items()) if isinstance(value, dict) else f"{value:,}"
        lines.append(f"| {name} | {shown} | {inputs.why.get(name, '')} |")
    lines += [
        "",
        "## The day",
        "",
        f"{_n(active_day)} active customers a day. Turns a day by kind, and what one turn costs "
        "(the messengers' mix; measured per turn on the local cloud):",
        "",
        "| Turn | A day | Messages in | Lambda invocations | AWS calls | DynamoDB RCU / WCU | Transitions | "
        "Messages out | Bank calls |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in (ISSUANCE, FILLER, *JOURNEYS):
        u = m.unit[kind]

        def part(prefix: str, suffix: str = "", u: Usage = u) -> float:
            return sum(v for k, v in u.items() if k.startswith(prefix) and k.endswith(suffix))

        lines.append(
            f"| {kind} | {_n(m.turns[kind])} | {u['inbound']:.1f} | {part('lambda:', ':invocations'):.1f} | "
            f"{part('aws:'):.1f} | {part('ddb:', ':rcu'):.1f} / {part('ddb:', ':wcu'):.1f} | "
            f"{part('sfn:', ':transitions'):.1f} | {part('out:', ':messages'):.1f} | {part('bank:calls'):.1f} |"
        )
    lines += [
        "",
        f"Inbound messages a day: {_n(inbound_day)}; at the peak {_n(m.peak['inbound'], 1)}/s.",
        "",
        "## Lambda concurrency at the peak",
        "",
        "Concurrency = invocations per second at the peak × mean duration (the local runner's durations, what its",
        "REPORT lines print, with the bank sandbox at full speed; each bank call adds "
        f"{a.bank_call_latency_ms:g} ms on AWS, counted in the cost, not here). The machine that measured them is "
        f"shared (load average {measured.get('load_average', 'not recorded')} at the end): the durations are an "
        "upper bound of Lambda's. On AWS the conversation takes up to 10 messages a batch, fewer invocations "
        "of longer duration: the same concurrency.",
        "",
        "| Function | Invocations/s | Mean ms | In flight |",
        "|---|---:|---:|---:|",
    ]
    for fn, flight in sorted(m.in_flight.items(), key=lambda item: -item[1]):
        mean_ms = m.day[f"lambda:{fn}:ms"] / m.day[f"lambda:{fn}:invocations"]
        lines.append(f"| {fn} | {m.peak[f'lambda:{fn}:invocations']:,.1f} | {mean_ms:,.0f} | {flight:,.1f} |")
    lines.append(
        f"| **all** | {sum(m.peak[f'lambda:{fn}:invocations'] for fn in m.in_flight):,.1f} | | "
        f"**{sum(m.in_flight.values()):,.1f}** |"
    )
    lines += [
        "",
        "## SQS FIFO, DynamoDB, Step Functions at the peak",
        "",
        "| What | Per second at the peak |",
        "|---|---:|",
    ]
    for key in sorted(k for k in m.peak if k.startswith("aws:sqs:")):
        lines.append(f"| SQS {key.split(':', 2)[2]} | {m.peak[key]:,.1f} |")
    tables = sorted({k.split(":")[1] for k in m.peak if k.startswith("ddb:")})
    for table in tables:
        lines.append(
            f"| DynamoDB {table} RCU / WCU | {m.peak[f'ddb:{table}:rcu']:,.1f} / {m.peak[f'ddb:{table}:wcu']:,.1f} |"
        )
    for key in sorted(k for k in m.peak if k.startswith("hot:")):
        lines.append(f"| hottest partition: {key[4:].replace('|', ' ')} | {m.peak[key]:,.1f} |")
    for key in sorted(k for k in m.peak if k.startswith("sfn:")):
        lines.append(f"| Step Functions {key.split(':')[1]} transitions | {m.peak[key]:,.1f} |")
    lines.append(f"| StartExecution | {m.peak.get('aws:states:StartExecution', 0.0):,.1f} |")
    lines += [
        "",
        "Message groups: one per chat (`channel:chat`), so as many groups as chats writing at once — "
        f"about {_n(m.peak['inbound'] * 10)} in any 10 s of the peak; a group's own rate is a person's typing, far "
        "below the 300 a second one group can take in high-throughput mode. "
        + (
            "The queue is deployed in high-throughput mode (`DeduplicationScope: messageGroup`, "
            "`FifoThroughputLimit: perMessageGroupId` in template.yaml): the quota is per action for the whole queue, "
            "and deduplication per chat, which is what the webhooks' dedupe ids mean."
            if inputs.inbound_high_throughput
            else "The queue as deployed is not in high-throughput mode (no `DeduplicationScope`/`FifoThroughputLimit` "
            "in template.yaml): 300 calls per second per action for the whole queue."
        ),
        "",
        "Step Functions: every journey is a Standard workflow. Express would lift the transition quota and cost less "
        "per transition, but the transfer and top-up journeys wait for a task token (the customer's Confirm, the "
        "acquirer's callback), which Express does not support: they stay Standard.",
        "",
        "## Messengers at the peak",
        "",
        "| Messenger | Messages out/s | Calls out/s | Limit per bot (channels/ratelimit.py) | Source |",
        "|---|---:|---:|---:|---|",
    ]
    for channel, platform in PLATFORM_LIMITS.items():
        lines.append(
            f"| {channel} | {m.peak.get(f'out:{channel}:messages', 0.0):,.1f} | "
            f"{m.peak.get(f'out:{channel}:calls', 0.0):,.1f} | {platform.bot.per_second:g} | "
            f"{inputs.messenger_sources[channel]} |"
        )
    lines += [
        "",
        "## Limits, the first to bind first",
        "",
        "| Limit | Demand at the peak | Limit | × | Binds at customers | What to do |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for limit in m.limits:
        lines.append(
            f"| {limit.name} | {limit.demand:,.1f} | {limit.limit:,.0f} | {limit.utilisation:.2f} | "
            f"{_n(limit.binds_at_customers)} | {limit.remedy} ([source]({limit.source.split(' ')[0]})) |"
        )
    lines += [
        "",
        "Quota values are the defaults the linked pages list for the region; the account's own values are in the "
        "Service Quotas console (new accounts start lower on some, e.g. Step Functions' transitions).",
        "",
        "## Cost per month",
        "",
        "| Line | USD per month | Per active customer-month |",
        "|---|---:|---:|",
    ]
    for line, usd in sorted(m.cost.items(), key=lambda item: -item[1]):
        lines.append(f"| {line} | {_money(usd)} | ${usd / active_month:.5f} |")
    lines += [
        f"| **total** | **{_money(monthly)}** | **${monthly / active_month:.4f}** |",
        "",
        "Not in the bill above: WhatsApp's per-message charges for templates outside the 24-hour window and "
        "Telegram's paid broadcasts (the messengers', not AWS's), data transfer out (a few KB per message), KMS keys "
        "($1 a month each), the free tiers (negligible at this size).",
        "",
        "Prices (USD, " + p.region + ", read " + p.read_on + "):",
        "",
    ]
    for name, value in p.model_dump().items():
        if name not in {"sources", "read_on", "region"}:
            lines.append(f"- {name}: {value:g}")
    lines += ["", "Sources: " + ", ".join(f"[{k}]({v})" for k, v in p.sources.items()) + ".", ""]
    lines += render_monthly_runs(inputs)
    lines += [
        "## How the numbers are made",
        "",
        "1. `python -m bench aws_calls` starts a local cloud, lets a first customer per messenger walk every turn "
        "(cold starts, not counted), then counts a new customer's turns: every AWS call where it enters moto's "
        "server, every Lambda invocation and its duration in the runner, DynamoDB units from the items' sizes "
        "(4 KB a read unit, half for an eventually consistent read; 1 KB a write unit, the larger of the item "
        "before and after), the StateEntered events of the journeys started, the calls to the fake messengers' "
        "APIs and to the bank sandbox, and the bytes logged. A partition key two customers' turns both touched "
        "is a shared key (every customer adds to it): the hottest-partition rows.",
        "2. `python -m bench capacity` weights each turn by the messengers' shares, multiplies by the turns of a "
        "day, takes the peak as the day's mean × the peak-to-average ratio, and writes this file.",
        "",
        f"Not counted: {measured['not_counted']}.",
        "",
    ]
    return "\n".join(lines)


MONTHLY_MACHINES = {"cashback-payout": "cashback_payout.asl.yaml", "credit-statement": "credit_statement.asl.yaml"}


def run_concurrency() -> dict[str, int]:
    """Each monthly run's Distributed Map concurrency, as its state machine sets it."""
    import yaml

    found: dict[str, int] = {}
    for journey, file in MONTHLY_MACHINES.items():
        machine = yaml.safe_load((ROOT / "statemachines" / file).read_text(encoding="utf-8"))
        (concurrency,) = [
            int(state["MaxConcurrency"])
            for state in machine["States"].values()
            if state.get("Type") == "Map" and state["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
        ]
        found[journey] = concurrency
    return found


@dataclass(frozen=True)
class MonthlyRun:
    journey: str
    customers: float
    concurrency: int
    hours: float
    transitions_usd: float
    express_usd: float

    @property
    def usd(self) -> float:
        return self.transitions_usd + self.express_usd


def monthly_runs(inputs: Inputs) -> list[MonthlyRun]:
    """A run's length (its customers at its concurrency, each child as long as assumed) and its Step Functions
    bill: one transition per child started (a Distributed Map's price) and the parent's own, and each Express
    child's request and duration (memory billed in 64 MB steps)."""
    r, p = inputs.monthly_runs, inputs.prices_usd
    runs = []
    for journey, concurrency in sorted(inputs.run_concurrency.items()):
        customers = inputs.assumptions.customers * r.customers_share[journey]
        seconds = r.child_seconds[journey]
        transitions = customers + r.parent_transitions
        runs.append(
            MonthlyRun(
                journey=journey,
                customers=customers,
                concurrency=concurrency,
                hours=customers * seconds / concurrency / 3600,
                transitions_usd=transitions / 1000 * p.step_functions_standard_transition_per_thousand,
                express_usd=customers / 1e6 * r.express_request_per_million
                + customers * seconds * (math.ceil(r.child_memory_mb / 64) * 64 / 1024) * r.express_gb_second,
            )
        )
    return runs


def render_monthly_runs(inputs: Inputs) -> list[str]:
    r, a = inputs.monthly_runs, inputs.assumptions
    runs = monthly_runs(inputs)
    listing_s = a.customers * a.stored_bytes_per_customer / 4096 / r.table_read_units_per_second
    pages = math.ceil(a.customers * a.stored_bytes_per_customer / 1_000_000)
    scan_hours = pages * r.scan_page_ms / 1000 / 3600
    steps = math.ceil(scan_hours * 3600 / r.listing_step_s)
    lines = [
        "## The monthly runs",
        "",
        "The cashback payout (`statemachines/cashback_payout.asl.yaml`) and the credit statement "
        "(`statemachines/credit_statement.asl.yaml`) list their customers to S3 (a CSV under `monthly-runs/` of the "
        "media bucket) and give each customer an Express child workflow of a Distributed Map that reads the list "
        "itself; the results go back to S3 and the run reads only the Map Run's counts. Nothing per customer is "
        "in the state: the 256 KB payload and 25,000-event history limits, which the inline Map of before broke "
        "at about 10,000 and a few thousand customers, no longer grow with the customers.",
        "",
        "| Run | Customers | At once (MaxConcurrency) | Customers a second | Hours | Step Functions USD a run |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        rate = run.concurrency / r.child_seconds[run.journey]
        lines.append(
            f"| {run.journey} | {_n(run.customers)} | {run.concurrency} | {rate:,.0f} | {run.hours:.1f} "
            f"| {_money(run.usd)} ({_money(run.transitions_usd)} transitions, {_money(run.express_usd)} Express) |"
        )
    lines += [
        "",
        f"Both runs once a month: **{_money(sum(run.usd for run in runs))}** a month of Step Functions, on top of the "
        "bill above (their Lambda and DynamoDB are not counted here).",
        "",
        "- Items per child: one customer. A child's retries fit an Express workflow's five minutes; its error is its "
        "own (its FAILED result names the customer), the others go on. Batching (`ItemBatcher`, say 100 customers a "
        "child) would cut the transitions (one per child started) about a hundredfold, "
        f"{_money(sum(run.transitions_usd for run in runs) * 0.99)} a month: not done yet, as the local cloud's "
        "interpreter (moto 5.2.5) has no ItemBatcher and a batch's child would need its own per-customer failure "
        "handling.",
        f"- Concurrency: each child has at most one call to core banking in flight, so MaxConcurrency bounds what "
        f"the runs ask of it: at most {r.core_banking_calls_in_flight} calls in flight (assumed below), about "
        f"{r.core_banking_calls_in_flight / (a.bank_call_latency_ms / 1000):,.0f} calls a second at "
        f"{a.bank_call_latency_ms:g} ms a call.",
        f"- Listing: the customers table is scanned (about {_n(a.customers * a.stored_bytes_per_customer / 4096)} "
        f"read units a run: consistent reads of {_n(a.stored_bytes_per_customer)} bytes a customer; at least "
        f"{listing_s:,.0f} s at the table's {_n(r.table_read_units_per_second)} read units a second), one 1 MB page "
        f"after another: {_n(pages)} pages, about {scan_hours:.1f} h at {r.scan_page_ms:g} ms a page, before the "
        f"first customer is paid. No Lambda runs that long: the listing is paginated, {_n(steps)} listing steps of "
        f"{r.listing_step_s:g} s, each uploading its customers as the next part of the list. A parallel scan "
        "(segments) would shorten it; a sparse index of the month's customers would spare it.",
        "",
        "| Assumption | Value | Why |",
        "|---|---|---|",
    ]
    for name, value in r.model_dump(exclude={"why"}).items():
        shown = ", ".join(f"{k} {v:g}" for k, v in value.items()) if isinstance(value, dict) else f"{value:g}"
        lines.append(f"| {name} | {shown} | {r.why.get(name, '')} |")
    return [*lines, ""]


def inbound_queue_high_throughput(template: Mapping[str, Any]) -> bool:
    """Whether the template deploys InboundQueue in SQS's high-throughput FIFO mode (both settings are needed)."""
    properties = template["Resources"]["InboundQueue"]["Properties"]
    return bool(
        properties.get("DeduplicationScope") == "messageGroup"
        and properties.get("FifoThroughputLimit") == "perMessageGroupId"
    )


def load_inputs() -> Inputs:
    from local.cloud.template import load_template_text

    template = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
    stated = json.loads(ASSUMPTIONS.read_text(encoding="utf-8"))
    return Inputs.model_validate(
        {
            **stated,
            "inbound_high_throughput": inbound_queue_high_throughput(template),
            "run_concurrency": run_concurrency(),
        }
    )


def load() -> tuple[dict[str, Any], Inputs]:
    measured: dict[str, Any] = json.loads(MEASURED.read_text(encoding="utf-8"))
    return measured, load_inputs()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench capacity", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/capacity.md is not what the data give")
    args = parser.parse_args(argv)
    measured, inputs = load()
    text = render(measured, inputs)
    if args.check:
        if DOC.read_text(encoding="utf-8") != text:
            print("docs/capacity.md differs from what the data give: run `python -m bench capacity`", file=sys.stderr)
            return 1
        print("docs/capacity.md matches the data")
        return 0
    DOC.write_text(text, encoding="utf-8")
    m = model(measured, inputs)
    print(text.split("## Assumptions")[0])
    print(f"  ({len(m.limits)} limits checked) → {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
