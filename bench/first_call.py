"""A webhook's init and its first invocation, so that an import made lazy cannot hide its cost: a fresh process per
figure imports the handler module (init) and runs it once on its sample event (events/<fn>/), made fresh and signed
with the bench's secrets, against moto (SSM, DynamoDB, SQS; started before either clock). CPU time of this process
for each part, how many SSM calls each made, and how many updates the invocation queued (the common path ran).

    python -m bench first_call [runs] [--before DIR]    # DIR: a checkout of another commit, timed in the same runs

moto's own work is in both parts and on both sides of a before/after; read the differences, not the absolute times.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.stats import median

ROOT = Path(__file__).resolve().parents[1]
WEBHOOKS = {
    "TelegramWebhookFunction": ("telegram_webhook", "update.json"),
    "ViberWebhookFunction": ("viber_webhook", "sample.json"),
    "WhatsAppWebhookFunction": ("whatsapp_webhook", "sample.json"),
    "MessengerWebhookFunction": ("messenger_webhook", "sample.json"),
}

# Runs in a fresh interpreter: argv[1] the checkout's root, argv[2] the function folder, argv[3] the sample event.
CHILD = r"""
import base64, hashlib, hmac, json, os, sys, time
root, folder, event_path = sys.argv[1:4]
from moto import mock_aws
import boto3, botocore.client
mock_aws().start()
secrets = {
    "telegram/bot-token": "bench-bot", "telegram/secret-token": "bench-telegram", "viber/auth-token": "bench-viber",
    "meta/app-secret": "bench-meta", "meta/verify-token": "bench-verify", "whatsapp/access-token": "bench-wa",
    "whatsapp/phone-number-id": "100", "messenger/page-access-token": "bench-page",
}
for path, value in secrets.items():
    boto3.client("ssm").put_parameter(Name=f"/bench/{path}", Value=value, Type="SecureString")
boto3.client("dynamodb").create_table(
    TableName="bench-idempotency", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
)
queue = boto3.client("sqs").create_queue(QueueName="bench-inbound.fifo", Attributes={"FifoQueue": "true"})
os.environ["INBOUND_QUEUE_URL"] = queue["QueueUrl"]
ssm_calls = []
make_api_call = botocore.client.BaseClient._make_api_call
def counted(client, operation, params):
    if client.meta.service_model.service_name == "ssm":
        ssm_calls.append(operation)
    return make_api_call(client, operation, params)
botocore.client.BaseClient._make_api_call = counted

now = time.time()
def fresh(node, key=None):
    # The platform's timestamps made now, in the unit and type the sample has: a stale update is dropped unqueued.
    if isinstance(node, dict):
        return {k: fresh(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [fresh(v) for v in node]
    if key in ("date", "timestamp", "time") and str(node).isdigit():
        value = int(now * 1000) if int(node) > 10**11 else int(now)
        return str(value) if isinstance(node, str) else value
    return node
event = json.load(open(event_path))
raw = base64.b64decode(event["body"]) if event.get("isBase64Encoded") else event["body"].encode()
body = json.dumps(fresh(json.loads(raw)), ensure_ascii=False).encode()
event["body"], event["isBase64Encoded"] = body.decode(), False
headers = {k: v for k, v in event["headers"].items() if k != "content-length"}
if "x-telegram-bot-api-secret-token" in headers:
    headers["x-telegram-bot-api-secret-token"] = "bench-telegram"
if "x-viber-content-signature" in headers:
    headers["x-viber-content-signature"] = hmac.new(b"bench-viber", body, hashlib.sha256).hexdigest()
if "x-hub-signature-256" in headers:
    headers["x-hub-signature-256"] = "sha256=" + hmac.new(b"bench-meta", body, hashlib.sha256).hexdigest()
event["headers"] = headers

class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:bench"
    aws_request_id = "bench-1"
    def get_remaining_time_in_millis(self):
        return 10_000

sys.path[0:0] = [folder, os.path.join(root, "layers", "common")]
started = time.process_time()
import app
initialised = time.process_time()
at_init = len(ssm_calls)
answer = app.lambda_handler(event, Context())
done = time.process_time()
attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=queue["QueueUrl"], AttributeNames=["All"])["Attributes"]
print(json.dumps({
    "queued": int(attributes["ApproximateNumberOfMessages"]),
    "init": (initialised - started) * 1000, "first": (done - initialised) * 1000, "ssm_init": at_init,
    "ssm_first": len(ssm_calls) - at_init, "status": answer.get("statusCode"),
}))
"""


def first_call(root: Path, folder: str, sample: str) -> dict[str, float]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "SECRETS_PREFIX": "/bench",
        "IDEMPOTENCY_TABLE": "bench-idempotency",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    code = root / "functions" / "edges" / folder
    done = subprocess.run(
        [sys.executable, "-P", "-c", CHILD, str(root), str(code), str(ROOT / "events" / folder / sample)],
        env=env,
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main(runs: int = 5, args: list[str] | None = None) -> None:
    args = list(args or [])
    trees = {"": ROOT}
    if "--before" in args:
        trees = {"(before)": Path(args[args.index("--before") + 1]).resolve(), "": ROOT}
    print(f"a webhook's init and first invocation on its sample event (moto), CPU ms, median of {runs} runs")
    print(f"  {'function':<34} {'init':>7} {'first':>7} {'both':>7}   SSM calls at init / first   status  queued")
    for name, (folder, sample) in WEBHOOKS.items():
        found: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
        for _ in range(runs):
            for label, root in trees.items():
                found[label].append(first_call(root, folder, sample))
        for label, figures in found.items():
            init = median([f["init"] for f in figures])
            first = median([f["first"] for f in figures])
            both = median([f["init"] + f["first"] for f in figures])
            calls = f"{figures[0]['ssm_init']:.0f} / {figures[0]['ssm_first']:.0f}"
            shown = f"{name} {label}".strip()
            outcome = f"{figures[0]['status']:>6.0f}  {figures[0]['queued']:>6.0f}"
            print(f"  {shown:<34} {init:7.1f} {first:7.1f} {both:7.1f}   {calls:>27}   {outcome}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5, sys.argv[2:])
