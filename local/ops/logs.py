"""The log lines around one execution: every line of `logs_dir/*.log` (one file per function, JSON lines
from Powertools Logger, or plain text) whose correlation_id is one of the execution's references, or
that mentions one of them (the execution name or ARN, its application id). Masked before they leave."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from local.ops.masking import mask, mask_text

MIN_NEEDLE = 6  # shorter references would match unrelated lines
MAX_LINES = 300
TAIL_BYTES = 8 * 1024 * 1024  # a long-running local cloud: read the recent end of each file only


def _tail(path: Path) -> list[str]:
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - TAIL_BYTES))
        data = handle.read()
    lines = data.decode("utf-8", errors="replace").splitlines()
    return lines[1:] if size > TAIL_BYTES else lines


def related_log_lines(logs_dir: Path | None, needles: Iterable[str]) -> list[dict[str, Any]]:
    wanted = {needle for needle in needles if needle and len(needle) >= MIN_NEEDLE}
    if logs_dir is None or not wanted or not logs_dir.is_dir():
        return []
    found: list[dict[str, Any]] = []
    for path in sorted(logs_dir.glob("*.log")):
        for number, line in enumerate(_tail(path)):
            if not any(needle in line for needle in wanted):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                masked = mask(record)
                found.append(
                    {
                        "source": path.stem,
                        "order": number,
                        "timestamp": str(record.get("timestamp", "")),
                        "level": str(record.get("level", "")),
                        "message": masked.get("message", ""),
                        "correlation_id": masked.get("correlation_id"),
                        "record": masked,
                    }
                )
            else:
                found.append(
                    {
                        "source": path.stem,
                        "order": number,
                        "timestamp": "",
                        "level": "",
                        "message": mask_text(line),
                        "correlation_id": None,
                        "record": None,
                    }
                )
    found.sort(key=lambda entry: (entry["timestamp"], entry["source"], entry["order"]))
    return found[-MAX_LINES:]
