"""`make invoke FN=<function> EVENT=<file>`: one function, run as the local cloud runs it, on a real event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def invoke(function: str, event: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}",
        "LOCAL_STATE_DIR": str(tmp_path),  # no `make run` there: a short-lived cloud is started
        "LOCAL_ECHO_LOGS": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "local.invoke", function, event],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_invoking_the_telegram_webhook_on_its_sample_event_prints_its_answer(tmp_path: Path) -> None:
    done = invoke("telegram_webhook", "events/telegram_webhook/update.json", tmp_path)

    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["statusCode"] == 200


def test_a_function_that_refuses_the_event_says_so_with_its_own_answer(tmp_path: Path) -> None:
    done = invoke("TelegramWebhookFunction", "events/telegram_webhook/wrong_secret.json", tmp_path)

    assert json.loads(done.stdout)["statusCode"] == 401


def test_an_unknown_function_is_named_with_the_ones_that_exist(tmp_path: Path) -> None:
    done = invoke("no_such_function", "events/telegram_webhook/update.json", tmp_path)

    assert done.returncode != 0
    assert "TelegramWebhookFunction" in done.stderr
