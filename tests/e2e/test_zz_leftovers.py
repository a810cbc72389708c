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
from tests.support.pan_oracle import pans_in

# Tokens and links this test mints bind chats with the cloud's identity key (tests/e2e/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]

CHANNELS = ["telegram", "viber", "whatsapp", "messenger"]


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


# A CVV as a log line, an item or a page would carry one: named (cvv, cvc, cvv2, csc: a key, a label or an element
# id such as the card details page's "card-cvv") and then three digits. A bare three-digit number cannot be told
# from any other; the card details e2e test (test_card_details.py) looks for its own CVV as a bare number too.
_NAMED_CVV = re.compile(r"(?i)\b(?:cvv2?|cvc2?|csc)\b\W{0,12}[0-9]{3}(?![0-9])")


def test_no_card_verification_value_is_left_in_logs_tables_histories_or_chats(cloud: LocalCloud) -> None:
    # The pattern finds a CVV as a JSON field, in free text and in the card details page's markup.
    samples = ['{"cvv": "739"}', "cvc2=012", '<b id="card-cvv">204</b>']
    assert all(_NAMED_CVV.search(sample) for sample in samples)
    assert not _NAMED_CVV.search('{"cvv": "***", "message": "CVV — на защищённой странице"}')
    texts: list[tuple[str, str]] = []
    texts += [
        ("logs", path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(cloud.logs.directory.rglob("*"))
        if path.is_file()
    ]
    dynamodb = cloud.client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            texts += [(f"table {table}", json.dumps(item, ensure_ascii=False, default=str)) for item in page["Items"]]
    sfn = cloud.client("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine["stateMachineArn"]):
            for execution in page["executions"]:
                history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
                texts.append(("execution histories", json.dumps(history["events"], default=str, ensure_ascii=False)))
    for channel in CHANNELS:
        texts += [("platform records", json.dumps(r, ensure_ascii=False)) for r in cloud.platforms.recorded(channel)]

    found = {where for where, text in texts if _NAMED_CVV.search(text)}

    assert any(where == "logs" for where, _ in texts)
    assert found == set()


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
