"""AppConfig on the local cloud as AWS runs it, where moto has no such thing: environments and strategies from the
template, StartDeployment running the profile's Lambda validator first, a deployment rolled back by its
environment's monitor alarm, and AppConfigData serving the deployed version (what Powertools' provider calls)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.cloud.cloud import LocalCloud

pytestmark = pytest.mark.usefixtures("cloud")


def ids(cloud: LocalCloud) -> dict[str, str]:
    assert cloud.stack is not None
    physical = cloud.stack.physical
    return {
        "app": physical["Settings"],
        "env": physical["SettingsEnvironment"],
        "profile": physical["SettingsProfile"],
        "strategy": physical["AtOnce"],
    }


def store(cloud: LocalCloud, content: bytes) -> str:
    found = ids(cloud)
    stored = cloud.client("appconfig").create_hosted_configuration_version(
        ApplicationId=found["app"], ConfigurationProfileId=found["profile"], Content=content, ContentType="text/plain"
    )
    return str(stored["VersionNumber"])


def deploy(cloud: LocalCloud, version: str) -> dict[str, Any]:
    found = ids(cloud)
    client = cloud.client("appconfig")
    started = client.start_deployment(
        ApplicationId=found["app"],
        EnvironmentId=found["env"],
        DeploymentStrategyId=found["strategy"],
        ConfigurationProfileId=found["profile"],
        ConfigurationVersion=version,
    )
    for _ in range(100):
        deployment: dict[str, Any] = client.get_deployment(
            ApplicationId=found["app"], EnvironmentId=found["env"], DeploymentNumber=started["DeploymentNumber"]
        )
        if deployment["State"] in ("COMPLETE", "ROLLED_BACK"):
            return deployment
        client.get_deployment_strategy(DeploymentStrategyId=found["strategy"])  # a round trip, no sleep
    raise AssertionError("the deployment did not end")


def served(cloud: LocalCloud, *, by_name: bool = False) -> bytes:
    found = ids(cloud)
    data = cloud.client("appconfigdata")
    token = data.start_configuration_session(
        ApplicationIdentifier="test-settings" if by_name else found["app"],
        EnvironmentIdentifier="dev" if by_name else found["env"],
        ConfigurationProfileIdentifier="settings" if by_name else found["profile"],
    )["InitialConfigurationToken"]
    return bytes(data.get_latest_configuration(ConfigurationToken=token)["Configuration"].read())


def test_the_templates_environment_and_strategy_exist(cloud: LocalCloud) -> None:
    found = ids(cloud)
    client = cloud.client("appconfig")
    environment = client.get_environment(ApplicationId=found["app"], EnvironmentId=found["env"])
    assert environment["Name"] == "dev" and environment["Monitors"][0]["AlarmArn"].endswith(":alarm:test-Watched")
    assert client.get_deployment_strategy(DeploymentStrategyId=found["strategy"])["Name"] == "test-at-once"


def test_nothing_deployed_is_not_found_and_a_refused_version_is_never_served(cloud: LocalCloud) -> None:
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        served(cloud)
    version = store(cloud, b"this one is broken")

    with pytest.raises(ClientError) as refused:
        deploy(cloud, version)

    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    assert f"version {version} says broken" in str(refused.value.response.get("Message"))
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        served(cloud)


def test_a_valid_version_is_deployed_and_served_by_id_or_name_once_per_change(cloud: LocalCloud) -> None:
    assert deploy(cloud, store(cloud, b"colour: blue"))["State"] == "COMPLETE"
    assert served(cloud) == b"colour: blue" == served(cloud, by_name=True)
    found = ids(cloud)
    data = cloud.client("appconfigdata")
    token = data.start_configuration_session(
        ApplicationIdentifier=found["app"], EnvironmentIdentifier="dev", ConfigurationProfileIdentifier="settings"
    )["InitialConfigurationToken"]
    first = data.get_latest_configuration(ConfigurationToken=token)
    again = data.get_latest_configuration(ConfigurationToken=first["NextPollConfigurationToken"])
    assert first["Configuration"].read() == b"colour: blue" and again["Configuration"].read() == b""  # unchanged
    with pytest.raises(ClientError, match="BadRequestException"):  # a token is good for one call
        data.get_latest_configuration(ConfigurationToken=token)


def test_a_deployment_meeting_its_monitor_in_alarm_is_rolled_back_and_the_version_before_served(
    cloud: LocalCloud,
) -> None:
    deploy(cloud, store(cloud, b"colour: green"))
    cloudwatch = cloud.client("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName="test-Watched", StateValue="ALARM", StateReason="failing")
    try:
        deployment = deploy(cloud, store(cloud, b"colour: red"))
    finally:
        cloudwatch.set_alarm_state(AlarmName="test-Watched", StateValue="OK", StateReason="over")

    assert deployment["State"] == "ROLLED_BACK"
    assert any("test-Watched" in event["Description"] for event in deployment["EventLog"])
    assert served(cloud) == b"colour: green"
