"""Creates in moto every resource the transformed template declares, in dependency order, and
collects what the local services need: functions to run, routes to serve, queues to poll.

Names follow CloudFormation's habit (stack name + logical id) unless the template names a resource.
A resource type the local cloud has no use for is listed as skipped, never silently dropped.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local.cloud.runner import FunctionSpec
from local.cloud.template import Resolver, TransformedTemplate, creation_order


@dataclass(frozen=True)
class Authorizer:
    """An HTTP API Lambda authorizer (REQUEST type): which function decides, on which headers."""

    name: str
    function_name: str
    identity_headers: tuple[str, ...]
    simple_responses: bool = True


@dataclass(frozen=True)
class Route:
    """One API Gateway route: method (or ANY) and path template, integrated with a function."""

    api_id: str
    method: str
    path: str
    function_name: str
    payload_format: str = "2.0"
    authorizer: Authorizer | None = None


@dataclass(frozen=True)
class EventSource:
    """An SQS → Lambda event source mapping."""

    queue_arn: str
    queue_url: str
    function_name: str
    batch_size: int
    report_batch_item_failures: bool
    maximum_batching_window_s: int = 0


@dataclass
class LocalStack:
    name: str
    region: str
    account: str
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    routes: list[Route] = field(default_factory=list)
    event_sources: list[EventSource] = field(default_factory=list)
    state_machines: dict[str, str] = field(default_factory=dict)  # logical id -> ARN
    outputs: dict[str, Any] = field(default_factory=dict)
    physical: dict[str, Any] = field(default_factory=dict)  # logical id -> what Ref gives
    skipped: dict[str, str] = field(default_factory=dict)  # logical id -> type


def _function_of(invocation_uri: Any) -> str:
    """The function name inside an API Gateway Lambda invocation URI."""
    function_arn = str(invocation_uri).split("/functions/", 1)[1].split("/invocations", 1)[0]
    return function_arn.rsplit(":", 1)[-1]


def _tiny_zip() -> bytes:
    """moto wants code for create_function; the runner runs the real code from the template's path."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "runs locally from the template's CodeUri")
    return buffer.getvalue()


