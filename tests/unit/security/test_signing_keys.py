"""The signing keys as a deployed Lambda reads them: SecureStrings in SSM (moto) under ``SECRETS_PREFIX``.

Each purpose has its own parameter, so a session verified without an explicit key uses the session key and a
link the link key; a rotated value is picked up once Powertools' five-minute cache has run out, not before.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from messenger_bank.security import digests, keys
from messenger_bank.security.errors import SessionInvalid, SigningKeyUnavailable
from messenger_bank.security.links import inspect_link, make_link, token_of
from messenger_bank.security.session_tokens import issue_session, verify_session

PREFIX = "/bank-test"
# The identity key's reader as the package has it (tests/unit/conftest.py replaces it for every case).
IDENTITY_KEY_FROM_SSM = digests._identity_key
CHAT = "telegram:123456"
# Three different values, each long enough: a key read from the wrong parameter does not verify.
STORED = {
    "session": "session-key-held-in-ssm-0123456789abcdef",
    "link": "link-key-held-in-ssm-0123456789abcdef-xyz",
    "identity": "identity-key-held-in-ssm-0123456789abcdef",
}


class PowertoolsClock:
    """The moment Powertools' parameter cache takes for "now"; move `at` to let a cached value age."""

    def __init__(self) -> None:
        self.at = datetime(2026, 1, 1, 12, 0, 0)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> PowertoolsClock:
    import aws_lambda_powertools.utilities.parameters.base as base

    clock = PowertoolsClock()

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            return cls.fromtimestamp(clock.at.timestamp(), tz)

    monkeypatch.setattr(base, "datetime", Frozen)
    return clock


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch, clock: PowertoolsClock) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("SECRETS_PREFIX", PREFIX)
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    with mock_aws():
        client = boto3.client("ssm")
        for purpose, value in STORED.items():
            client.put_parameter(
                Name=f"{PREFIX}/security/{purpose}-key", Value=value, Type="SecureString", Overwrite=True
            )
        yield client
    parameters.clear_caches()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("purpose", "name"),
    [
        ("session", "/p/security/session-key"),
        ("link", "/p/security/link-key"),
        ("identity", "/p/security/identity-key"),
    ],
)
def test_each_purpose_has_its_own_parameter(purpose: keys.KeyPurpose, name: str) -> None:
    assert keys.parameter_name(purpose, "/p") == name


def test_a_parameter_name_without_a_prefix_is_under_the_stacks_secrets_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRETS_PREFIX", "/stack-7")

    assert keys.parameter_name("link") == "/stack-7/security/link-key"


@pytest.mark.parametrize("purpose", ["session", "link", "identity"])
def test_the_signing_key_is_the_decrypted_value_of_its_own_parameter(ssm: object, purpose: keys.KeyPurpose) -> None:
    assert keys.signing_key(purpose) == STORED[purpose].encode()


def test_a_session_verified_without_a_key_uses_the_session_key_from_ssm(ssm: object) -> None:
    token = issue_session("cust-1", CHAT, key=STORED["session"].encode())

    assert verify_session(token, chat_key=CHAT).customer_id == "cust-1"


def test_a_session_issued_without_a_key_is_signed_with_the_session_key_from_ssm(ssm: object) -> None:
    token = issue_session("cust-1", CHAT)

    assert verify_session(token, chat_key=CHAT, key=STORED["session"].encode()).customer_id == "cust-1"
    with pytest.raises(SessionInvalid):
        verify_session(token, chat_key=CHAT, key=STORED["link"].encode())


def test_a_link_made_and_inspected_without_a_key_uses_the_link_key_from_ssm(ssm: object) -> None:
    link = make_link("https://bank.example/pin", "cust-1", CHAT, "change_password")

    assert inspect_link(token_of(link), key=STORED["link"].encode()).customer_id == "cust-1"
    assert inspect_link(token_of(link)).customer_id == "cust-1"


def test_a_rotated_key_is_read_again_only_after_five_minutes(ssm: object, clock: PowertoolsClock) -> None:
    assert keys.signing_key("session") == STORED["session"].encode()
    boto3.client("ssm").put_parameter(
        Name=f"{PREFIX}/security/session-key", Value="rotated-session-key-0123456789abcdef", Overwrite=True
    )

    clock.at += timedelta(seconds=300)
    assert keys.signing_key("session") == STORED["session"].encode()
    clock.at += timedelta(seconds=1)
    assert keys.signing_key("session") == b"rotated-session-key-0123456789abcdef"


def test_a_missing_parameter_makes_the_key_unavailable(ssm: object) -> None:
    boto3.client("ssm").delete_parameter(Name=f"{PREFIX}/security/link-key")

    with pytest.raises(SigningKeyUnavailable):
        keys.signing_key("link")


@pytest.mark.parametrize(("length", "refused"), [(31, True), (32, False)])
def test_a_stored_key_must_be_32_bytes(ssm: object, length: int, refused: bool) -> None:
    boto3.client("ssm").put_parameter(
        Name=f"{PREFIX}/security/session-key", Value="k" * length, Type="SecureString", Overwrite=True
    )

    if refused:
        with pytest.raises(SigningKeyUnavailable):
            keys.signing_key("session")
    else:
        assert keys.signing_key("session") == b"k" * length


def test_a_rotated_key_is_kept_five_minutes_whatever_powertools_default_cache_age(
    ssm: object, clock: PowertoolsClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_PARAMETERS_MAX_AGE", "5")
    assert keys.signing_key("link") == STORED["link"].encode()
    boto3.client("ssm").put_parameter(
        Name=f"{PREFIX}/security/link-key", Value="rotated-link-key-0123456789abcdef", Overwrite=True
    )

    clock.at += timedelta(seconds=300)
    assert keys.signing_key("link") == STORED["link"].encode()
    clock.at += timedelta(seconds=1)
    assert keys.signing_key("link") == b"rotated-link-key-0123456789abcdef"


def test_identity_digests_are_keyed_with_the_identity_key_from_ssm(
    ssm: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digests, "_identity_key", IDENTITY_KEY_FROM_SSM)  # undo the unit tests' fixed key

    expected = hmac.new(STORED["identity"].encode(), b"phone:375291234567", hashlib.sha256).hexdigest()
    assert digests.identity_digest("phone", "375291234567") == expected
