"""Notices when windows are closed: how each one reached its customer, and how many were lost.

Customers on WhatsApp or Messenger, each also bound on Telegram, in four cases: wrote within the day
(window open), quiet for more than a day (window closed), blocked the bot on their first messenger, and
blocked it everywhere; and customers on Viber, also on Telegram, who have had Viber's 100 bot messages of
the hour without replying (Viber refuses the 101st). One `transfer.received` notice each, through
`notices.service.notify` and the MessageAPI, against the strict fake platforms (their own server, real
clock) and a moto customers table. Printed: per case, how many went free-form, as a WhatsApp template or
Messenger tag, or on another messenger, and how many no chat shows (lost); then the time per notice by
route (median and p95).
"What the customer sees" is read from the fake's chats, not from what the code says it did.

    python -m bench notices [--customers 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from unittest.mock import patch

import boto3
from moto import mock_aws

from bench.outbound import channel_settings, fake_platforms
from bench.stats import percentile
from bench.webhooks import quiet_logs
from local.platforms import platform_user_id
from messenger_bank import observability
from messenger_bank.channels.client import MessageAPI
from messenger_bank.customers.models import ChannelIdentity, NewCustomer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.customers.service import find_or_create
from messenger_bank.notices import service
from messenger_bank.notices.models import NotifyRequest
from messenger_bank.notices.windows import WindowsRepository
from tests.support.aws import create_table

CASES = ("window open", "window closed", "blocked on it", "blocked everywhere", "viber at its cap")
VALUES: dict[str, str | int] = {"amount": "25.00 BYN", "mask": "•• 4242"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench notices", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200, help="customers, spread over the cases")
    args = parser.parse_args(argv)
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    routes: dict[str, Counter[str]] = defaultdict(Counter)
    seconds: dict[str, list[float]] = defaultdict(list)
    out = sys.stdout
    sent: list[tuple[str, dict[str, str]]] = []
    with (
        fake_platforms() as server,
        quiet_logs(),
        mock_aws(),
        # What each notice counted (its route); the figures are read from the chats as well.
        patch.object(service, "count", lambda name, **dimensions: sent.append((name, dimensions))),
        patch.object(observability.metrics, "add_metric", lambda name, unit, value: sent.append((name, {}))),
    ):
        table = boto3.resource("dynamodb").Table(create_table(boto3.client("dynamodb"), "CustomersTable"))
        customers, windows = CustomersRepository(table), WindowsRepository(table)
        api = MessageAPI(channel_settings(server.base_url))
        store = server.store
        try:
            for index in range(args.customers):
                case = CASES[index % len(CASES)]
                channel = "viber" if case == "viber at its cap" else "whatsapp" if index % 2 else "messenger"
                phone = f"+37529{index:07d}"
                first = platform_user_id(channel, str(5000 + index), phone)
                telegram = platform_user_id("telegram", str(5000 + index), phone)
                identity = ChannelIdentity(channel=channel, user_id=first, chat_id=first)
                new = NewCustomer(bank_customer_id=f"B{index}", phone=phone, language="ru", identity=identity)
                customer_id = find_or_create(new, repository=customers).customer.customer_id
                also = ChannelIdentity(channel="telegram", user_id=telegram, chat_id=telegram)
                customers.link_identity(customer_id, also, datetime.now(UTC))
                now = time.time()
                for chat_channel, chat_id in ((channel, first), ("telegram", telegram)):
                    store.last_user_message[(chat_channel, chat_id)] = now
                if case == "window open":
                    windows.customer_wrote(f"{channel}:{first}", datetime.now(UTC))
                elif case == "viber at its cap":  # spent at Viber, unknown to the bank's own count
                    windows.customer_wrote(f"{channel}:{first}", datetime.now(UTC))
                    store.spend_viber_cap(first)
                else:
                    store.close_window(channel, first)
                if case in ("blocked on it", "blocked everywhere"):
                    store.blocked.add((channel, first))
                if case == "blocked everywhere":
                    store.blocked.add(("telegram", telegram))
                request = NotifyRequest(
                    chat_key=f"{channel}:{first}", language="ru", message="transfer.received", values=VALUES
                )
                before = len(sent)
                started = time.perf_counter()
                service.notify(request, messages=api, customers_repository=customers, windows=windows)
                took = time.perf_counter() - started
                route = _route([name_dims for name_dims in sent[before:]])
                seen = [
                    m
                    for key in ((channel, first), ("telegram", telegram))
                    for m in store.conversation(*key)
                    if m.sender == "bot"
                ]
                # Lost: no chat shows it and nothing counted it undelivered (silent, which must never be).
                routes[case][route if seen or route == "undelivered" else "lost"] += 1
                seconds[route].append(took)
        finally:
            api.close()
    columns = ("free_form", "outside_window", "other_messenger", "undelivered", "lost")
    print(f"{args.customers} customers, one notice each (WhatsApp, Messenger, Viber; each also on Telegram)", file=out)
    print(f"  {'case':<20}" + "".join(f"{c:>17}" for c in columns), file=out)
    for case in CASES:
        print(f"  {case:<20}" + "".join(f"{routes[case][c]:>17}" for c in columns), file=out)
    for route, times in sorted(seconds.items()):
        ms = [t * 1000 for t in times]
        print(
            f"  time per notice, {route:<16} median {percentile(ms, 0.5):6.1f} ms, p95 {percentile(ms, 0.95):6.1f} ms",
            file=out,
        )


def _route(counted: list[tuple[str, dict[str, str]]]) -> str:
    """How the notice went, from the metrics it counted (the chats say whether anyone saw it)."""
    names = [name for name, _ in counted]
    if "NoticesRerouted" in names:
        return "other_messenger"
    if "NoticesUndelivered" in names:
        return "undelivered"
    return next(dims["route"] for name, dims in counted if name == "NoticesSent")


if __name__ == "__main__":
    main()
