"""The sandbox itself: state survives a restart, faults are set over HTTP, the CLI starts and stops."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from local.sandbox import Sandbox, start_sandbox
from messenger_bank.banking import service
from messenger_bank.banking.models.core import CreditRequest
from tests.integration.banking.conftest import FREE_PORTS, Clients


def test_balances_and_the_realm_key_survive_a_restart(tmp_path: Path) -> None:
    first = start_sandbox(tmp_path, ports=FREE_PORTS)
    try:
        clients = Clients(first)
        account = clients.core.cards("cus_existing0001")[0].account_id
        service.credit(
            CreditRequest(account_id=account, source="bonus", amount=777, currency="BYN", idempotency_key="restart-01"),
            core=clients.core,
        )
        kid = first.issuer.jwks()["keys"][0]["kid"]
        balance = clients.core.balance(account).available
    finally:
        first.stop()
    second = start_sandbox(tmp_path, ports=FREE_PORTS)
    try:
        assert second.issuer.jwks()["keys"][0]["kid"] == kid
        assert Clients(second).core.balance(account).available == balance
        assert second.ledger()["total"] == 0
    finally:
        second.stop()


def test_faults_are_set_and_cleared_over_the_admin_api(sandbox: Sandbox) -> None:
    admin = sandbox.directory()["admin_url"]
    rule = {"system": "core", "endpoint": "debit", "error_rate": 0.5, "latency_ms": [1, 2]}
    assert httpx.put(f"{admin}/faults", json=rule).status_code == 200
    assert httpx.get(f"{admin}/faults").json()["rules"][0]["error_rate"] == 0.5
    assert httpx.put(f"{admin}/faults", json={"error_rate": 2}).status_code == 400
    httpx.delete(f"{admin}/faults")
    httpx.post(f"{admin}/faults/realistic")
    assert httpx.get(f"{admin}/faults").json()["rules"][0]["latency_ms"] == [150, 300]
    httpx.delete(f"{admin}/faults")
    assert httpx.get(f"{admin}/ledger").json()["total"] == 0


def test_the_cli_serves_until_sigterm(tmp_path: Path) -> None:
    ports = [f"--port={name}=0" for name in FREE_PORTS]
    process = subprocess.Popen(
        [sys.executable, "-m", "local.sandbox", "--state-dir", str(tmp_path), *ports],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert process.stdout is not None
        lines = []
        while not lines or lines[-1] != "}\n":
            lines.append(process.stdout.readline())
        directory = json.loads("".join(lines))
        assert httpx.get(directory["systems"]["core"]["base_url"] + "/api/v1/pin-key").status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 10
