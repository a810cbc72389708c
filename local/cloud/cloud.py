"""The local cloud, assembled: moto as the AWS endpoint with Step Functions executing the real ASL,
every resource of template.yaml created in it, the Lambda runner behind moto's Lambda API, the SQS
event sources, the API Gateway front, and the fake messenger platforms.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3

from local.cloud import aws_extensions
from local.cloud.api import ApiFront
from local.cloud.config import CloudConfig
from local.cloud.event_sources import SqsPoller
from local.cloud.provision import LocalStack, Provisioner
from local.cloud.runner import LambdaRunner
from local.cloud.template import Resolver, parameter_values, transform
from messenger_bank.secrets import SECRET_PATHS, parameter_name

ROOT = Path(__file__).resolve().parents[2]
STATE_FILE = "cloud.json"


@dataclass
class LogBook:
    """Every function's log lines, one file per function, like a CloudWatch log group."""

    directory: Path
    echo: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def function_line(self, function_name: str, line: str) -> None:
        with self._lock:
            with (self.directory / f"{function_name}.log").open("a", encoding="utf-8") as log:
                log.write(line + "\n")
            if self.echo:
                print(f"[{function_name}] {line}", file=sys.stderr, flush=True)

    def cloud_line(self, line: str) -> None:
        self.function_line("local-cloud", line)


# Function name -> the runner (and its async pool) of the local cloud that owns it. moto's backends are
# per process, so two local clouds in one process (a test session) share them; each routes its own.
_RUNNERS: dict[str, tuple[LambdaRunner, concurrent.futures.Executor]] = {}


def _moto_invoke(function: Any, body: str, request_headers: Any, response_headers: Any) -> bytes:
    """moto's Lambda would run code in Docker; here its invoke goes to the runner instead, so both
    `lambda.invoke` from code and Step Functions' Lambda tasks reach our functions."""
    runner, pool = _RUNNERS[function.function_name]
    invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
    if invocation_type == "Event":
        pool.submit(runner.invoke, function.function_name, body)
        return b""
    if invocation_type == "DryRun":
        return b""
    result = runner.invoke(function.function_name, body)
    if result.function_error:
        response_headers["x-amz-function-error"] = result.function_error
    return result.payload


def _route_moto_lambda(runner: LambdaRunner, pool: concurrent.futures.Executor) -> None:
    from moto.awslambda.models import LambdaFunction

    LambdaFunction.invoke = _moto_invoke  # type: ignore[method-assign,assignment]
    for name in runner.functions:
        _RUNNERS[name] = (runner, pool)


def _list_moto_modules_once() -> None:
    """moto's server lists its own package folder (a listdir and 200-odd stats) on every request to tell a
    service's name from a host; the folder does not change while it runs, so it is listed once. It was about
    half the time of a small call (`ssm get_parameter`: 12-18 ms, 4-5 ms listed once)."""
    import moto.backends

    if getattr(moto.backends.list_of_moto_modules, "listed_once", False):
        return
    modules = tuple(moto.backends.list_of_moto_modules())

    def listed() -> tuple[str, ...]:
        return modules

    listed.listed_once = True  # type: ignore[attr-defined]
    moto.backends.list_of_moto_modules = listed


def _restore_moto_port(ours: str, previous: str | None) -> None:
    """Give MOTO_PORT back to the local cloud that had it (clouds nest in a test session)."""
    if os.environ.get("MOTO_PORT") == ours:
        if previous is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = previous


