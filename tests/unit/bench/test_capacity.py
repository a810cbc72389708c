"""The capacity model (bench/capacity.py) against figures computed by hand: a small made-up measurement and a
base set of assumptions, each case changing one thing from the base and naming what it checks; and the
committed docs/capacity.md against what the committed data give (so its numbers cannot drift)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench import capacity
from bench.aws_calls import read_units, write_units
from bench.capacity import Assumptions, Inputs

CHANNELS = ("telegram", "viber", "whatsapp", "messenger")
INBOUND = {"menu": 1, "balance": 3, "transfer": 4, "top_up": 5, "bill_payment": 7, "card_issuance": 10}


def row(channel: str, turn: str, **changes: Any) -> dict[str, Any]:
    """One measured turn: the conversation runs once per message for 200 ms at 1024 MB, one webhook call per
    message (behind the API), two messages out per message in, one 1-WCU write to the sessions table."""
    inbound = INBOUND[turn]
    measured: dict[str, Any] = {
        "channel": channel,
        "turn": turn,
        "customer": f"{channel}:first",
        "inbound_messages": inbound,
        "lambda": {
            "ConversationFunction": {"invocations": inbound, "duration_ms": 200.0 * inbound, "memory_mb": 1024},
            "TelegramWebhookFunction": {"invocations": inbound, "duration_ms": 0.0, "memory_mb": 512},
        },
        "aws_calls": {"sqs:SendMessage": inbound},
        "dynamodb": {"Sessions": {"reads": 0, "writes": inbound, "rcu": 0.0, "wcu": float(inbound)}},
        "dynamodb_shared_keys": {},
        "transitions": {},
        "outbound": {f"{channel}:{'sendMessage' if channel == 'telegram' else 'messages'}": 2 * inbound},
        "bank": {},
        "log_bytes": 0,
    }
    measured.update(changes)
    return measured


def measurement(*rows: dict[str, Any]) -> dict[str, Any]:
    given = {(r["channel"], r["turn"]) for r in rows}
    turns = list(rows) + [row(c, t) for c in CHANNELS for t in INBOUND if (c, t) not in given]
    return {
        "command": "made up",
        "measured_on": "2026-12-07",
        "api_functions": ["TelegramWebhookFunction"],
        "turns": turns,
        "not_counted": {},
    }


def base_inputs(**changes: Any) -> Inputs:
    committed = capacity.load_inputs()
    assumptions = Assumptions(
        customers=1_000_000,
        active_share_per_day=0.1,
        active_share_per_month=0.25,
        messages_per_active_customer=8,
        journeys_per_active_customer={"balance": 0.5, "transfer": 0.25, "top_up": 0.0, "bill_payment": 0.0},
        card_issuances_per_day=1000,
        peak_to_average=2,
        channel_share={"telegram": 1.0, "viber": 0.0, "whatsapp": 0.0, "messenger": 0.0},
        inbound_message_bytes=2000,
        bank_call_latency_ms=0,
        stored_bytes_per_customer=0,
        trace_sampling=0,
        secrets_per_environment=4,
        days_per_month=30,
    ).model_copy(update=changes)
    return committed.model_copy(update={"assumptions": assumptions})


def peak_inbound(measured: dict[str, Any], inputs: Inputs) -> float:
    return capacity.model(measured, inputs).peak["inbound"]


# ------------------------------------------------------------------------------ the day and its peak
def test_the_base_case_peak_is_the_days_messages_over_a_day_times_the_ratio() -> None:
    # 100,000 active × 8 messages + 1,000 onboardings × 10 messages = 810,000 a day; /86,400 × 2 = 18.75 a second
    assert peak_inbound(measurement(), base_inputs()) == pytest.approx(18.75)


def test_twice_the_active_share_doubles_the_active_customers_messages_only() -> None:
    # 200,000 × 8 + 10,000 = 1,610,000 a day → 37.2685 a second
    assert peak_inbound(measurement(), base_inputs(active_share_per_day=0.2)) == pytest.approx(1_610_000 / 86_400 * 2)


def test_a_higher_peak_to_average_ratio_scales_the_peak() -> None:
    assert peak_inbound(measurement(), base_inputs(peak_to_average=3)) == pytest.approx(810_000 / 86_400 * 3)


def test_the_messages_left_over_from_the_journeys_are_menu_turns() -> None:
    # balance 50,000 × 3 + transfer 25,000 × 4 = 250,000 messages; 800,000 - 250,000 = 550,000 menu turns
    turns = capacity.model(measurement(), base_inputs()).turns
    assert (turns["balance"], turns["transfer"], turns["menu"], turns["card_issuance"]) == pytest.approx(
        (50_000, 25_000, 550_000, 1000)
    )


def test_journeys_that_take_more_messages_than_assumed_are_refused() -> None:
    # 2 transfers × 4 messages = 8 per active customer, over the 7 assumed
    inputs = base_inputs(
        messages_per_active_customer=7,
        journeys_per_active_customer={"balance": 0.0, "transfer": 2.0, "top_up": 0.0, "bill_payment": 0.0},
    )
    with pytest.raises(ValueError, match="more than the 7"):
        capacity.model(measurement(), inputs)


def test_the_messengers_shares_weight_what_a_turn_sends() -> None:
    # a menu turn sends 2 messages on Telegram and 6 on Viber; a quarter Telegram: 0.25 × 2 + 0.75 × 6 = 5
    measured = measurement(row("viber", "menu", outbound={"viber:send_message": 6}))
    inputs = base_inputs(channel_share={"telegram": 0.25, "viber": 0.75, "whatsapp": 0.0, "messenger": 0.0})
    unit = capacity.per_turn(measured, inputs.assumptions.channel_share)
    assert unit["menu"]["out:viber:messages"] + unit["menu"]["out:telegram:messages"] == pytest.approx(5)


def test_shares_that_do_not_add_up_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match="add up to"):
        capacity.per_turn(measurement(), {"telegram": 0.5, "viber": 0.4, "whatsapp": 0.0, "messenger": 0.0})


def test_a_messenger_not_measured_is_refused() -> None:
    measured = measurement()
    measured["turns"] = [r for r in measured["turns"] if not (r["channel"] == "messenger" and r["turn"] == "menu")]
    with pytest.raises(ValueError, match="menu: not measured on messenger"):
        capacity.per_turn(measured, {"telegram": 0.5, "viber": 0.25, "whatsapp": 0.0, "messenger": 0.25})


# --------------------------------------------------------------------------------- Lambda and the limits
def test_concurrency_is_the_rate_times_the_duration() -> None:
    assert capacity.concurrency(100, 0.25) == 25


def test_the_conversations_concurrency_at_the_peak() -> None:
    # 18.75 conversation invocations a second (one per message) × 0.2 s = 3.75 in flight
    assert capacity.model(measurement(), base_inputs()).in_flight["ConversationFunction"] == pytest.approx(3.75)


def test_secrets_are_read_per_environment_per_cache_period_not_per_message() -> None:
    # 3.75 executions in flight → 4 environments × 4 secrets / 300 s (messenger_bank.secrets.CACHE_SECONDS)
    ssm = next(x for x in capacity.model(measurement(), base_inputs()).limits if x.name.startswith("SSM"))
    assert ssm.demand == pytest.approx(4 * 4 / 300)


def test_a_limit_binds_at_the_customers_where_demand_meets_it() -> None:
    assert capacity.binds_at(19_800_000, 600, 300) == 9_900_000
    assert capacity.binds_at(19_800_000, 150, 300) == 39_600_000
    assert capacity.binds_at(19_800_000, 0, 300) == math.inf


def test_telegrams_bot_rate_is_the_first_limit_when_its_messages_outrun_it() -> None:
    # 2 messages out per message in: 37.5 a second at the peak, over Telegram's 30 → binds at 800,000 customers
    first = capacity.model(measurement(), base_inputs()).limits[0]
    assert first.name.startswith("Telegram")
    assert (first.demand, first.binds_at_customers) == pytest.approx((37.5, 800_000))


def test_whatsapps_throughput_counts_the_messages_in_as_well_as_out() -> None:
    # all on WhatsApp: 2 out + 1 in per message, 18.75 messages a second at the peak → 56.25 against its 80
    inputs = base_inputs(channel_share={"telegram": 0.0, "viber": 0.0, "whatsapp": 1.0, "messenger": 0.0})
    whatsapp = next(x for x in capacity.model(measurement(), inputs).limits if x.name.startswith("WhatsApp"))
    assert (whatsapp.demand, whatsapp.limit) == pytest.approx((56.25, 80))


def test_a_key_every_customer_shares_is_a_hot_partition_row() -> None:
    # each menu turn writes 3 units to the bot's send-rate key: 550,000 × 3 / 86,400 × 2 = 38.19 WCU a second
    shared = {"SendRates|write|telegram:bot": 3.0}
    measured = measurement(row("telegram", "menu", dynamodb_shared_keys=shared))
    limit = next(x for x in capacity.model(measured, base_inputs()).limits if "telegram:bot" in x.name)
    assert (limit.demand, limit.limit) == pytest.approx((550_000 * 3 / 86_400 * 2, 1000))


# ------------------------------------------------------------------------------------------- the money
def test_lambda_duration_is_billed_in_gb_seconds() -> None:
    # the conversation: 810,000 invocations a day × 0.2 s × 1 GB = 162,000 GB-s a day, × 30 days × the price
    price = capacity.load_inputs().prices_usd.lambda_gb_second_x86
    cost = capacity.model(measurement(), base_inputs()).cost
    assert cost["Lambda duration"] == pytest.approx(162_000 * 30 * price)


def test_bank_latency_adds_half_a_gb_second_per_second_waited() -> None:
    # one bank call in each menu turn, 500 ms each: 550,000 × 0.5 s × 0.5 GB = 137,500 GB-s a day more
    price = capacity.load_inputs().prices_usd.lambda_gb_second_x86
    measured = measurement(row("telegram", "menu", bank={"core": 1}))
    cost = capacity.model(measured, base_inputs(bank_call_latency_ms=500)).cost
    assert cost["Lambda duration"] == pytest.approx((162_000 + 137_500) * 30 * price)


def test_a_message_over_64_kib_is_two_sqs_requests() -> None:
    price = capacity.load_inputs().prices_usd.sqs_fifo_request_per_million
    small = capacity.model(measurement(), base_inputs()).cost["SQS FIFO"]
    large = capacity.model(measurement(), base_inputs(inbound_message_bytes=65_537)).cost["SQS FIFO"]
    assert (small, large) == pytest.approx((810_000 * 30 / 1e6 * price, 2 * 810_000 * 30 / 1e6 * price))


def test_only_the_api_fronted_functions_are_api_gateway_requests() -> None:
    # the webhook (behind the API) once per message; the conversation (behind the queue) is not an API request
    price = capacity.load_inputs().prices_usd.http_api_request_per_million
    cost = capacity.model(measurement(), base_inputs()).cost
    assert cost["API Gateway (HTTP API)"] == pytest.approx(810_000 * 30 / 1e6 * price)


# ------------------------------------------------------------------------------------ DynamoDB's units
@pytest.mark.parametrize(
    ("size", "consistent", "units"),
    [(0, True, 1.0), (4096, True, 1.0), (4097, True, 2.0), (4096, False, 0.5), (8193, False, 1.5)],
)
def test_read_units_are_4_kb_each_and_half_when_eventually_consistent(
    size: int, consistent: bool, units: float
) -> None:
    assert read_units(size, consistent=consistent) == units


@pytest.mark.parametrize(("size", "units"), [(1, 1.0), (1024, 1.0), (1025, 2.0)])
def test_write_units_are_1_kb_each(size: int, units: float) -> None:
    assert write_units(size) == units


def test_a_transaction_costs_twice() -> None:
    assert (write_units(1024, transactional=True), read_units(4096, consistent=True, transactional=True)) == (2.0, 2.0)


def test_only_sends_and_edits_are_messages() -> None:
    assert capacity.is_message("telegram", "sendPhoto") and capacity.is_message("telegram", "editMessageText")
    assert not capacity.is_message("telegram", "answerCallbackQuery")
    assert not capacity.is_message("whatsapp", "media")


# ------------------------------------------------------------------------------------ the committed doc
def test_the_committed_doc_is_what_the_committed_data_give() -> None:
    measured, inputs = capacity.load()
    assert capacity.DOC.read_text(encoding="utf-8") == capacity.render(measured, inputs), (
        "docs/capacity.md is stale: run `python -m bench capacity`"
    )


# ------------------------------------------------------------------------------------------- the queue's mode
def queue(**properties: str) -> dict[str, Any]:
    return {"Resources": {"InboundQueue": {"Properties": {"FifoQueue": True, **properties}}}}


@pytest.mark.parametrize(
    ("properties", "high"),
    [
        ({"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}, True),
        ({"FifoThroughputLimit": "perMessageGroupId"}, False),  # deduplication still queue-wide: not the mode
        ({"DeduplicationScope": "messageGroup"}, False),  # throughput still per queue
        ({"DeduplicationScope": "queue", "FifoThroughputLimit": "perMessageGroupId"}, False),
        ({}, False),
    ],
)
def test_the_inbound_queue_is_in_high_throughput_mode_only_with_both_settings(
    properties: dict[str, str], high: bool
) -> None:
    assert capacity.inbound_queue_high_throughput(queue(**properties)) is high


@pytest.mark.parametrize(("high", "limit"), [(True, 19_000), (False, 300)])
def test_the_inbound_queues_quota_is_the_one_of_its_deployed_mode(high: bool, limit: int) -> None:
    inputs = base_inputs().model_copy(update={"inbound_high_throughput": high})
    rows = [x for x in capacity.model(measurement(), inputs).limits if x.name.startswith("SQS FIFO InboundQueue")]
    assert [row.limit for row in rows] == [limit]


def test_the_template_deploys_the_inbound_queue_in_high_throughput_mode() -> None:
    assert capacity.load_inputs().inbound_high_throughput


# --- the monthly runs (a Distributed Map over a list in S3) ------------------------------------------------
def test_the_monthly_runs_concurrency_is_read_from_their_machines() -> None:
    assert capacity.load_inputs().run_concurrency == capacity.run_concurrency()
    assert set(capacity.run_concurrency()) == {"cashback-payout", "credit-statement"}


def test_a_monthly_run_lasts_its_customers_times_a_childs_seconds_over_its_concurrency() -> None:
    inputs = base_inputs()
    statement = {run.journey: run for run in capacity.monthly_runs(inputs)}["credit-statement"]
    doubled = inputs.model_copy(update={"run_concurrency": {"credit-statement": statement.concurrency * 2}})
    (faster,) = capacity.monthly_runs(doubled)

    seconds = inputs.monthly_runs.child_seconds["credit-statement"]
    assert statement.hours == pytest.approx(inputs.assumptions.customers * seconds / statement.concurrency / 3600)
    assert faster.hours == pytest.approx(statement.hours / 2)
    assert faster.usd == pytest.approx(statement.usd)  # the same children, sooner


def test_a_monthly_run_pays_one_transition_per_child_and_each_express_childs_request_and_duration() -> None:
    inputs = base_inputs()
    run = {run.journey: run for run in capacity.monthly_runs(inputs)}["cashback-payout"]
    r, p = inputs.monthly_runs, inputs.prices_usd

    assert run.transitions_usd == pytest.approx(
        (run.customers + r.parent_transitions) / 1000 * p.step_functions_standard_transition_per_thousand
    )
    gb_seconds = run.customers * r.child_seconds["cashback-payout"] * 64 / 1024
    assert run.express_usd == pytest.approx(
        run.customers / 1e6 * r.express_request_per_million + gb_seconds * r.express_gb_second
    )
