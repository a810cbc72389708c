"""Reports every record whose body says "poison" as failed, records the others in the table.

Two bodies do more, for the event source's concurrency and order: "wait-for:<body>" notes that it started, then
waits (up to WAIT_S) for <body> to be recorded by another batch, and records whether it was; "after:<body>" records
whether <body> had already been recorded when it ran.
"""

import os
import time

import boto3

WAIT_S = 15  # the function's timeout is 20 s

table = None


def recorded(body):
    return "Item" in table.get_item(Key={"id": body}, ConsistentRead=True)


def lambda_handler(event, context):
    global table
    table = table or boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    failures = []
    for record in event["Records"]:
        body = record["body"]
        item = {"id": body, "receives": record["attributes"]["ApproximateReceiveCount"]}
        if "poison" in body:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        if body.startswith("wait-for:"):
            table.put_item(Item={"id": f"started:{body}"})
            other, deadline = body.split(":", 1)[1], time.monotonic() + WAIT_S
            while not recorded(other) and time.monotonic() < deadline:
                time.sleep(0.1)
            item["saw"] = str(recorded(other))
        elif body.startswith("after:"):
            item["saw"] = str(recorded(body.split(":", 1)[1]))
        table.put_item(Item=item)
    return {"batchItemFailures": failures}
