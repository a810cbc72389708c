"""`python -m messenger_bank.conversation.nlu`: what `make nlu` runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_cli_prints_one_json_object_per_input_line() -> None:
    # Given three utterances on standard input
    lines = "balans\nпереведи 50 рублей на 4111 1111 1111 1111\nasdkjh qwe\n"
    # When the module runs as a program
    completed = subprocess.run(
        [sys.executable, "-m", "messenger_bank.conversation.nlu"],
        input=lines,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "layers" / "common")},
    )
    # Then each line of output is one JSON object with text, intent, confidence and entities
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [set(record) for record in records] == [{"text", "intent", "confidence", "entities"}] * 3
    assert [record["intent"] for record in records] == ["balance", "transfer", None]
    assert records[1]["entities"] == [
        {"type": "amount", "value": "50.00 BYN"},
        {"type": "card_number", "value": "4111111111111111"},
    ]
    assert records[1]["text"] == "переведи 50 рублей на 4111 1111 1111 1111"
