"""Secrets: env vars locally, SSM when deployed (moto in-process, no network)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from messenger_bank.banking import credentials
from messenger_bank.errors import BankAuthenticationFailed


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    credentials.clear_cache()
    yield
    credentials.clear_cache()


def test_a_local_secret_comes_from_its_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANK_SECRETS_SOURCE", raising=False)
    monkeypatch.setenv("BANK_SECRET_KEYCLOAK_CLIENT_SECRET", "s3cret")
    assert credentials.secret("keycloak-client-secret") == "s3cret"


def test_a_missing_secret_is_an_authentication_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANK_SECRETS_SOURCE", raising=False)
    monkeypatch.delenv("BANK_SECRET_PASSPORT_PASSWORD", raising=False)
    with pytest.raises(BankAuthenticationFailed):
        credentials.secret("passport-password")


def test_a_deployed_secret_comes_from_ssm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("BANK_SECRETS_SOURCE", "ssm")
    monkeypatch.setenv("BANK_SECRETS_PREFIX", "/mb/bank")
    with mock_aws():
        boto3.client("ssm").put_parameter(Name="/mb/bank/billing-password", Value="from-ssm", Type="SecureString")
        assert credentials.secret("billing-password") == "from-ssm"


def test_a_value_is_kept_for_the_ttl_and_read_again_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANK_SECRETS_SOURCE", raising=False)
    monkeypatch.setenv("BANK_SECRET_ACQUIRER_API_KEY", "first")
    assert credentials.secret("acquirer-api-key") == "first"
    monkeypatch.setenv("BANK_SECRET_ACQUIRER_API_KEY", "rotated")

    assert credentials.secret("acquirer-api-key") == "first"  # within BANK_SECRETS_TTL: the cached value
    credentials.clear_cache()
    assert credentials.secret("acquirer-api-key") == "rotated"
