"""The bank directory and the URLs it hands out carry credentials: https, or plain http on this machine only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from messenger_bank.banking import settings
from messenger_bank.errors import BankSystemUnavailable


@pytest.mark.parametrize(
    "url",
    [
        "https://directory.bank.by/v1",
        "http://127.0.0.1:8080/directory",
        "http://127.9.9.9/d",
        "http://localhost:1/d",
        "http://[::1]:8080/d",
    ],
)
def test_https_anywhere_and_http_on_loopback_are_followed(url: str) -> None:
    assert settings.require_tls_off_loopback(url) == url


@pytest.mark.parametrize(
    ("url", "defect"),
    [
        ("http://directory.bank.by/v1", "plain http to a named host"),
        ("http://10.0.0.5/directory", "plain http to a private, not loopback, address"),
        ("http://127.0.0.1.attacker.example/d", "a host name that only starts like loopback"),
        ("ftp://127.0.0.1/d", "another scheme on loopback"),
    ],
)
def test_plain_http_off_this_machine_is_refused(url: str, defect: str) -> None:
    with pytest.raises(BankSystemUnavailable):
        settings.require_tls_off_loopback(url)


def _directory(base_url: str) -> dict[str, Any]:
    return {
        "systems": {
            "keycloak": {"issuer": "https://id.bank.by/realms/bank", "base_url": "https://id.bank.by"},
            "core": {"base_url": base_url},
        }
    }


class FakeDirectory:
    """Stands in for httpx.get: records what is asked and answers a directory naming `core_url`."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.core_url = "https://core.bank.by"

    def get(self, url: str, **_: Any) -> httpx.Response:
        self.asked.append(url)
        return httpx.Response(200, json=_directory(self.core_url), request=httpx.Request("GET", url))


@pytest.fixture
def directory(monkeypatch: pytest.MonkeyPatch) -> FakeDirectory:
    fake = FakeDirectory()
    monkeypatch.setattr(settings.httpx, "get", fake.get)
    monkeypatch.setattr(settings, "_directories", {})
    return fake


def test_an_http_directory_off_this_machine_is_never_asked(directory: FakeDirectory) -> None:
    with pytest.raises(BankSystemUnavailable):
        settings._from_directory("http://directory.bank.by/v1", 1, 1)

    assert directory.asked == []


def test_an_https_directory_is_asked_and_its_urls_used(directory: FakeDirectory) -> None:
    urls = settings._from_directory("https://directory.bank.by/v1", 1, 1)

    assert directory.asked == ["https://directory.bank.by/v1"]
    assert urls["core"] == "https://core.bank.by"


def test_a_directory_handing_out_plain_http_off_this_machine_is_refused(directory: FakeDirectory) -> None:
    directory.core_url = "http://core.bank.by"

    with pytest.raises(BankSystemUnavailable):
        settings._from_directory("https://directory.bank.by/v1", 1, 1)
