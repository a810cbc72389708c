"""A sandbox bank on free ports for the whole module, and clients wired to it with short timeouts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from local.sandbox import Sandbox, start_sandbox
from local.sandbox.config import SYSTEMS
from messenger_bank.banking.clients.acquirer import AcquirerClient
from messenger_bank.banking.clients.billing import NAMESPACE as BILLING_NS
from messenger_bank.banking.clients.billing import BillingClient
from messenger_bank.banking.clients.cerberus import CODES as CERBERUS_CODES
from messenger_bank.banking.clients.cerberus import CerberusClient
from messenger_bank.banking.clients.core import CODES as CORE_CODES
from messenger_bank.banking.clients.core import CoreClient
from messenger_bank.banking.clients.http import RetryPolicy
from messenger_bank.banking.clients.keycloak import KeycloakTokens, clear_token_cache
from messenger_bank.banking.clients.partners import PartnersClient
from messenger_bank.banking.clients.passport import NAMESPACE as PASSPORT_NS
from messenger_bank.banking.clients.passport import PassportClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.clients.soap import SoapClient
from messenger_bank.banking.models import PARTNER_IDS, Identity

FREE_PORTS = dict.fromkeys(SYSTEMS, 0)
TIMEOUT = httpx.Timeout(1.0, connect=1.0)
POLICY = RetryPolicy(max_retries=2, backoff_base=0.01, backoff_max=0.05)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    bank = start_sandbox(tmp_path_factory.mktemp("sandbox"), ports=FREE_PORTS, seed=7)
    yield bank
    bank.stop()


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no faults, no cached token, the default token lifetime."""
    clear_token_cache()
    yield
    if "sandbox" in request.fixturenames:
        bank: Sandbox = request.getfixturevalue("sandbox")
        bank.faults.clear()
        bank.issuer.set_lifetime(bank.config.token_lifetime_seconds)


class Clients:
    """Every client of the wrapper, pointed at one sandbox, with its default credentials."""

    def __init__(self, sandbox: Sandbox, timeout: httpx.Timeout = TIMEOUT, policy: RetryPolicy = POLICY) -> None:
        config = sandbox.config
        directory = sandbox.directory()["systems"]
        self.sandbox = sandbox
        self.timeout, self.policy = timeout, policy
        client_id, client_secret = next(iter(config.keycloak_clients.items()))
        self.tokens = KeycloakTokens(
            directory["keycloak"]["issuer"],
            client_id,
            client_secret,
            timeout=timeout,
            policy=policy,
            refresh_margin=1.0,
        )
        self.passport = PassportClient(self.soap("passport", PASSPORT_NS, *config.passport_credentials))
        self.billing = BillingClient(self.soap("billing", BILLING_NS, *config.billing_credentials))
        self.cerberus = CerberusClient(
            RestClient(
                "cerberus",
                sandbox.urls["cerberus"],
                timeout=timeout,
                policy=policy,
                tokens=self.tokens,
                codes=CERBERUS_CODES,
            )
        )
        self.core = CoreClient(
            RestClient(
                "core", sandbox.urls["core"], timeout=timeout, policy=policy, tokens=self.tokens, codes=CORE_CODES
            )
        )
        self.acquirer = AcquirerClient(
            RestClient(
                "acquirer", sandbox.urls["acquirer"], timeout=timeout, policy=policy, api_key=config.acquirer_api_key
            ),
            config.acquirer_callback_secret,
        )
        self.partners = PartnersClient(
            {
                p: RestClient(
                    f"partner:{p}",
                    f"{sandbox.urls['partners']}/{p}",
                    timeout=timeout,
                    policy=policy,
                    api_key=config.partner_api_keys[p],
                )
                for p in PARTNER_IDS
            }
        )

    def soap(self, system: str, namespace: str, username: str, password: str) -> SoapClient:
        endpoint = self.sandbox.directory()["systems"][system]["base_url"]
        return SoapClient(
            system, endpoint, namespace, username=username, password=password, timeout=self.timeout, policy=self.policy
        )


@pytest.fixture
def clients(sandbox: Sandbox) -> Clients:
    return Clients(sandbox)


_people = itertools.count(100)


def person(
    last_name: str = "Ivanova",
    birth: date = date(1990, 5, 17),
    document_number: str | None = None,
    phone: str | None = None,
) -> Identity:
    """A well-formed identity whose personal number agrees with the date of birth; unique per call."""
    n = next(_people)
    century = "4" if birth.year < 2000 else "6"
    personal = f"{century}{birth:%d%m%y}A{n % 1000:03d}PB{n % 10}"
    return Identity(
        first_name="Anna",
        last_name=last_name,
        birth_date=birth,
        document_number=document_number or f"MP{1000000 + n:07d}",
        personal_number=personal,
        phone=phone,
    )


def lowest_balances(sandbox: Sandbox) -> dict[str, int]:
    """Each customer account's lowest balance ever, replayed from its postings in the order written (an oracle
    apart from the ledger's own funds check: it sums the postings itself, one after another)."""
    running: dict[str, int] = {}
    lowest: dict[str, int] = {}
    rows = sandbox.bank.read().execute(
        "SELECT p.account_id, p.amount FROM postings p JOIN accounts a ON a.id = p.account_id "
        "WHERE a.kind = 'customer' ORDER BY p.id"
    )
    for row in rows:
        account = str(row["account_id"])
        running[account] = running.get(account, 0) + int(row["amount"])
        lowest[account] = min(lowest.get(account, 0), running[account])
    return lowest
