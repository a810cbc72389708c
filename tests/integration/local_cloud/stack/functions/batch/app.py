"""Reports every record whose body says "poison" as failed, records the others in the table."""

import os

import boto3

table = None


def lambda_handler(event, context):
    global table
    table = table or boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    failures = []
    for record in event["Records"]:
        if "poison" in record["body"]:
            failures.append({"itemIdentifier": record["messageId"]})
        else:
            table.put_item(Item={"id": record["body"], "receives": record["attributes"]["ApproximateReceiveCount"]})
    return {"batchItemFailures": failures}
