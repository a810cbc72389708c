"""The Lambda runner: runs each function as template.yaml declares it, in its own processes.

Each execution environment is a worker process (local/cloud/worker.py) with the function's code and
layers on its path, its environment variables, and its memory size and timeout. The first call starts
one (a cold start, init measured); later calls reuse an idle one (warm); concurrent calls get more, up to
a limit. A call that outlives the timeout kills its environment, and the error comes back in the shape
AWS returns: `FunctionError: Unhandled` and a payload with errorType and errorMessage. An environment left
idle longer than `idle_s` is shut down, as Lambda reclaims idle ones after some minutes: the next call
starts cold, and a long session (the end-to-end suites, a day of `make run`) holds only what it still uses.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

WORKER = Path(__file__).with_name("worker.py")
INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase


@dataclass(frozen=True)
class FunctionSpec:
    """What template.yaml says about one function, resolved."""

    name: str
    logical_id: str
    arn: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    handler: str
    runtime: str
    timeout_s: float
    memory_mb: int
    environment: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Invocation:
    payload: bytes
    function_error: str | None  # "Unhandled" when the function failed, as Lambda says
    request_id: str
    cold: bool
    duration_ms: float  # the call in its environment, handler and the pipe to it (what the REPORT line prints)
    acquire_ms: float = 0.0  # before it: waiting for an environment, and its start when cold
    handler_ms: float = 0.0  # the handler alone, as the worker timed it (what Lambda's REPORT Duration says)
    init_ms: float = 0.0  # the init phase, on a cold start
    function_name: str = ""
    started: float = 0.0  # epoch seconds, when the runner took the call
    payload_in: bytes = b""  # the event it was given (for the benches' breakdowns)

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload else None


InvocationListener = Callable[[Invocation], None]


# How often the files under a function's code and layers are looked at again for an edit. Every call looked
# (the layer's ~300 files, ~40 ms, under the runner's lock, so every function's calls waited in turn); an edit
# is still a new deployment from the next call a second later.
CODE_CHECK_INTERVAL_S = 1.0
_newest_seen: dict[Path, tuple[float, float]] = {}  # folder -> (when looked at, monotonic; newest mtime)
_newest_seen_lock = threading.Lock()


def _newest_under(root: Path) -> float:
    now = time.monotonic()
    with _newest_seen_lock:
        seen = _newest_seen.get(root)
    if seen is not None and now - seen[0] < CODE_CHECK_INTERVAL_S:
        return seen[1]
    newest = max((path.stat().st_mtime for path in root.rglob("*.py")), default=0.0)
    with _newest_seen_lock:
        _newest_seen[root] = (now, newest)
    return newest


def code_version(spec: FunctionSpec) -> float:
    """The newest modification time under the function's code and layers: a change means a new deployment."""
    return max((_newest_under(root) for root in (spec.code_dir, *spec.layer_dirs)), default=0.0)


class FunctionNotFound(Exception):
    pass


LogSink = Callable[[str, str], None]  # (function name, line)