class Provisioner:
    def __init__(self, template: TransformedTemplate, resolver: Resolver, stack: LocalStack, endpoint: str) -> None:
        self.template = template
        self.resolver = resolver
        self.stack = stack
        self.session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=stack.region
        )
        self.endpoint = endpoint
        self._layer_paths: dict[str, Path] = {}  # layer version ARN -> local content
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        # One client a service: making one costs more than the call it makes (about 180 resources a start).
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]
        return self._clients[service]

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.stack.region}:{self.stack.account}:{resource}"

    def default_name(self, logical_id: str) -> str:
        return f"{self.stack.name}-{logical_id}"

    def create_all(self) -> LocalStack:
        resources = self.template.resources
        handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::IAM::Role": self._role,
            "AWS::SQS::Queue": self._queue,
            "AWS::DynamoDB::Table": self._table,
            "AWS::S3::Bucket": self._bucket,
            "AWS::KMS::Key": self._key,
            "AWS::KMS::Alias": self._alias,
            "AWS::Lambda::LayerVersion": self._layer,
            "AWS::Lambda::Function": self._function,
            "AWS::Lambda::EventSourceMapping": self._event_source,
            "AWS::StepFunctions::StateMachine": self._state_machine,
            "AWS::ApiGatewayV2::Api": self._http_api,
            "AWS::SSM::Parameter": self._parameter,
            "AWS::SNS::Topic": self._topic,
            "AWS::Logs::LogGroup": self._log_group,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::CloudWatch::Dashboard": self._dashboard,
            "AWS::AppConfig::Application": self._appconfig_application,
            "AWS::AppConfig::Environment": self._appconfig_environment,
            "AWS::AppConfig::ConfigurationProfile": self._appconfig_profile,
            "AWS::AppConfig::DeploymentStrategy": self._appconfig_strategy,
        }
        for logical_id in creation_order(resources):
            resource = resources[logical_id]
            condition = resource.get("Condition")
            if condition and not self.resolver.condition(condition):
                continue
            handler = handlers.get(resource["Type"])
            if handler is None:
                # Permissions, stages, queue policies: nothing to run locally. Ref still resolves.
                self.stack.skipped[logical_id] = resource["Type"]
                self._record(logical_id, self.default_name(logical_id), {})
                continue
            handler(logical_id, self.resolver.resolve(resource.get("Properties", {})))
        self.stack.outputs = {
            name: self.resolver.resolve(output["Value"])
            for name, output in self.template.document.get("Outputs", {}).items()
            if not output.get("Condition") or self.resolver.condition(output["Condition"])
        }
        return self.stack

    def _record(self, logical_id: str, ref: Any, attributes: dict[str, Any]) -> None:
        self.resolver.refs[logical_id] = ref
        self.resolver.attributes[logical_id] = attributes
        self.stack.physical[logical_id] = ref

    # ------------------------------------------------------------------ resource types
    def _role(self, logical_id: str, props: dict[str, Any]) -> None:
        iam = self.client("iam")
        name = props.get("RoleName") or self.default_name(logical_id)[:64]
        role = iam.create_role(
            RoleName=name,
            Path=props.get("Path", "/"),
            AssumeRolePolicyDocument=json.dumps(props.get("AssumeRolePolicyDocument", {})),
        )["Role"]
        for policy in props.get("Policies", []):
            # SAM's policy templates leave Version out (IAM then assumes 2008-10-17); moto insists on one.
            document = {"Version": "2012-10-17", **policy["PolicyDocument"]}
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=json.dumps(document))
        self._record(logical_id, name, {"Arn": role["Arn"], "RoleId": role["RoleId"]})

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        fifo = bool(props.get("FifoQueue"))
        name = props.get("QueueName") or self.default_name(logical_id) + (".fifo" if fifo else "")
        attributes = {
            key: json.dumps(value)
            if isinstance(value, dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
            for key, value in props.items()
            if key
            in {
                "FifoQueue",
                "ContentBasedDeduplication",
                "VisibilityTimeout",
                "MessageRetentionPeriod",
                "DelaySeconds",
                "ReceiveMessageWaitTimeSeconds",
                "RedrivePolicy",
                "MaximumMessageSize",
                "DeduplicationScope",
                "FifoThroughputLimit",
            }
        }
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.arn("sqs", name)
        self._record(logical_id, url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        dynamodb = self.client("dynamodb")
        name = props.get("TableName") or self.default_name(logical_id)
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if request["BillingMode"] == "PROVISIONED":
            request["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if key in props:
                request[key] = props[key]
        table = dynamodb.create_table(**request)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        self._record(logical_id, name, {"Arn": table["TableArn"], "StreamArn": table.get("LatestStreamArn", "")})

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        s3 = self.client("s3")
        name = props.get("BucketName") or self.default_name(logical_id).lower()
        if self.stack.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.stack.region})
        if "BucketEncryption" in props:
            # CloudFormation's property names differ from the API's by one word.
            rules = [
                {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        self._record(
            logical_id,
            name,
            {"Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com"},
        )

    def _key(self, logical_id: str, props: dict[str, Any]) -> None:
        request: dict[str, Any] = {"Description": props.get("Description", "")}
        if "KeyPolicy" in props:
            request["Policy"] = json.dumps(props["KeyPolicy"])
        for key in ("KeyUsage", "KeySpec"):
            if key in props:
                request[key] = props[key]
        metadata = self.client("kms").create_key(**request)["KeyMetadata"]
        self._record(logical_id, metadata["KeyId"], {"Arn": metadata["Arn"], "KeyId": metadata["KeyId"]})

    def _alias(self, logical_id: str, props: dict[str, Any]) -> None:
        self.client("kms").create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        self._record(logical_id, props["AliasName"], {})

    def _layer(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("LayerName") or self.default_name(logical_id)
        arn = self.client("lambda").publish_layer_version(
            LayerName=name,
            Content={"ZipFile": _tiny_zip()},
            CompatibleRuntimes=props.get("CompatibleRuntimes", []),
        )["LayerVersionArn"]
        path = self.template.code_path(props.get("Content", {}))
        if path is not None:
            self._layer_paths[arn] = path
        self._record(logical_id, arn, {})

    def _function(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("FunctionName") or self.default_name(logical_id)[:64]
        code_dir = self.template.code_path(props.get("Code", {}))
        if code_dir is None:
            raise ValueError(f"{logical_id}: only functions with a local CodeUri can run locally")
        environment = {k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
        configuration = self.client("lambda").create_function(
            FunctionName=name,
            Runtime=props.get("Runtime", "python3.13"),
            Role=props["Role"],
            Handler=props["Handler"],
            Code={"ZipFile": _tiny_zip()},
            Timeout=int(props.get("Timeout", 3)),
            MemorySize=int(props.get("MemorySize", 128)),
            Environment={"Variables": environment},
            Layers=props.get("Layers", []),
        )
        arn = configuration["FunctionArn"]
        self.stack.functions[name] = FunctionSpec(
            name=name,
            logical_id=logical_id,
            arn=arn,
            code_dir=code_dir,
            # Layers the template does not build locally (public ARNs) come from the dev environment.
            layer_dirs=tuple(self._layer_paths[a] for a in props.get("Layers", []) if a in self._layer_paths),
            handler=props["Handler"],
            runtime=props.get("Runtime", "python3.13"),
            timeout_s=float(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
            environment=environment,
        )
        self._record(logical_id, name, {"Arn": arn})

    def _event_source(self, logical_id: str, props: dict[str, Any]) -> None:
        # Not created in moto: its own SQS mapping would invoke synchronously on send.
        source_arn = props["EventSourceArn"]
        if ":sqs:" not in source_arn:
            self.stack.skipped[logical_id] = "AWS::Lambda::EventSourceMapping (non-SQS)"
            return
        queue_name = source_arn.rsplit(":", 1)[-1]
        url = self.client("sqs").get_queue_url(QueueName=queue_name)["QueueUrl"]
        self.stack.event_sources.append(
            EventSource(
                queue_arn=source_arn,
                queue_url=url,
                function_name=props["FunctionName"],
                batch_size=int(props.get("BatchSize", 10)),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                maximum_batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
            )
        )
        self._record(logical_id, logical_id, {})

    def _state_machine(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("StateMachineName") or self.default_name(logical_id)
        definition = props.get("DefinitionString") or json.dumps(props["Definition"])
        for variable, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + variable + "}", str(value))
        arn = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            roleArn=props["RoleArn"],
            type=props.get("StateMachineType", "STANDARD"),
        )["stateMachineArn"]
        self.stack.state_machines[logical_id] = arn
        self._record(logical_id, arn, {"Arn": arn, "Name": name})

    def _http_api(self, logical_id: str, props: dict[str, Any]) -> None:
        api_id = logical_id.lower()[:10]
        body = props.get("Body", {})
        authorizers = {
            name: Authorizer(
                name=name,
                function_name=_function_of(scheme["x-amazon-apigateway-authorizer"]["authorizerUri"]),
                identity_headers=tuple(
                    source.split("$request.header.", 1)[1].lower()
                    for source in scheme["x-amazon-apigateway-authorizer"].get("identitySource", [])
                    if source.startswith("$request.header.")
                ),
                simple_responses=bool(scheme["x-amazon-apigateway-authorizer"].get("enableSimpleResponses")),
            )
            for name, scheme in body.get("components", {}).get("securitySchemes", {}).items()
            if "x-amazon-apigateway-authorizer" in scheme
        }
        for path, operations in body.get("paths", {}).items():
            for method, operation in operations.items():
                integration = operation.get("x-amazon-apigateway-integration")
                if not integration:
                    continue
                security = [name for requirement in operation.get("security", []) for name in requirement]
                self.stack.routes.append(
                    Route(
                        api_id=api_id,
                        method="ANY" if method == "x-amazon-apigateway-any-method" else method.upper(),
                        path=path,
                        function_name=_function_of(integration["uri"]),
                        payload_format=str(integration.get("payloadFormatVersion", "2.0")),
                        authorizer=next((authorizers[name] for name in security if name in authorizers), None),
                    )
                )
        endpoint = f"https://{api_id}.execute-api.{self.stack.region}.amazonaws.com"
        self._record(logical_id, api_id, {"ApiEndpoint": endpoint, "ApiId": api_id})

    def _parameter(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self.default_name(logical_id)
        self.client("ssm").put_parameter(Name=name, Value=str(props["Value"]), Type=props.get("Type", "String"))
        self._record(logical_id, name, {"Type": props.get("Type", "String"), "Value": props["Value"]})

    def _topic(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("TopicName") or self.default_name(logical_id)
        arn = self.client("sns").create_topic(Name=name)["TopicArn"]
        self._record(logical_id, arn, {"TopicArn": arn, "TopicName": name})

    def _log_group(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("LogGroupName") or self.default_name(logical_id)
        self.client("logs").create_log_group(logGroupName=name)
        self._record(logical_id, name, {"Arn": self.arn("logs", f"log-group:{name}:*")})

    def _alarm(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("AlarmName") or self.default_name(logical_id)
        request = {k: v for k, v in props.items() if k != "AlarmName"}
        self.client("cloudwatch").put_metric_alarm(AlarmName=name, **request)
        self._record(logical_id, name, {"Arn": self.arn("cloudwatch", f"alarm:{name}")})

    def _dashboard(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("DashboardName") or self.default_name(logical_id)
        self.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=props["DashboardBody"])
        self._record(logical_id, name, {})

    def _appconfig_application(self, logical_id: str, props: dict[str, Any]) -> None:
        app = self.client("appconfig").create_application(Name=props["Name"], Description=props.get("Description", ""))
        self._record(logical_id, app["Id"], {"ApplicationId": app["Id"]})

    def _appconfig_environment(self, logical_id: str, props: dict[str, Any]) -> None:
        env = self.client("appconfig").create_environment(
            ApplicationId=props["ApplicationId"], Name=props["Name"], Monitors=props.get("Monitors", [])
        )
        self._record(logical_id, env["Id"], {"EnvironmentId": env["Id"]})

    def _appconfig_profile(self, logical_id: str, props: dict[str, Any]) -> None:
        profile = self.client("appconfig").create_configuration_profile(
            ApplicationId=props["ApplicationId"],
            Name=props["Name"],
            LocationUri=props["LocationUri"],
            Type=props.get("Type", "AWS.Freeform"),
            Validators=props.get("Validators", []),
        )
        self._record(logical_id, profile["Id"], {"ConfigurationProfileId": profile["Id"]})

    def _appconfig_strategy(self, logical_id: str, props: dict[str, Any]) -> None:
        strategy = self.client("appconfig").create_deployment_strategy(
            **{k: props[k] for k in ("Name", "DeploymentDurationInMinutes", "GrowthFactor") if k in props},
            **{k: props[k] for k in ("GrowthType", "FinalBakeTimeInMinutes", "ReplicateTo") if k in props},
        )
        self._record(logical_id, strategy["Id"], {"Id": strategy["Id"]})
