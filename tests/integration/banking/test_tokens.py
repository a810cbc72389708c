"""Keycloak-compatible issuer, the token cache, the directory and settings against the sandbox."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from local.sandbox import Sandbox
from messenger_bank.banking import credentials, service
from messenger_bank.banking.clients.keycloak import KeycloakTokens
from messenger_bank.banking.settings import SYSTEMS, BankSettings, bank_settings
from messenger_bank.errors import BankAuthenticationFailed
from tests.integration.banking.conftest import POLICY, TIMEOUT, Clients, person


def test_the_directory_lists_every_system_with_wsdl_for_soap(sandbox: Sandbox) -> None:
    systems = httpx.get(sandbox.directory_url).json()["systems"]
    assert set(SYSTEMS) <= set(systems)
    assert systems["passport"]["wsdl_url"].endswith("?wsdl")
    assert systems["billing"]["wsdl_url"].endswith("?wsdl")


def test_settings_resolve_urls_from_the_directory(sandbox: Sandbox) -> None:
    settings = BankSettings(directory_url=sandbox.directory_url)
    assert settings.url("core") == sandbox.urls["core"]
    assert settings.url("keycloak") == f"{sandbox.urls['keycloak']}/realms/bank"


def test_a_token_verifies_with_the_published_jwks_and_pinned_claims(clients: Clients, sandbox: Sandbox) -> None:
    realm = f"{sandbox.urls['keycloak']}/realms/bank"
    config = httpx.get(f"{realm}/.well-known/openid-configuration").json()
    keys = jwt.PyJWKClient(config["jwks_uri"])
    token = clients.tokens.token()
    claims = jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience="core-banking",
        issuer=config["issuer"],
    )
    assert claims["azp"] == "messenger-bank"


def test_the_token_is_fetched_once_and_shared_by_clients(clients: Clients) -> None:
    first = clients.tokens.token()
    other = KeycloakTokens(clients.tokens.realm_url, "messenger-bank", "sandbox-secret", timeout=TIMEOUT, policy=POLICY)
    assert other.token() == first
    assert clients.tokens.fetches == 1 and other.fetches == 0


def test_a_wrong_client_secret_is_refused(sandbox: Sandbox) -> None:
    tokens = KeycloakTokens(
        f"{sandbox.urls['keycloak']}/realms/bank", "messenger-bank", "wrong", timeout=TIMEOUT, policy=POLICY
    )
    with pytest.raises(BankAuthenticationFailed):
        tokens.token()


def test_a_revoked_token_is_refreshed_once_and_the_call_succeeds(clients: Clients, sandbox: Sandbox) -> None:
    clients.core.card(clients.core.cards("cus_existing0001")[0].card_id)
    sandbox.issuer.revoke_all()  # the cached token is now refused with 401, though not yet expired
    balance = clients.core.balance(clients.core.cards("cus_existing0001")[0].account_id)
    assert balance.currency == "BYN"
    assert clients.tokens.fetches == 2


def test_an_expired_token_is_replaced_before_use(clients: Clients, sandbox: Sandbox) -> None:
    # 3 s, not 1: on a loaded machine a 1 s token could expire between its fetch and its first use (a third fetch).
    sandbox.issuer.set_lifetime(3)
    clients.core.cards("cus_existing0001")
    time.sleep(3.1)
    clients.core.cards("cus_existing0001")
    assert clients.tokens.fetches == 2


def test_a_call_without_a_token_is_refused_by_core(sandbox: Sandbox) -> None:
    response = httpx.get(f"{sandbox.urls['core']}/api/v1/customers/cus_existing0001/cards")
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_the_service_wires_itself_from_env_and_the_directory(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    config = sandbox.config
    env = {
        "BANK_DIRECTORY_URL": sandbox.directory_url,
        "BANK_SECRET_KEYCLOAK_CLIENT_ID": "messenger-bank",
        "BANK_SECRET_KEYCLOAK_CLIENT_SECRET": config.keycloak_clients["messenger-bank"],
        "BANK_SECRET_PASSPORT_USERNAME": config.passport_credentials[0],
        "BANK_SECRET_PASSPORT_PASSWORD": config.passport_credentials[1],
        "BANK_SECRET_BILLING_USERNAME": config.billing_credentials[0],
        "BANK_SECRET_BILLING_PASSWORD": config.billing_credentials[1],
        "BANK_SECRET_ACQUIRER_API_KEY": config.acquirer_api_key,
        "BANK_SECRET_ACQUIRER_CALLBACK_SECRET": config.acquirer_callback_secret,
        **{f"BANK_SECRET_PARTNER_{p.upper()}_API_KEY": k for p, k in config.partner_api_keys.items()},
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BANK_SECRETS_SOURCE", raising=False)
    factories = [
        bank_settings,
        service.keycloak_tokens,
        service.passport_client,
        service.billing_client,
        service.cerberus_client,
        service.core_client,
        service.acquirer_client,
        service.partners_client,
    ]
    for factory in factories:
        factory.cache_clear()
    credentials.clear_cache()
    try:
        account = service.list_cards("cus_existing0001")[0].account_id
        assert service.get_balance(account).currency == "BYN"
        assert service.payees("tv")
        assert service.verify_identity(person()).age >= 18
        assert service.partner_offers(("twitch",))
    finally:
        for factory in factories:
            factory.cache_clear()
        credentials.clear_cache()
