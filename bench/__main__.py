"""Every benchmark, in order, each under its own header: figures printed, never asserted.

    python -m bench                 # all of them (NLU without the ~2 min public Banking77 benchmark)
    python -m bench <name> [args]   # one: cold_start, first_call, webhooks, outbound, turns, card_issuance,
                                    #      transfers, purchases, sessions, notices, nlu, images, aws_calls,
                                    #      capacity, load
    python -m bench --list

Each benchmark ends by itself; those that need the local cloud start and stop their own, on free ports
of 127.0.0.1.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from collections.abc import Callable

# name -> (header, runner taking the remaining command-line arguments)
BENCHES: dict[str, tuple[str, Callable[[list[str]], None]]] = {}


def _register(name: str, header: str) -> Callable[[Callable[[list[str]], None]], Callable[[list[str]], None]]:
    def add(runner: Callable[[list[str]], None]) -> Callable[[list[str]], None]:
        BENCHES[name] = (header, runner)
        return runner

    return add


@_register("cold_start", "Cold start of every function")
def _cold_start(args: list[str]) -> None:
    from bench import cold_start

    cold_start.main(int(args[0]) if args else 7, args[1:])


@_register("first_call", "A webhook's init and its first invocation")
def _first_call(args: list[str]) -> None:
    from bench import first_call

    first_call.main(int(args[0]) if args and args[0].isdigit() else 5, args[1:] if args and args[0].isdigit() else args)


@_register("webhooks", "Webhook acknowledgement latency per messenger")
def _webhooks(args: list[str]) -> None:
    from bench import webhooks

    webhooks.main(args)


@_register("outbound", "Outbound: rate limiter under a burst, MessageAPI under throttling")
def _outbound(args: list[str]) -> None:
    from bench import outbound

    outbound.main(args)


@_register("notices", "Notices when windows are closed: routes taken, none lost")
def _notices(args: list[str]) -> None:
    from bench import notices

    notices.main(args)


@_register("turns", "Turns: webhook in → first reply out, warm, and where the time goes")
def _turns(args: list[str]) -> None:
    from bench import turns

    turns.main(args)


@_register("card_issuance", "Card issuance: confirmation → card picture")
def _card_issuance(args: list[str]) -> None:
    from bench import card_issuance

    card_issuance.main(args)


@_register("transfers", "Transfers: confirmation → receipt, transitions, concurrent throughput")
def _transfers(args: list[str]) -> None:
    from bench import transfers

    transfers.main(args)


@_register("purchases", "Purchases: the card network's purchase → the notice in the chat")
def _purchases(args: list[str]) -> None:
    from bench import purchases

    purchases.main(args)


@_register("aws_calls", "AWS calls per turn, measured on the local cloud (for the capacity model)")
def _aws_calls(args: list[str]) -> None:
    from bench import aws_calls

    aws_calls.main(args)


@_register("capacity", "Capacity and cost for 19.8 million customers (docs/capacity.md)")
def _capacity(args: list[str]) -> None:
    from bench import capacity

    status = capacity.main(args)
    if status:
        raise SystemExit(status)


@_register("sessions", "Sign-in zone: the session JWT's cost per operation")
def _sessions(args: list[str]) -> None:
    from bench import sessions

    sessions.main()


@_register("load", "Load: signed webhooks at a set rate, every reply and every transfer exactly once")
def _load(args: list[str]) -> None:
    from bench import load

    load.main(args)


def _argv_main(module: str, args: list[str]) -> None:
    """Benchmarks whose main() reads sys.argv itself."""
    saved = sys.argv
    sys.argv = [f"bench.{module}", *args]
    try:
        importlib.import_module(f"bench.{module}").main()
    finally:
        sys.argv = saved


@_register("nlu", "NLU: accuracy and latency")
def _nlu(args: list[str]) -> None:
    _argv_main("nlu", args)


@_register("images", "Images: card, receipt, requisites")
def _images(args: list[str]) -> None:
    _argv_main("images", args)


def header(title: str) -> None:
    print()
    print(f"=== {title} " + "=" * max(3, 96 - len(title)))
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    if argv and argv[0] in {"-h", "--help", "--list"}:
        print(__doc__)
        print("benchmarks: " + ", ".join(BENCHES))
        return 0
    if argv:
        name, rest = argv[0].replace("-", "_"), argv[1:]
        if name not in BENCHES:
            print(f"unknown benchmark {argv[0]!r}; one of: {', '.join(BENCHES)}", file=sys.stderr)
            return 2
        title, runner = BENCHES[name]
        header(title)
        runner(rest)
        return 0
    # The whole run measures the AWS calls into bench/results/ and checks docs/capacity.md against the committed
    # data: it never rewrites what is committed (`python -m bench aws_calls` / `capacity` alone do).
    defaults = {
        "nlu": ["--skip-banking77"],
        "aws_calls": ["--out", "bench/results/aws_calls.json"],
        "capacity": ["--check"],
    }
    started = time.monotonic()
    failed = []
    for name in BENCHES:
        # Each in a fresh interpreter: moto's backends (and the layer's caches) are per process, so two
        # local clouds in one process would share their tables.
        section = time.monotonic()
        sys.stdout.flush()
        code = subprocess.run([sys.executable, "-m", "bench", name, *defaults.get(name, [])], check=False).returncode
        if code:
            failed.append(name)
        print(f"({name}: {time.monotonic() - section:.0f} s{f', exit status {code}' if code else ''})")
        sys.stdout.flush()
    print(
        f"\nall benchmarks in {time.monotonic() - started:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
