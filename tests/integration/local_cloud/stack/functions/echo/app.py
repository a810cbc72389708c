"""Answers with what it was given and what the Lambda service told it."""

import os
import time

STARTED = time.time()  # once per execution environment: tells a cold start from a warm one


def lambda_handler(event, context):
    print("echo was called")
    return {
        "event": event,
        "greeting": os.environ["GREETING"],
        "table": os.environ["TABLE_NAME"],
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "environment_started": STARTED,
        "pid": os.getpid(),
    }