class _ExecutionEnvironment:
    """One worker process serving one invocation at a time."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], log: LogSink) -> None:
        self.spec = spec
        self._log = log
        self._answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-P", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=spec.code_dir,
            env=env,
            text=True,
            bufsize=1,
        )
        assert self.process.stdout and self.process.stderr
        threading.Thread(target=self._read_answers, args=(self.process.stdout,), daemon=True).start()
        threading.Thread(target=self._read_log, args=(self.process.stderr,), daemon=True).start()
        ready = self._next_answer(INIT_TIMEOUT_S)
        if ready is None or not ready.get("ready"):
            self.kill()
            raise RuntimeError(f"{spec.name}: the execution environment did not start")
        self.init_ms = float(ready["init_ms"])
        self.code_version = code_version(spec)
        self.start_ms = (time.perf_counter() - started) * 1000
        self.idle_since = time.monotonic()

    def _read_answers(self, stream: IO[str]) -> None:
        for line in stream:
            self._answers.put(json.loads(line))
        self._answers.put(None)  # the process ended

    def _read_log(self, stream: IO[str]) -> None:
        for line in stream:
            self._log(self.spec.name, line.rstrip("\n"))

    def _next_answer(self, timeout_s: float) -> dict[str, Any] | None:
        try:
            return self._answers.get(timeout=timeout_s)
        except queue.Empty:
            raise TimeoutError from None

    def invoke(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
        assert self.process.stdin
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._next_answer(timeout_s)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait(timeout=5)


class LambdaRunner:
    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        *,
        base_env: Mapping[str, str],
        log: LogSink,
        overrides: Mapping[str, str] | None = None,
        max_environments: int = 8,
        idle_s: float | None = None,
    ) -> None:
        self._functions = dict(functions)
        self._base_env = dict(base_env)
        self._overrides = dict(overrides or {})  # local endpoints that win over the template's values
        self._log = log
        self._max = max_environments
        self._idle: dict[str, list[_ExecutionEnvironment]] = {name: [] for name in functions}
        self._count: dict[str, int] = dict.fromkeys(functions, 0)
        self._lock = threading.Condition()
        self._stopped = False
        self._idle_s = idle_s  # None: warm environments stay until stop()
        # Told of every finished invocation, on the invoking thread (bench turns: where a turn's time goes).
        self.listeners: list[InvocationListener] = []
        if idle_s is not None:
            threading.Thread(target=self._reap_idle, name="lambda-idle-reaper", daemon=True).start()

    @property
    def functions(self) -> Mapping[str, FunctionSpec]:
        return self._functions

    def spec(self, name_or_arn: str) -> FunctionSpec:
        name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0]
        for spec in self._functions.values():
            if name in (spec.name, spec.logical_id):
                return spec
        raise FunctionNotFound(name_or_arn)

    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """The process environment of one execution environment, as the Lambda service sets it."""
        path = [str(spec.code_dir), *(str(layer) for layer in spec.layer_dirs)]
        return {
            **self._base_env,
            **spec.environment,
            **self._overrides,
            "PYTHONPATH": os.pathsep.join(path),
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            "PYTHONUNBUFFERED": "1",
        }

    def _acquire(self, spec: FunctionSpec) -> tuple[_ExecutionEnvironment, bool]:
        current = code_version(spec)
        with self._lock:
            while True:
                if self._stopped:
                    raise RuntimeError("the Lambda runner has stopped")
                idle = self._idle[spec.name]
                while idle:
                    environment = idle.pop()
                    if environment.alive and environment.code_version >= current:
                        return environment, False
                    # Edited code is a new deployment: the old environment goes, the next call starts cold.
                    environment.kill()
                    self._count[spec.name] -= 1
                if self._count[spec.name] < self._max:
                    self._count[spec.name] += 1
                    break
                self._lock.wait()
        try:
            return _ExecutionEnvironment(spec, self.environment(spec), self._log), True
        except Exception:
            self._release(spec, None)
            raise

    def _release(self, spec: FunctionSpec, environment: _ExecutionEnvironment | None) -> None:
        with self._lock:
            if environment is not None and environment.alive and not self._stopped:
                environment.idle_since = time.monotonic()
                self._idle[spec.name].append(environment)
            else:
                self._count[spec.name] -= 1
                if environment is not None:
                    environment.kill()
            self._lock.notify()

    def invoke(self, name_or_arn: str, payload: bytes | str | None) -> Invocation:
        spec = self.spec(name_or_arn)
        request_id = str(uuid.uuid4())
        body = payload.decode() if isinstance(payload, bytes) else (payload or "")
        taken = time.time()
        began = time.perf_counter()
        environment, cold = self._acquire(spec)
        self._log(spec.name, f"START RequestId: {request_id} Version: $LATEST")
        started = time.perf_counter()
        deadline_ms = int(time.time() * 1000 + spec.timeout_s * 1000)
        request = {
            "request_id": request_id,
            "payload": body,
            "deadline_ms": deadline_ms,
            "invoked_function_arn": spec.arn,
        }
        try:
            answer = environment.invoke(request, spec.timeout_s)
        except TimeoutError:
            environment.kill()  # Lambda resets an environment whose invocation timed out
            answer = {
                "error": {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after {spec.timeout_s:.2f} seconds",
                }
            }
        if answer is None:  # the process died mid-invocation
            code = environment.process.wait(timeout=5)
            answer = {
                "error": {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}",
                }
            }
        self._release(spec, environment)
        duration_ms = (time.perf_counter() - started) * 1000
        init = f" Init Duration: {environment.init_ms:.2f} ms" if cold else ""
        self._log(
            spec.name,
            f"REPORT RequestId: {request_id} Duration: {duration_ms:.2f} ms Memory Size: {spec.memory_mb} MB{init}",
        )
        failed = "error" in answer
        invocation = Invocation(
            json.dumps(answer["error"]).encode() if failed else answer["result"].encode(),
            "Unhandled" if failed else None,
            request_id,
            cold,
            duration_ms,
            acquire_ms=(started - began) * 1000,
            handler_ms=float(answer.get("duration_ms", duration_ms)),
            init_ms=environment.init_ms if cold else 0.0,
            function_name=spec.name,
            started=taken,
            payload_in=body.encode(),
        )
        for listener in list(self.listeners):
            listener(invocation)
        return invocation

    def _reap_idle(self) -> None:
        assert self._idle_s is not None
        every_s = min(max(self._idle_s / 2, 0.05), 10.0)
        while True:
            time.sleep(every_s)
            reaped: list[_ExecutionEnvironment] = []
            with self._lock:
                if self._stopped:
                    return
                oldest_kept = time.monotonic() - self._idle_s
                for name, idle in self._idle.items():
                    stale = [environment for environment in idle if environment.idle_since < oldest_kept]
                    if stale:
                        idle[:] = [environment for environment in idle if environment not in stale]
                        self._count[name] -= len(stale)
                        reaped += stale
                if reaped:
                    self._lock.notify_all()
            for environment in reaped:  # outside the lock: a kill waits for the process
                environment.kill()

    def cool_down(self, logical_ids: Collection[str] | None = None) -> int:
        """Shut every idle execution environment down, as a new deployment does: each function's next call
        starts cold (`bench card_issuance --cold`); only those of `logical_ids`' functions when given (a test
        that needs a few functions cold leaves the rest of a shared cloud warm). Environments in use finish
        their call first. How many went."""
        with self._lock:
            names = [
                name for name in self._idle if logical_ids is None or self._functions[name].logical_id in logical_ids
            ]
            environments = [environment for name in names for environment in self._idle[name]]
            for name in names:
                self._count[name] -= len(self._idle[name])
                self._idle[name].clear()
            self._lock.notify_all()
        for environment in environments:  # outside the lock: a kill waits for the process
            environment.kill()
        return len(environments)

    def warm_environments(self) -> int:
        """How many execution environments are alive and idle now (for the tests)."""
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            environments = [environment for idle in self._idle.values() for environment in idle]
            for idle in self._idle.values():
                idle.clear()
            self._lock.notify_all()
        for environment in environments:
            environment.kill()
