"""The SQS → Lambda event source, as the Lambda service runs it for a queue.

Polls each mapped queue, hands the function batches of up to BatchSize records in the SQS event
shape, deletes what succeeded and leaves the rest to reappear after the visibility timeout. With
ReportBatchItemFailures only the records the function names are kept; a function error keeps the
whole batch. moto's queue does the rest as SQS does: FIFO groups stay in order (a group with a message
in flight is held back) and a message received maxReceiveCount times moves to the dead-letter queue.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

from local.cloud.provision import EventSource
from local.cloud.runner import Invocation

Invoke = Callable[[str, bytes], Invocation]
Log = Callable[[str], None]


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    records = []
    for message in messages:
        attributes = dict(message.get("Attributes", {}))
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": attributes,
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value["DataType"],
                    }
                    for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def failed_message_ids(invocation: Invocation, source: EventSource, message_ids: list[str]) -> set[str]:
    """Which records go back to the queue after one invocation."""
    if invocation.function_error:
        return set(message_ids)
    if not source.report_batch_item_failures:
        return set()
    try:
        answer = invocation.json()
        failures = (answer or {}).get("batchItemFailures", [])
        named = {str(item["itemIdentifier"]) for item in failures}
    except (ValueError, TypeError, KeyError, AttributeError):
        return set(message_ids)  # an answer Lambda cannot read fails the whole batch, as on AWS
    if named - set(message_ids) or any(not item for item in named):
        return set(message_ids)
    return named


class SqsPoller:
    def __init__(self, source: EventSource, sqs: Any, invoke: Invoke, *, region: str, log: Log) -> None:
        self.source = source
        self._sqs = sqs
        self._invoke = invoke
        self._region = region
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sqs-{source.function_name}", daemon=True)

    def start(self) -> SqsPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_s=1)
            except Exception as exc:  # keep polling, as the service does, and say why
                self._log(f"event source {self.source.function_name}: {type(exc).__name__}: {exc}")
                self._stop.wait(1)

    def poll_once(self, wait_s: int = 0) -> int:
        response = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        event = sqs_event(messages, self.source.queue_arn, self._region)
        invocation = self._invoke(self.source.function_name, json.dumps(event).encode())
        failed = failed_message_ids(invocation, self.source, [m["MessageId"] for m in messages])
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self.source.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
                ],
            )
        if failed:
            # Failed records become visible again when their visibility timeout runs out.
            self._log(f"event source {self.source.function_name}: {len(failed)} of {len(messages)} records failed")
        return len(messages)
