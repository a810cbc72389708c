"""Card details through the whole local cloud: a customer asks for them in the chat, confirms with the bank password on
the secure page (the last proof is old), opens the details link, sees the full number, expiry and CVV once, and the
same link shows nothing the second time. Afterwards neither the number nor the CVV is in the chat, a log, a table or
a journey's history (the scan is shown to catch both in the page it was served)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

import httpx
import pytest

from local.cloud.cloud import LocalCloud
from tests.e2e.driver import web_app_form
from tests.e2e.test_sign_in import after, card_of, new_customer, page_link, proof_long_ago, to_card_services
from tests.support.pan_oracle import pans_in

# The chat bindings test_sign_in's helpers compute (to back-date a proof) are made with the cloud's identity key.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]

PASSWORD = "Details-pass-26"
SHOWN = re.compile(
    r'id="card-number">([0-9 ]+)</b>.*?id="card-expiry">([0-9/]+)</b>.*?id="card-cvv">([0-9]+)</b>', re.S
)


def cvv_by_the_sandbox_rule(cloud: LocalCloud, pan: str, expiry: str) -> str:
    """The CVV as local/sandbox/README.md says core banking computes it from its card verification key."""
    key = (cloud.sandbox.state_dir / "keys" / "card-verification.key").read_bytes()
    digest = hmac.new(key, f"{pan}|{expiry}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1000:03d}"


def leaks(text: str, pan: str, expiry: str, cvv: str) -> list[str]:
    """Where `text` holds the card's number (any grouping: the test oracle) or its CVV as a CVV: named as one
    (``cvv``, ``cvc``, ``card-cvv"``...) or shortly after the expiry, as a page or a message would put it."""
    found = ["number" for number in pans_in(text) if number == pan]
    named = re.compile(rf"(?i)(?:cvv2?|cvc2?|csc|security.?code)\W{{0,12}}{cvv}(?!\d)")
    after_expiry = re.compile(rf"{re.escape(expiry)}\D{{1,80}}(?<!\d){cvv}(?!\d)", re.S)
    found += ["cvv" for pattern in (named, after_expiry) if pattern.search(text)]
    return found


# Fields every log line has whose digits say nothing of a card: when, where in the code, which request.
_LOG_BOOKKEEPING = ("timestamp", "location", "function_request_id", "xray_trace_id", "function_arn", "correlation_id")
_CODE_LINES = re.compile(r"\.py:\d+|line \d+")


def bare_cvv_in_lines(text: str, cvv: str) -> list[str]:
    """The lines of a log file holding the CVV as a number of its own, anywhere but in a line's bookkeeping: for the
    logs of the one function that ever holds it (the secure page), where an unnamed CVV would be a leak too."""
    token = re.compile(rf"(?<![\d.,:]){cvv}(?![\d.,])")
    found = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            line = json.dumps({key: value for key, value in record.items() if key not in _LOG_BOOKKEEPING})
        if token.search(_CODE_LINES.sub("", line)):
            found.append(line)
    return found


def everything_left(cloud: LocalCloud, chat_channel: str) -> dict[str, list[str]]:
    """The texts the cloud keeps: log files, DynamoDB items, Step Functions histories, the platform's records."""
    texts: dict[str, list[str]] = {"logs": [], "tables": [], "histories": [], "chat": []}
    for path in sorted(cloud.logs.directory.rglob("*")):
        if path.is_file():
            texts["logs"].append(path.read_text(encoding="utf-8", errors="replace"))
    dynamodb = cloud.client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            texts["tables"].extend(json.dumps(item, ensure_ascii=False, default=str) for item in page["Items"])
    sfn = cloud.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"]):
            for execution in page["executions"]:
                events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
                texts["histories"].append(json.dumps(events, default=str, ensure_ascii=False))
    texts["chat"] = [json.dumps(record, ensure_ascii=False) for record in cloud.platforms.recorded(chat_channel)]
    return texts


def test_a_customer_sees_the_card_details_once_after_the_bank_password_and_they_are_left_nowhere(
    cloud: LocalCloud,
) -> None:
    chat, person, _, _ = new_customer(cloud, "telegram", prefix="58")
    pan, expiry = card_of(cloud, person)
    to_card_services(chat)
    set_password = after(chat, lambda: chat.press("Сменить пароль"), "Смените пароль банка")
    password_form = web_app_form(chat, {"password": PASSWORD, "password_confirm": PASSWORD})
    assert httpx.post(page_link(cloud, set_password, "password"), data=password_form, timeout=20).status_code == 200
    proof_long_ago(cloud, chat)

    # In the chat: Card details → the bank password again (the proof is old) → Continue → the details link.
    to_card_services(chat)
    asked = after(chat, lambda: chat.press("Данные карты"), "подтвердите пароль банка")
    confirm_form = web_app_form(chat, {"confirm": PASSWORD})
    confirmed = httpx.post(page_link(cloud, asked, "confirm"), data=confirm_form, timeout=20)
    offered = after(chat, lambda: chat.press("Продолжить"), "на защищённой странице")
    link = page_link(cloud, offered, "details")

    looked = httpx.get(link, timeout=20)  # as a messenger's preview or the Web App's first load
    shown = httpx.post(link, data=web_app_form(chat, {}), timeout=20)
    again = httpx.post(link, data=web_app_form(chat, {}), timeout=20)
    looked_again = httpx.get(link, timeout=20)

    assert confirmed.status_code == 200 and 'data-outcome="confirm_done"' in confirmed.text
    assert looked.status_code == 200 and not SHOWN.search(looked.text) and pans_in(looked.text) == []
    assert shown.status_code == 200, shown.text
    found = SHOWN.search(shown.text)
    assert found, shown.text
    cvv = cvv_by_the_sandbox_rule(cloud, pan, expiry)
    assert (found[1].replace(" ", ""), found[2], found[3]) == (pan, expiry, cvv)
    assert shown.headers["cache-control"] == "no-store"
    assert 'data-seconds="60"' in shown.text
    assert again.status_code == 410 and 'data-outcome="used"' in again.text
    assert looked_again.status_code == 410 and 'data-outcome="used"' in looked_again.text
    for nothing in (again, looked_again):
        assert leaks(nothing.text, pan, expiry, cvv) == []

    # The scan catches the number and the CVV where they were shown, and finds them nowhere the cloud keeps.
    assert set(leaks(shown.text, pan, expiry, cvv)) == {"number", "cvv"}
    assert leaks(json.dumps({"message": "card shown", "cvv": cvv}), pan, expiry, cvv) == ["cvv"]
    left: dict[str, Any] = {}
    kept = everything_left(cloud, chat.channel)
    for where, texts in kept.items():
        hits = [hit for text in texts for hit in leaks(text, pan, expiry, cvv)]
        if hits:
            left[where] = hits
    page_log = cloud.logs.directory / "messenger-bank-SecurePageFunction.log"
    page_lines = page_log.read_text(encoding="utf-8")
    # What the bot wrote (its buttons' links are tokens, whose letters and digits may run like anything).
    bot_said = [f"{m.get('text') or ''} {m.get('caption') or ''}" for m in chat.messages()]
    assert "card details shown" in page_lines  # the page's log is there, and scanned
    assert bare_cvv_in_lines(json.dumps({"message": "card details shown", "reason": cvv}), cvv)  # caught, unnamed
    assert kept["logs"] and kept["tables"] and kept["chat"]
    assert left == {}
    assert bare_cvv_in_lines(page_lines, cvv) == []
    assert [said for said in bot_said if re.search(rf"(?<!\d){cvv}(?!\d)", said) or pans_in(said)] == []
