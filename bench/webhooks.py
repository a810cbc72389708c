"""Webhook acknowledgement latency per messenger: signed bodies, as each platform signs them, POSTed to
the local API front (API Gateway event → the webhook Lambda in its own process → idempotency record in
DynamoDB → SQS FIFO → 200), p50 / p99 over a few thousand requests from a few concurrent clients, every
update with its own id so that each one is a real, first-time update. The conversation does not run
(`poll_queues=False`): only the acknowledgement is measured. Baseline: the same handler
(`accept_update`) measured in-process, with fake secrets and a fake enqueue, in the same run.

    python -m bench webhooks [--requests 2000] [--clients 4] [--max-seconds 240]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import copy
import hashlib
import hmac
import io
import itertools
import json
import logging
import os
import socket
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.stats import percentile, summary_ms
from local.cloud.cloud import LocalCloud
from local.cloud.config import DEV_SECRETS, CloudConfig
from local.platforms.inbound import serialize
from messenger_bank.types import Channel

ROOT = Path(__file__).resolve().parents[1]
CHANNELS: tuple[Channel, ...] = ("telegram", "viber", "whatsapp", "messenger")
WARMUP_PER_CHANNEL = 20  # cold starts and first connections, not counted

_ids = itertools.count(1)


# ---------------------------------------------------------------------------------------- the cloud
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def local_cloud(*, poll_queues: bool = True, fake_platforms: bool = True, **settings: Any) -> Iterator[LocalCloud]:
    """A local cloud of its own on free ports of 127.0.0.1, state in a temporary directory (settings: CloudConfig's)."""
    config = CloudConfig.on_free_ports(**settings)
    with tempfile.TemporaryDirectory(prefix="bench-cloud-") as state_dir:
        cloud = LocalCloud(
            config,
            state_dir=Path(state_dir),
            echo_logs=False,
            poll_queues=poll_queues,
            fake_platforms=fake_platforms,
        )
        with cloud:
            yield cloud


@contextlib.contextmanager
def quiet_logs() -> Iterator[io.StringIO]:
    """The layer's log lines and Powertools' metric flushes still happen (they cost what they cost in a
    Lambda), into a sink instead of this report."""
    from messenger_bank.observability import logger

    sink = io.StringIO()
    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(sink) for h in handlers]
    try:
        with contextlib.redirect_stdout(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Powertools: "Dimension 'channel' has already been added"
            yield sink
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)


