"""ImageAPI figures: cold font loading and the median render time of each picture and document.

Run from the repository root: PYTHONPATH=layers/common:. .venv/bin/python -m bench.images
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from messenger_bank.images.card import card_picture
from messenger_bank.images.fonts import clear_cache, font, font_bytes
from messenger_bank.images.models import CardPictureRequest, ReceiptRequest, RequisitesRequest, SharePictureRequest
from messenger_bank.images.receipt import receipt_picture
from messenger_bank.images.requisites import requisites_pdf
from messenger_bank.images.share import share_picture

RUNS = 15


def _ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def _cold_fonts() -> tuple[float, float]:
    """Reading both faces from disk, then the first face object (FreeType parsing), in ms."""
    clear_cache()
    read = _ms(lambda: (font_bytes(bold=False), font_bytes(bold=True)))
    first = _ms(lambda: font(40))
    return read, first


def _cold_import_ms() -> float:
    """Importing every renderer in a fresh interpreter: Pillow, qrcode, pydantic, Powertools."""
    modules = ("card", "receipt", "requisites", "share", "offers")
    renderers = ", ".join(f"messenger_bank.images.{name}" for name in modules)
    code = f"import time; t = time.perf_counter(); import {renderers}; print(time.perf_counter() - t)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(["layers/common", "."])}
    runs = [float(subprocess.check_output([sys.executable, "-c", code], env=env)) * 1000 for _ in range(5)]
    return statistics.median(runs)


def main() -> None:
    cold = [_cold_fonts() for _ in range(RUNS)]
    read_ms = statistics.median(read for read, _ in cold)
    first_face_ms = statistics.median(first for _, first in cold)
    print(f"cold import of the renderers: {_cold_import_ms():.0f} ms (median of 5 fresh interpreters)")
    print(f"cold font load: read both TTFs {read_ms:.3f} ms, first face {first_face_ms:.3f} ms")

    card = CardPictureRequest(
        design="virtual_visa",
        masked_number="4111 11** **** 1111",
        holder_latin="Aliaksandr Ushakou",
        holder_cyrillic="Аляксандр Ўшакоў",
        expiry="08/29",
        cashback_label="Cashback 5 % — Groceries",
    )
    receipt = ReceiptRequest(
        language="ru",
        kind="transfer",
        amount=123450,
        currency="BYN",
        fee=1852,
        from_masked="•• 1111",
        to_masked="5500 00** **** 0004",
        occurred_at=datetime(2025, 1, 15, 11, 30, tzinfo=UTC),
        operation_id="op_7f3a9c2e41b84d0f",
    )
    requisites = RequisitesRequest(
        language="be",
        holder_name="Аляксандр Ўшакоў",
        iban="BY13NBRB3600900000002Z00AB00",
        bank_name="ААТ «Messenger Bank»",
        bic="MSBKBY2X",
        bank_unp="100000001",
        currency="BYN",
        issued_on=date(2025, 1, 15),
    )
    share = SharePictureRequest(language="en", link="https://t.me/messenger_bank_bot?start=AB12CD34", code="AB12CD34")
    cases: list[tuple[str, Callable[[], bytes]]] = [
        ("card picture (PNG 1012x638)", lambda: card_picture(card)),
        ("receipt (PNG 900 wide)", lambda: receipt_picture(receipt)),
        ("requisites (PDF A4 150 dpi)", lambda: requisites_pdf(requisites)),
        ("share picture (PNG 1080x1350)", lambda: share_picture(share)),
    ]
    clear_cache()
    for name, render in cases:
        first = _ms(render)  # includes loading the faces and sizes this picture uses
        times = [_ms(render) for _ in range(RUNS)]
        size_kb = len(render()) / 1024
        print(
            f"{name:32} first {first:7.1f} ms   median {statistics.median(times):7.1f} ms   "
            f"max {max(times):7.1f} ms   {size_kb:6.1f} KB   ({RUNS} runs)"
        )


if __name__ == "__main__":
    main()
