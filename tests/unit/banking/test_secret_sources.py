"""Where a secret is read when deployed (under the prefix, however it is written) and for how long it is kept."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking import credentials


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    credentials.clear_cache()
    yield
    credentials.clear_cache()


@pytest.mark.parametrize(
    ("prefix", "folder"),
    [("/mb/bank", "/mb/bank"), ("/mb/bank/", "/mb/bank"), ("/mb/bank//", "/mb/bank"), ("/mb/BOX/", "/mb/BOX")],
)
def test_a_deployed_secret_is_read_under_the_prefix_with_or_without_a_trailing_slash(
    monkeypatch: pytest.MonkeyPatch, prefix: str, folder: str
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("BANK_SECRETS_SOURCE", "ssm")
    monkeypatch.setenv("BANK_SECRETS_PREFIX", prefix)
    with mock_aws():
        boto3.client("ssm").put_parameter(Name=f"{folder}/passport-password", Value="pw", Type="SecureString")
        assert credentials.secret("passport-password") == "pw"


def test_a_secret_can_come_from_secrets_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("BANK_SECRETS_SOURCE", "secretsmanager")
    monkeypatch.setenv("BANK_SECRETS_PREFIX", "/mb/bank")
    with mock_aws():
        boto3.client("secretsmanager").create_secret(Name="/mb/bank/acquirer-api-key", SecretString="from-sm")
        assert credentials.secret("acquirer-api-key") == "from-sm"


def test_with_no_time_to_keep_a_rotated_value_is_read_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANK_SECRETS_SOURCE", raising=False)
    monkeypatch.setenv("BANK_SECRETS_TTL", "0")
    monkeypatch.setenv("BANK_SECRET_ACQUIRER_API_KEY", "first")
    assert credentials.secret("acquirer-api-key") == "first"

    monkeypatch.setenv("BANK_SECRET_ACQUIRER_API_KEY", "rotated")

    assert credentials.secret("acquirer-api-key") == "rotated"