class LocalCloud:
    def __init__(
        self,
        config: CloudConfig,
        *,
        state_dir: Path,
        template_path: Path = ROOT / "template.yaml",
        echo_logs: bool = True,
        serve_api: bool = True,
        poll_queues: bool = True,
        fake_platforms: bool = True,
    ) -> None:
        self.config = config
        self.state_dir = state_dir
        self.template_path = template_path
        self.logs = LogBook(state_dir / "logs", echo=echo_logs)
        self.serve_api = serve_api
        self.poll_queues = poll_queues
        self.fake_platforms = fake_platforms
        self.stack: LocalStack | None = None
        self.runner: LambdaRunner | None = None
        self.api: ApiFront | None = None
        self.platforms: Any = None
        self.ops: Any = None
        self.sandbox: Any = None
        self._moto: Any = None
        self._pollers: list[SqsPoller] = []
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="async-invoke")
        self._stoppers: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ endpoints
    @property
    def aws_endpoint(self) -> str:
        return f"http://{self.config.host}:{self.config.moto_port}"

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.aws_endpoint,
            region_name=self.config.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    # ------------------------------------------------------------------ life cycle
    def start(self) -> LocalCloud:
        started = time.perf_counter()
        # One access-log line per AWS call drowns the function logs that matter here.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._start_moto()
        document_parameters = {"Stage": "dev", **self.config.parameter_overrides}
        template = transform(
            self.template_path, document_parameters, region=self.config.region, account=self.config.account
        )
        values = parameter_values(template.document, document_parameters)
        if self.fake_platforms:
            self._start_platforms()
            self._start_sandbox(values)
        resolver = Resolver(
            parameters={
                **values,
                "AWS::Region": self.config.region,
                "AWS::AccountId": self.config.account,
                "AWS::Partition": "aws",
                "AWS::StackName": self.config.stack_name,
                "AWS::StackId": f"arn:aws:cloudformation:{self.config.region}:{self.config.account}:stack/"
                f"{self.config.stack_name}/local",
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::NotificationARNs": [],
            },
            conditions=template.document.get("Conditions", {}),
            mappings=template.document.get("Mappings", {}),
        )
        stack = LocalStack(self.config.stack_name, self.config.region, self.config.account)
        self.stack = Provisioner(template, resolver, stack, self.aws_endpoint).create_all()
        self._seed_secrets(str(values.get("SecretsPrefix", "/messenger-bank/dev")))
        if self.sandbox is not None:
            self._seed_bank_credentials(f"{values.get('SecretsPrefix', '/messenger-bank/dev')}/bank")
        self.runner = LambdaRunner(
            self.stack.functions,
            base_env=self._function_env(),
            overrides=self._local_endpoints(),
            log=self.logs.function_line,
            idle_s=self.config.idle_environment_s,
        )
        self._stoppers.append(self.runner.stop)
        _route_moto_lambda(self.runner, self._pool)
        self._stoppers.append(self._unroute_functions)
        if self.poll_queues:
            sqs = self.client("sqs")
            for source in self.stack.event_sources:
                poller = SqsPoller(
                    source,
                    sqs,
                    self.runner.invoke,
                    region=self.config.region,
                    log=self.logs.cloud_line,
                    concurrency=self.config.event_source_batches,
                )
                self._stoppers.append(aws_extensions.on_message_sent(source.queue_arn, poller.wake))
                self._pollers.append(poller.start())
        if self.serve_api:
            self.api = ApiFront(
                self.stack.routes, self.runner.invoke, host=self.config.host, port=self.config.api_port
            ).start()
            self._stoppers.append(self.api.stop)
            if self.sandbox is not None:
                # The acquirer posts its signed results where a deployed stack's callback route would be.
                self.sandbox.acquirer.callback_url_override = f"{self.api.base_url}/callbacks/acquirer"
                # Core banking pushes card events (purchases) to the bank's internal API.
                self.sandbox.network.events_url_override = f"{self.api.base_url}/internal/card-events"
        if self.serve_api:
            self._start_ops_view()
        self._write_state()
        self.logs.cloud_line(f"local cloud up in {time.perf_counter() - started:.1f} s")
        return self

    def stop(self) -> None:
        for poller in self._pollers:
            poller.stop()
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception as exc:  # stopping goes on with the rest
                self.logs.cloud_line(f"while stopping: {type(exc).__name__}: {exc}")
        self._pool.shutdown(wait=False, cancel_futures=True)
        (self.state_dir / STATE_FILE).unlink(missing_ok=True)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ pieces
    def _start_moto(self) -> None:
        # Step Functions in moto reaches Lambda at localhost:$MOTO_PORT (DESIGN.md).
        previous = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.config.moto_port)
        os.environ.setdefault("AWS_DEFAULT_REGION", self.config.region)
        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer

        default_user_config["stepfunctions"]["execute_state_machine"] = True
        _list_moto_modules_once()
        aws_extensions.install()  # RedriveExecution, SQS message move tasks: the operators' actions
        self._moto = ThreadedMotoServer(ip_address=self.config.host, port=self.config.moto_port, verbose=False)
        self._moto.start()
        self._stoppers.append(self._moto.stop)
        self._stoppers.append(lambda: _restore_moto_port(str(self.config.moto_port), previous))

    def _start_platforms(self) -> None:
        from local.platforms import PlatformSecrets, start_platforms

        secrets = self.config.secrets
        self.platforms = start_platforms(
            host=self.config.host,
            port=self.config.platforms_port,
            webhook_base_url=f"http://{self.config.host}:{self.config.api_port}",
            secrets=PlatformSecrets(
                telegram_bot_token=secrets["TELEGRAM_BOT_TOKEN"],
                telegram_secret_token=secrets["TELEGRAM_SECRET_TOKEN"],
                viber_auth_token=secrets["VIBER_AUTH_TOKEN"],
                meta_app_secret=secrets["META_APP_SECRET"],
                meta_verify_token=secrets["META_VERIFY_TOKEN"],
                whatsapp_access_token=secrets["WHATSAPP_ACCESS_TOKEN"],
                whatsapp_phone_number_id=secrets["WHATSAPP_PHONE_NUMBER_ID"],
                messenger_page_access_token=secrets["MESSENGER_PAGE_ACCESS_TOKEN"],
            ),
        )
        self._stoppers.append(self.platforms.stop)

    def _unroute_functions(self) -> None:
        for name in self.stack.functions if self.stack else ():
            _RUNNERS.pop(name, None)

    def _start_sandbox(self, values: dict[str, Any]) -> None:
        from local.sandbox import start_sandbox
        from local.sandbox.config import CreditTerms, SandboxConfig

        ports = dict(self.config.sandbox_ports or {})
        # Core banking applies the credit terms the bank's template sets (the Credit* parameters).
        terms = CreditTerms(
            grace_days=int(values["CreditGraceDays"]),
            minimum_percent=Decimal(str(values["CreditMinimumPercent"])),
            minimum_floor=int(values["CreditMinimumFloorMinor"]),
            interest_percent_per_year=Decimal(str(values["CreditInterestPercentPerYear"])),
            late_fee=int(values["CreditLateFeeMinor"]),
        )
        self.sandbox = start_sandbox(
            self.state_dir / "sandbox", host=self.config.host, ports=ports, config=SandboxConfig(credit_terms=terms)
        )
        self._stoppers.append(self.sandbox.stop)

    def _seed_bank_credentials(self, prefix: str) -> None:
        """The sandbox's credentials where the deployed stack keeps the bank's: SSM under SecretsPrefix/bank."""
        ssm = self.client("ssm")
        for name, value in self.sandbox.credentials().items():
            ssm.put_parameter(Name=f"{prefix}/{name}", Value=value, Type="SecureString", Overwrite=True)

    def _start_ops_view(self) -> None:
        from local.ops import start_ops_view
        from local.ops.auth import OPERATORS_CLIENT, OperatorSignIn
        from local.publish_flows import FlowsTarget

        assert self.stack is not None
        outputs = self.stack.outputs

        sign_in = None
        if self.sandbox is not None:  # operators sign in at the sandbox's Keycloak realm
            sign_in = OperatorSignIn(
                issuer=f"{self.sandbox.urls['keycloak']}/realms/{self.sandbox.config.realm}",
                client_id=OPERATORS_CLIENT,
                client_secret=self.sandbox.config.keycloak_clients[OPERATORS_CLIENT],
            )
        self.ops = start_ops_view(
            host=self.config.host,
            port=self.config.ops_port,
            aws_endpoint=self.aws_endpoint,
            region=self.config.region,
            logs_dir=self.logs.directory,
            platforms_url=getattr(self.platforms, "base_url", None),
            sign_in=sign_in,
            flows_target=FlowsTarget.from_outputs(outputs) if "FlowsApplicationId" in outputs else None,
            internal_api=self.api.base_url if self.api is not None else None,
        )
        self._stoppers.append(self.ops.stop)

    def _seed_secrets(self, prefix: str) -> None:
        ssm = self.client("ssm")
        for name in SECRET_PATHS:
            ssm.put_parameter(
                Name=parameter_name(name, prefix), Value=self.config.secrets[name], Type="SecureString", Overwrite=True
            )
        # Signing keys of session tokens and one-time links, and the key of the programs' phone and passport
        # digests: new on every start (tokens, like the tables that keep the digests, do not outlive it).
        for key in ("security/session-key", "security/link-key", "security/identity-key"):
            ssm.put_parameter(
                Name=f"{prefix}/{key}", Value=secrets.token_urlsafe(48), Type="SecureString", Overwrite=True
            )

    def _function_env(self) -> dict[str, str]:
        """What every execution environment gets besides the template's variables."""
        env = {
            "PATH": os.environ.get("PATH", ""),
            "AWS_REGION": self.config.region,
            "AWS_DEFAULT_REGION": self.config.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "POWERTOOLS_DEV": "false",
        }
        return env

    def _local_endpoints(self) -> dict[str, str]:
        """The platforms' and the bank's URLs point at the local fakes unless exported; these win over
        the template's values (which name the real services)."""
        endpoints: dict[str, str] = {}
        if self.sandbox is not None:
            endpoints["BANK_DIRECTORY_URL"] = self.sandbox.directory_url
            # Internal callers present tokens of the sandbox's Keycloak realm; core banking is the audience.
            endpoints["KEYCLOAK_ISSUER"] = f"{self.sandbox.urls['keycloak']}/realms/bank"
            endpoints["KEYCLOAK_AUDIENCE"] = "core-banking"
        if self.serve_api:
            # One-time PIN / password links open on the local API front's secure page.
            endpoints["SECURE_PAGE_URL"] = f"http://{self.config.host}:{self.config.api_port}/secure"
        if self.platforms is not None:
            base = self.platforms.base_url
            endpoints.update(
                {"TELEGRAM_API_BASE_URL": base, "VIBER_API_BASE_URL": base, "META_GRAPH_API_BASE_URL": base}
            )
        endpoints.update(self.config.endpoint_overrides)
        return endpoints

    def _write_state(self) -> None:
        assert self.stack is not None
        state = {
            "aws_endpoint": self.aws_endpoint,
            "region": self.config.region,
            "api": self.api.base_url if self.api else None,
            "platforms": self.platforms.base_url if self.platforms else None,
            "chat": getattr(self.platforms, "chat_url", None),
            "ops": self.ops.url if self.ops else None,
            "bank_directory": self.sandbox.directory_url if self.sandbox else None,
            "state_machines": self.stack.state_machines,
            # logical id -> deployed name: an operation is named `<stack>-op-<name>`, not after its logical id
            "functions": {spec.logical_id: name for name, spec in sorted(self.stack.functions.items())},
            "outputs": {name: value for name, value in self.stack.outputs.items() if isinstance(value, str)},
            "pid": os.getpid(),
        }
        (self.state_dir / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")


def running_cloud_state(state_dir: Path) -> dict[str, Any] | None:
    """What a running `make run` wrote about itself, if one is running."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    try:
        os.kill(int(state["pid"]), 0)
    except (ProcessLookupError, PermissionError, KeyError, ValueError):
        return None
    return state
