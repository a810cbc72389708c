"""The SQS → Lambda event source, as the Lambda service runs it for a queue.

Polls each mapped queue, hands the function batches of up to BatchSize records in the SQS event
shape, deletes what succeeded and leaves the rest to reappear after the visibility timeout. With
ReportBatchItemFailures only the records the function names are kept; a function error keeps the
whole batch. moto's queue does the rest as SQS does: FIFO groups stay in order (a group with a message
in flight is held back) and a message received maxReceiveCount times moves to the dead-letter queue.

Several batches run at once, as the Lambda service scales a mapping out (for a FIFO queue, up to one batch
per message group with messages): a chat's turn does not wait for another chat's batch to end. One thread
receives and hands each batch to a pool of `concurrency` (receives one at a time, so moto holds a group back
while its batch runs, as SQS does). It receives without moto's long poll (which, while a group's next message
waited behind its batch, spun a core for the whole wait second) and waits instead to be woken: by a message
sent to the queue (`wake`, which the local cloud hooks to moto's queue), by a batch ending (its group free
again), or after `IDLE_POLL_S` (a message whose visibility timeout ran out).
"""

from __future__ import annotations

import concurrent.futures
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


# As the Lambda service starts an SQS mapping: five batches at once (it scales further under a backlog; the local
# runner keeps at most 8 environments of a function). CloudConfig.event_source_batches sets it per local cloud.
DEFAULT_CONCURRENCY = 5
IDLE_POLL_S = 1.0  # with nothing to wake it, the poller looks again this often (redeliveries, delayed messages)


class SqsPoller:
    def __init__(
        self,
        source: EventSource,
        sqs: Any,
        invoke: Invoke,
        *,
        region: str,
        log: Log,
        concurrency: int | None = None,
    ) -> None:
        self.source = source
        self._sqs = sqs
        self._invoke = invoke
        self._region = region
        self._log = log
        self._stop = threading.Event()
        self._changed = threading.Event()  # a message was sent or a batch ended: look at the queue again
        concurrency = concurrency or DEFAULT_CONCURRENCY
        self._slots = threading.BoundedSemaphore(concurrency)
        self._batches = concurrent.futures.ThreadPoolExecutor(
            concurrency, thread_name_prefix=f"sqs-{source.function_name}"
        )
        self._thread = threading.Thread(target=self._run, name=f"sqs-{source.function_name}", daemon=True)

    def start(self) -> SqsPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._changed.set()
        self._thread.join(timeout=5)
        self._batches.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """Something changed on the queue (a message sent to it): receive now rather than at the next look."""
        self._changed.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=IDLE_POLL_S):
                continue  # every slot busy: look again when one is free
            handed_over = False
            try:
                self._changed.clear()  # before receiving: a message sent from now on wakes the wait below
                messages = self._receive(wait_s=0)
                if messages:
                    self._batches.submit(self._run_batch, messages)
                    handed_over = True
            except Exception as exc:  # keep polling, as the service does, and say why
                self._log(f"event source {self.source.function_name}: {type(exc).__name__}: {exc}")
                self._stop.wait(1)
            finally:
                if not handed_over:
                    self._slots.release()
            if not handed_over:
                self._changed.wait(IDLE_POLL_S)

    def _run_batch(self, messages: list[dict[str, Any]]) -> None:
        try:
            self._handle(messages)
        except Exception as exc:  # the records stay on the queue and come back after their visibility timeout
            self._log(f"event source {self.source.function_name}: {type(exc).__name__}: {exc}")
        finally:
            self._slots.release()
            self._changed.set()  # its groups are free: their next messages may go now

    def _receive(self, wait_s: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=min(self.source.batch_size, 10),
            WaitTimeSeconds=wait_s,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        return messages

    def _handle(self, messages: list[dict[str, Any]]) -> None:
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
