"""One Lambda execution environment: a process that imports one handler (the init phase, once) and
then serves invocations one at a time, like the Python runtime interface client does.

Started by the runner as `python -m local.cloud.worker`; it reads invocations as JSON lines on stdin
and answers on a private pipe, so that whatever the function prints goes to its log, not the protocol.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any, TextIO


class LambdaContext:
    """The attributes and method the AWS Python runtime's context object has."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = request["invoked_function_arn"]
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request["request_id"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = int(request["deadline_ms"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """The shape the Python runtime returns for an unhandled exception."""
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__))[1:],
    }


def _answer(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main() -> None:
    # The protocol keeps the original stdout; the function's prints go to stderr, i.e. its log.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    started = time.perf_counter()
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # an init failure is reported on every invocation, as Lambda does
        init_error: dict[str, Any] | None = error_payload(exc, f"Runtime.{type(exc).__name__}")
        handler = None
    else:
        init_error = None
    _answer(channel, {"ready": True, "init_ms": (time.perf_counter() - started) * 1000})

    for line in sys.stdin:
        request = json.loads(line)
        started = time.perf_counter()
        if handler is None:
            assert init_error is not None
            outcome: dict[str, Any] = {"error": init_error}
        else:
            try:
                event = json.loads(request["payload"]) if request["payload"] else {}
                result = handler(event, LambdaContext(request))
            except Exception as exc:
                payload = error_payload(exc)
                payload["requestId"] = request["request_id"]
                traceback.print_exc()
                outcome = {"error": payload}
            else:
                try:
                    outcome = {"result": json.dumps(result)}
                except (TypeError, ValueError) as exc:
                    outcome = {"error": error_payload(exc, "Runtime.MarshalError")}
        outcome["duration_ms"] = (time.perf_counter() - started) * 1000
        sys.stderr.flush()
        _answer(channel, outcome)


if __name__ == "__main__":
    main()
