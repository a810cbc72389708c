"""Outlives its one-second timeout."""

import time


def lambda_handler(event, context):
    time.sleep(event.get("seconds", 3))
    return "finished"