# ---------------------------------------------------------------------------------------- the bodies
def sample(channel: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((ROOT / "events" / channel / "text.json").read_text(encoding="utf-8"))
    return body


def with_unique_id(channel: str, template: dict[str, Any], number: int) -> dict[str, Any]:
    """The sample text update with a fresh platform update id (and a chat of its own per client)."""
    body = copy.deepcopy(template)
    if channel == "telegram":
        body["update_id"] = 500_000_000 + number
        body["message"]["message_id"] = number
    elif channel == "viber":
        body["message_token"] = 7_000_000_000_000_000_000 + number
    elif channel == "whatsapp":
        body["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = f"wamid.bench{number:012d}"
    else:
        body["entry"][0]["messaging"][0]["message"]["mid"] = f"m_bench{number:012d}"
    return body


def signed_request(channel: str, number: int, template: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The exact bytes and headers the platform would POST (serialised and signed as it does)."""
    raw = serialize(channel, with_unique_id(channel, template, number))
    headers = {"Content-Type": "application/json"}
    if channel == "telegram":
        headers["X-Telegram-Bot-Api-Secret-Token"] = DEV_SECRETS["TELEGRAM_SECRET_TOKEN"]
    elif channel == "viber":
        key = DEV_SECRETS["VIBER_AUTH_TOKEN"].encode()
        headers["X-Viber-Content-Signature"] = hmac.new(key, raw, hashlib.sha256).hexdigest()
    else:
        key = DEV_SECRETS["META_APP_SECRET"].encode()
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
    return raw, headers


# ---------------------------------------------------------------------------------------- over HTTP
def post_many(url: str, channel: str, count: int, clients: int, deadline: float) -> tuple[list[float], int]:
    """`count` signed updates from `clients` concurrent keep-alive clients; latencies (ms), failures."""
    template = sample(channel)
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    numbers = iter(range(count))

    def client() -> None:
        nonlocal failures
        with httpx.Client(timeout=35.0, trust_env=False) as http:
            while time.monotonic() < deadline:
                with lock:
                    if next(numbers, None) is None:
                        return
                raw, headers = signed_request(channel, next(_ids), template)
                started = time.perf_counter()
                response = http.post(url, content=raw, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if response.status_code == 200:
                        latencies.append(elapsed)
                    else:
                        failures += 1

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    return latencies, failures


# ---------------------------------------------------------------------------------------- in process
def in_process(channel: Channel, count: int) -> list[float]:
    """`accept_update` itself: signature check, parse, normalise, with fake secrets and a fake enqueue."""
    from messenger_bank.channels.base import WebhookSecrets
    from messenger_bank.http import HttpRequest
    from messenger_bank.observability import metrics
    from messenger_bank.webhooks.service import QueuedUpdate, accept_update

    secrets = WebhookSecrets.model_validate(
        {
            "telegram_secret_token": DEV_SECRETS["TELEGRAM_SECRET_TOKEN"],
            "viber_auth_token": DEV_SECRETS["VIBER_AUTH_TOKEN"],
            "meta_app_secret": DEV_SECRETS["META_APP_SECRET"],
            "meta_verify_token": DEV_SECRETS["META_VERIFY_TOKEN"],
        }
    )
    queued = QueuedUpdate(message_id="bench")
    template = sample(channel)
    latencies: list[float] = []
    with quiet_logs() as sink:
        for index in range(WARMUP_PER_CHANNEL + count):
            raw, headers = signed_request(channel, next(_ids), template)
            request = HttpRequest(headers={k.lower(): v for k, v in headers.items()}, body=raw)
            started = time.perf_counter()
            answer = accept_update(channel, request, secrets=lambda _c: secrets, enqueue=lambda _e: queued)
            elapsed = (time.perf_counter() - started) * 1000
            if answer.status != 200:
                raise RuntimeError(f"{channel}: in-process answer {answer.status} {answer.body}")
            if index >= WARMUP_PER_CHANNEL:
                latencies.append(elapsed)
            sink.seek(0)
            sink.truncate()
    metrics.clear_metrics()  # nothing to publish from a benchmark
    return latencies


def _in_process_env() -> Callable[[], None]:
    """What the layer reads at import (service name, namespace); restored afterwards."""
    wanted = {
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"),
    }
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)

    def restore() -> None:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    return restore


# ---------------------------------------------------------------------------------------- report
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench webhooks", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="total measured requests, split over the four")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients per messenger")
    parser.add_argument("--max-seconds", type=float, default=240, help="stop sending after this long in total")
    args = parser.parse_args(argv)
    per_channel = max(1, args.requests // len(CHANNELS))

    restore = _in_process_env()
    try:
        baseline = {channel: in_process(channel, per_channel) for channel in CHANNELS}
    finally:
        restore()

    print("webhook acknowledgement latency: signed updates (unique ids) POSTed to the local API front")
    print(
        f"  {per_channel} requests per messenger, {args.clients} concurrent keep-alive clients, 127.0.0.1 only; "
        f"{WARMUP_PER_CHANNEL} warm-up requests each not counted"
    )
    print("  local cloud with poll_queues=False: the conversation Lambda does not run and does not compete;")
    print("  each request = API front → webhook Lambda (own process) → DynamoDB idempotency → SQS FIFO → 200")
    started = time.monotonic()
    with local_cloud(poll_queues=False, fake_platforms=False) as cloud:
        assert cloud.api is not None
        print(f"  (local cloud up in {time.monotonic() - started:.1f} s)")
        deadline = time.monotonic() + args.max_seconds
        for channel in CHANNELS:
            url = f"{cloud.api.base_url}/webhooks/{channel}"
            post_many(url, channel, WARMUP_PER_CHANNEL, args.clients, deadline)
            latencies, failures = post_many(url, channel, per_channel, args.clients, deadline)
            local = baseline[channel]
            http_p50, base_p50 = percentile(latencies, 0.5), percentile(local, 0.5)
            print(f"  {channel:<10} HTTP        {summary_ms(latencies)}  non-200: {failures}")
            print(f"  {'':<10} in-process  {summary_ms(local)}")
            ratio = http_p50 / base_p50 if base_p50 > 0 else float("nan")
            print(
                f"  {'':<10} ratio p50 {ratio:7.1f}x  p99 "
                f"{percentile(latencies, 0.99) / max(percentile(local, 0.99), 1e-9):7.1f}x"
            )
        assert cloud.runner is not None
        queue_urls = {spec.environment.get("INBOUND_QUEUE_URL") for spec in cloud.runner.functions.values()}
        sqs = cloud.client("sqs")
        queued = 0
        for queue_url in sorted(url for url in queue_urls if url):
            attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
            queued += int(attributes["Attributes"]["ApproximateNumberOfMessages"])
        print(f"  updates waiting on the inbound queue afterwards: {queued} (every 200 above queued one)")
        if time.monotonic() > deadline:
            print(f"  (stopped at the {args.max_seconds:.0f} s bound: fewer requests than asked)")


if __name__ == "__main__":
    main()
