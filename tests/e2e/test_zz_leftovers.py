"""Last e2e test of the session (the file sorts last): everything the suite left behind is scanned for a
Luhn-valid card number and must hold none: the local cloud's logs, every
DynamoDB item, every Step Functions execution history, the fake platforms' records of the four
messengers, and S3 object keys. Run with ``-s`` to see the counts.

The scan's rule is the test oracle's (``tests/support/pan_oracle``: any 13 to 19 digits, however grouped, that
pass the Luhn check, whatever digit they start with), not the product's ``find_pans``: a mistake in the
product's rule must not hide a card number from the check of that very product."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from tests.support.pan_oracle import card_numbers_in

# Tokens and links this test mints bind chats with the cloud's identity key (tests/e2e/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]

CHANNELS = ["telegram", "viber", "whatsapp", "messenger"]
# The platforms' own ids (and correlation ids made of them) are numbers that may look like a card:
# Viber's message_token is a 19-digit integer starting with 5, Telegram's callback_query_id 19 digits, and one
# in ten passes the Luhn check. They are ids the platform assigned, not card data, so they are taken out
# before the scan (and only they: any other field is scanned).
# Messenger's page-scoped user ids are 16 digits (the fake platform's are 7000000000000000 + n), so one user in
# ten has an id that passes the Luhn check too: chat and user ids are taken out like the others.
_PLATFORM_IDS = re.compile(
    r'"?\b(id|message_id|button_message_id|message_token|update_id|reply_to_message_id|mid|callback_query_id'
    r'|correlation_id|chat_id|user_id|chat_key)\b"?\s*[:=]\s*"?(?:[a-z]+[:#-])?[0-9]+"?'
    # Correlation ids, chat keys and session keys wherever they appear: "<messenger>-<id>", "<messenger>:<id>".
    r"|\b(?:telegram|viber|whatsapp|messenger)[:-][0-9]+"
)

# Decimal numbers (metric values such as an EMF latency 5.377561...) are not card numbers either: their
# fraction may be 13-19 digits that pass the Luhn check. Only JSON numbers, though: in text a dot may group
# a card number's digits ("4111.1111.1111.1111").
_DECIMALS = re.compile(r"(?<=[:\[,])(\s*)-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?(?=\s*[,}\]])")
# Nor are UUIDs (request ids): "47622322-4009-4..." reads as 13 dash-grouped digits.
_UUIDS = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")


# Nor hashes: idempotency keys, dedupe ids and phone hashes are hex digests, and a digest's digits can
# run for 13 and pass the Luhn check. A hex token has a letter in it; a run of bare digits is still scanned.
_HEX_DIGESTS = re.compile(r"\b(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{24,}\b")


# Nor epoch timestamps in milliseconds, microseconds or nanoseconds (2017 to 2033: 15... to 19..., 13, 16 or 19
# digits), such as an EMF metric's "Timestamp": the oracle takes any first digit, and no card scheme issues
# numbers of those lengths starting with 1.
_EPOCH_TIMES = re.compile(r"(?<![0-9])1[5-9][0-9]{11}(?:[0-9]{3}){0,2}(?![0-9])")


CARD_INDUSTRY_DIGITS = frozenset("234569")


def pans_in(value: Any) -> list[str]:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    for pattern, replacement in (
        (_PLATFORM_IDS, ""),
        (_DECIMALS, r"\g<1>0.0"),
        (_UUIDS, "uuid"),
        (_HEX_DIGESTS, "hex"),
        (_EPOCH_TIMES, "epoch"),
    ):
        text = pattern.sub(replacement, text)
    # Card numbers start with a payment industry's digit (ISO/IEC 7812: 2-6, and 9 for BELKART). A run that starts
    # with 0, 1, 7 or 8 and happens to pass Luhn (an id or a counter joined to its neighbours by a space) is not one.
    return [number for number in card_numbers_in(text) if number[0] in CARD_INDUSTRY_DIGITS]


def test_nothing_the_suite_left_behind_holds_a_card_number(cloud: LocalCloud) -> None:
    # The scan finds a card number however a log line groups it, beside what it rightly leaves out.
    sample = '{"message": "card 4111\u00a01111.1111 1111", "Timestamp": 1796543136765, "id": 4222222222222}'
    assert pans_in(sample) == ["4111111111111111"]
    scanned: dict[str, int] = {}
    found: dict[str, list[str]] = {}

    def scan(where: str, value: Any, label: str = "") -> None:
        scanned[where] = scanned.get(where, 0) + 1
        pans = pans_in(value)
        if pans:
            found.setdefault(where, []).extend(f"{label}{p[:6]}…{p[-4:]}" for p in pans)

    for path in sorted(cloud.logs.directory.rglob("*")):
        if path.is_file():
            scan("log files", path.read_text(encoding="utf-8", errors="replace"))

    dynamodb = cloud.client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                # Attribute by attribute, so that a finding names its table and attribute.
                for attribute, value in item.items():
                    scan("DynamoDB items", value, f"{table}.{attribute}: ")

    sfn = cloud.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"]):
            for execution in page["executions"]:
                history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
                scan("execution histories", history["events"])

    for channel in CHANNELS:
        for record in cloud.platforms.recorded(channel):
            scan("platform records", record)

    s3 = cloud.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                scan("S3 object keys", obj["Key"])

    print("\nleftover scan:")
    for where, count in scanned.items():
        print(f"  {where:<22} scanned {count:>6}  card numbers found {len(found.get(where, [])):>3}")
    print(f"  {'total':<22} scanned {sum(scanned.values()):>6}  card numbers found {sum(map(len, found.values())):>3}")
    assert scanned.get("DynamoDB items", 0) > 0 and scanned.get("log files", 0) > 0
    assert found == {}


# A JWT or JWE in compact form: the session tokens, the one-time links' tokens, Keycloak's access tokens.
_COMPACT_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def test_no_session_link_or_bank_token_is_left_in_logs_or_execution_histories(cloud: LocalCloud) -> None:
    from messenger_bank.security.session_tokens import issue_session

    # The pattern finds a real token (a session as the functions make it), so finding none means something.
    assert _COMPACT_TOKEN.fullmatch(issue_session("c_scan", "telegram:1", key=b"k" * 48))
    found: dict[str, int] = {}
    logs = [path for path in sorted(cloud.logs.directory.rglob("*")) if path.is_file()]
    assert logs, "no function logs to scan"
    for path in logs:
        hits = len(_COMPACT_TOKEN.findall(path.read_text(encoding="utf-8", errors="replace")))
        if hits:
            found[path.name] = hits
    sfn = cloud.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"]):
            for execution in page["executions"]:
                history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
                hits = len(_COMPACT_TOKEN.findall(json.dumps(history["events"], default=str)))
                if hits:
                    found[execution["name"]] = hits

    assert found == {}
