"""The banking operations the Lambdas call. Each takes its client as an optional parameter (tests hand
in their own); by default it comes from a cached factory that reads only that system's credentials,
so a Lambda needs access to the secrets of the systems it really calls (least privilege).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import httpx
from pydantic import SecretStr

from messenger_bank.banking.clients.http import RetryPolicy, shared_client
from messenger_bank.banking.credentials import secret
from messenger_bank.banking.models import PARTNER_IDS
from messenger_bank.banking.settings import BankSettings, System, bank_settings, require_tls_off_loopback
from messenger_bank.errors import (
    AlreadyCustomer,
    ApplicantUnderAge,
    BankSystemUnavailable,
    CustomerSanctioned,
    IdentityNotConfirmed,
    InvalidOneTimeCode,
)
from messenger_bank.observability import logger

# A system's client, and its models, are imported by its factory: a function loads only the systems it calls
# (issue 20: every banking function imported all six clients and the 45 models, SOAP's XML parsers among them).
# The clients are re-exported (``X as X``) for type checking: other contexts name their types (to be handed a fake
# in tests) through this module, never through ``banking.clients``.
if TYPE_CHECKING:
    from messenger_bank.banking.clients.acquirer import AcquirerClient as AcquirerClient
    from messenger_bank.banking.clients.billing import BillingClient as BillingClient
    from messenger_bank.banking.clients.cerberus import CerberusClient as CerberusClient
    from messenger_bank.banking.clients.core import CoreClient as CoreClient
    from messenger_bank.banking.clients.keycloak import KeycloakTokens
    from messenger_bank.banking.clients.partners import PartnersClient as PartnersClient
    from messenger_bank.banking.clients.passport import PassportClient
    from messenger_bank.banking.models import Identity, PartnerId, PayeeCategory
    from messenger_bank.banking.models.acquirer import TopUp, TopUpEvent, TopUpRequest
    from messenger_bank.banking.models.billing import Payee, PayeeAccount, Payment, PayRequest
    from messenger_bank.banking.models.cerberus import CreditScoring, OneTimeCode, Screening
    from messenger_bank.banking.models.core import (
        Balance,
        Card,
        CardLookup,
        CreditRequest,
        CustomerRef,
        DebitRequest,
        HistoryEntry,
        IssueCardRequest,
        IssuedCard,
        Operation,
        OrderPlasticRequest,
        PinKey,
        PlasticOrder,
        RefundRequest,
        Requisites,
        SetPinRequest,
        TransferRequest,
    )
    from messenger_bank.banking.models.partners import Activation, CashbackRule, Offer
    from messenger_bank.banking.models.passport import IdentityVerified


# --- factories: created on first use, kept while the container is warm ----------------------------
def _policy(settings: BankSettings) -> RetryPolicy:
    return RetryPolicy.from_settings(settings)


@lru_cache(maxsize=1)
def keycloak_tokens() -> KeycloakTokens:
    from messenger_bank.banking.clients.keycloak import KeycloakTokens

    settings = bank_settings()
    return KeycloakTokens(
        settings.url("keycloak"),
        secret("keycloak-client-id"),
        secret("keycloak-client-secret"),
        timeout=settings.timeout,
        policy=_policy(settings),
        refresh_margin=settings.token_refresh_margin,
    )


@lru_cache(maxsize=1)
def passport_client() -> PassportClient:
    from messenger_bank.banking.clients.passport import NAMESPACE, PassportClient
    from messenger_bank.banking.clients.soap import SoapClient

    settings = bank_settings()
    return PassportClient(
        SoapClient(
            "passport",
            settings.url("passport"),
            NAMESPACE,
            username=secret("passport-username"),
            password=secret("passport-password"),
            timeout=settings.timeout,
            policy=_policy(settings),
        )
    )


@lru_cache(maxsize=1)
def billing_client() -> BillingClient:
    from messenger_bank.banking.clients.billing import NAMESPACE, BillingClient
    from messenger_bank.banking.clients.soap import SoapClient

    settings = bank_settings()
    return BillingClient(
        SoapClient(
            "billing",
            settings.url("billing"),
            NAMESPACE,
            username=secret("billing-username"),
            password=secret("billing-password"),
            timeout=settings.timeout,
            policy=_policy(settings),
        )
    )


@lru_cache(maxsize=1)
def cerberus_client() -> CerberusClient:
    from messenger_bank.banking.clients.cerberus import CODES, CerberusClient
    from messenger_bank.banking.clients.rest import RestClient

    settings = bank_settings()
    return CerberusClient(
        RestClient(
            "cerberus",
            settings.url("cerberus"),
            timeout=settings.timeout,
            policy=_policy(settings),
            tokens=keycloak_tokens(),
            codes=CODES,
        )
    )


@lru_cache(maxsize=1)
def core_client() -> CoreClient:
    from messenger_bank.banking.clients.core import CODES, CoreClient
    from messenger_bank.banking.clients.rest import RestClient

    settings = bank_settings()
    return CoreClient(
        RestClient(
            "core",
            settings.url("core"),
            timeout=settings.timeout,
            policy=_policy(settings),
            tokens=keycloak_tokens(),
            codes=CODES,
        )
    )


@lru_cache(maxsize=1)
def acquirer_client() -> AcquirerClient:
    from messenger_bank.banking.clients.acquirer import AcquirerClient
    from messenger_bank.banking.clients.rest import RestClient

    settings = bank_settings()
    rest = RestClient(
        "acquirer",
        settings.url("acquirer"),
        timeout=settings.timeout,
        policy=_policy(settings),
        api_key=secret("acquirer-api-key"),
    )
    return AcquirerClient(rest, secret("acquirer-callback-secret"))


@lru_cache(maxsize=4)
def partners_client(partners: tuple[PartnerId, ...] = PARTNER_IDS) -> PartnersClient:
    from messenger_bank.banking.clients.partners import PartnersClient
    from messenger_bank.banking.clients.rest import RestClient

    settings = bank_settings()
    root = settings.url("partners")
    return PartnersClient(
        {
            p: RestClient(
                f"partner:{p}",
                f"{root}/{p}",
                timeout=settings.timeout,
                policy=_policy(settings),
                api_key=secret(f"partner-{p}-api-key"),
            )
            for p in partners
        }
    )


def warm(*clients: Callable[[], object], token: bool = False) -> None:
    """A warm-up's share of the bank (handlers.lambda_entry): `clients` (the factories above of the systems a step
    calls) created with their credentials read from SSM and, with `token`, the Keycloak token the REST systems want,
    fetched before a customer waits on them. The factories are passed, not named, so that a function's code reaches
    only its own systems (tests/unit/test_least_privilege.py). A bank that does not answer now leaves the token to
    the first call; its breaker counts the failure, as any other."""
    for client in clients:
        client()
    if token:
        try:
            keycloak_tokens().token()
        except BankSystemUnavailable as failure:
            logger.warning("bank token not fetched ahead", extra={"reason": type(failure).__name__})


# --- onboarding -----------------------------------------------------------------------------------------
def verify_identity(
    person: Identity, passport: PassportClient | None = None, adult_age: int | None = None
) -> IdentityVerified:
    """Passport registry check; raises IdentityNotConfirmed or ApplicantUnderAge."""
    from messenger_bank.banking.models.passport import IdentityVerified

    check = (passport or passport_client()).verify_person(person)
    if check.status != "VALID":
        logger.info("identity not confirmed", extra={"status": check.status})
        raise IdentityNotConfirmed(f"the registry answers {check.status}", status=check.status)
    if check.age < (adult_age if adult_age is not None else bank_settings().adult_age):
        raise ApplicantUnderAge("the applicant is under age", age=check.age)
    return IdentityVerified(age=check.age, checked_at=check.checked_at)


def screen_customer(person: Identity, cerberus: CerberusClient | None = None) -> Screening:
    """Cerberus screening; raises CustomerSanctioned, or AlreadyCustomer naming the existing customer."""
    screening = (cerberus or cerberus_client()).screen(person)
    if screening.decision == "rejected":
        raise CustomerSanctioned("the security screening refuses the person", reasons=screening.reasons)
    if screening.existing_customer_id:
        raise AlreadyCustomer(
            f"already a customer: {screening.existing_customer_id}",
            customer_id=screening.existing_customer_id,
        )
    return screening


def score_credit(bank_customer_id: str, cerberus: CerberusClient | None = None) -> CreditScoring:
    """Cerberus's credit limit for a card of core banking's customer; a refusal is a limit of 0 (a debit card)."""
    return (cerberus or cerberus_client()).score_credit(bank_customer_id)


def create_customer(person: Identity, core: CoreClient | None = None) -> CustomerRef:
    return (core or core_client()).create_customer(person)


def send_code(phone: str, purpose: str, cerberus: CerberusClient | None = None) -> OneTimeCode:
    return (cerberus or cerberus_client()).send_code(phone, purpose)


def check_code(otp_id: str, code: str, cerberus: CerberusClient | None = None) -> None:
    """Returns when the code is right; raises InvalidOneTimeCode (with attempts_left) otherwise."""
    result = (cerberus or cerberus_client()).check_code(otp_id, code)
    if not result.valid:
        raise InvalidOneTimeCode("the one-time code is wrong or expired", attempts_left=result.attempts_left)


def phone_belongs(phone: str, customer_id: str, cerberus: CerberusClient | None = None) -> bool:
    return (cerberus or cerberus_client()).phone_belongs(phone, customer_id)


# --- cards and accounts --------------------------------------------------------------------------------
def issue_virtual_card(request: IssueCardRequest, core: CoreClient | None = None) -> IssuedCard:
    return (core or core_client()).issue_virtual_card(request)


def order_plastic_card(request: OrderPlasticRequest, core: CoreClient | None = None) -> PlasticOrder:
    return (core or core_client()).order_plastic(request)


def plastic_order_status(order_id: str, core: CoreClient | None = None) -> PlasticOrder:
    return (core or core_client()).plastic_order(order_id)


def list_cards(customer_id: str, core: CoreClient | None = None) -> list[Card]:
    return (core or core_client()).cards(customer_id)


def get_card(card_id: str, core: CoreClient | None = None) -> Card:
    return (core or core_client()).card(card_id)


def lookup_card(pan: SecretStr, core: CoreClient | None = None) -> CardLookup:
    return (core or core_client()).lookup(pan.get_secret_value())


def get_balance(account_id: str, core: CoreClient | None = None) -> Balance:
    return (core or core_client()).balance(account_id)


def block_card(card_id: str, reason: str = "customer_request", core: CoreClient | None = None) -> Card:
    return (core or core_client()).block(card_id, reason)


def unblock_card(card_id: str, core: CoreClient | None = None) -> Card:
    return (core or core_client()).unblock(card_id)


def pin_key(core: CoreClient | None = None) -> PinKey:
    return (core or core_client()).pin_key()


def encrypt_pin(card_id: str, pin: SecretStr, key: PinKey) -> SetPinRequest:
    """What the PIN web form does (server side, or as a reference for the browser's WebCrypto code)."""
    # Imported here: only the PIN change encrypts (the secure page's PIN form); cryptography's RSA and
    # serialization were ~7 ms of every banking function's init (issue 20).
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from messenger_bank.banking.models.core import SetPinRequest

    public = serialization.load_pem_public_key(key.public_key_pem.encode())
    if not isinstance(public, rsa.RSAPublicKey):
        raise TypeError("the PIN key is not an RSA key")
    blob = public.encrypt(
        f"{card_id}:{pin.get_secret_value()}".encode(),
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    return SetPinRequest(card_id=card_id, encrypted_pin=SecretStr(base64.b64encode(blob).decode()), key_id=key.key_id)


def set_pin(request: SetPinRequest, core: CoreClient | None = None) -> None:
    (core or core_client()).set_pin(request)


def get_requisites(account_id: str, core: CoreClient | None = None) -> Requisites:
    return (core or core_client()).requisites(account_id)


def history(account_id: str, limit: int = 20, core: CoreClient | None = None) -> list[HistoryEntry]:
    return (core or core_client()).history(account_id, limit)


# --- money -------------------------------------------------------------------------------------------------
def debit(request: DebitRequest, core: CoreClient | None = None) -> Operation:
    return (core or core_client()).debit(request)


def credit(request: CreditRequest, core: CoreClient | None = None) -> Operation:
    return (core or core_client()).credit(request)


def refund(request: RefundRequest, core: CoreClient | None = None) -> Operation:
    return (core or core_client()).refund(request)


def transfer(request: TransferRequest, core: CoreClient | None = None) -> Operation:
    return (core or core_client()).transfer(request)


# --- payments for services ---------------------------------------------------------------------------
def payees(category: PayeeCategory | None = None, billing: BillingClient | None = None) -> list[Payee]:
    return (billing or billing_client()).payees(category)


def validate_payee(service_code: str, account: str, billing: BillingClient | None = None) -> PayeeAccount:
    """The payee's answer for this account (with the amount due, when the payee has one)."""
    return (billing or billing_client()).check_account(service_code, account)


def pay(request: PayRequest, billing: BillingClient | None = None) -> Payment:
    return (billing or billing_client()).pay(request)


# --- top-up -------------------------------------------------------------------------------------------------
def start_topup(request: TopUpRequest, acquirer: AcquirerClient | None = None) -> TopUp:
    return (acquirer or acquirer_client()).create_payment(request)


def topup_status(payment_id: str, acquirer: AcquirerClient | None = None) -> TopUp:
    return (acquirer or acquirer_client()).payment(payment_id)


def verify_topup_callback(
    body: bytes, timestamp: str, signature: str, acquirer: AcquirerClient | None = None
) -> TopUpEvent:
    return (acquirer or acquirer_client()).verify_callback(body, timestamp, signature)


# --- partners ---------------------------------------------------------------------------------------
def partner_offers(partners: tuple[PartnerId, ...] = PARTNER_IDS, client: PartnersClient | None = None) -> list[Offer]:
    """Every partner's offers, best cashback first."""
    source = client or partners_client()
    offers = [offer for p in partners for offer in source.offers(p)]
    return sorted(offers, key=lambda o: -o.cashback_percent)


def activate_offer(
    partner: PartnerId, offer_id: str, customer_ref: str, client: PartnersClient | None = None
) -> Activation:
    return (client or partners_client()).activate(partner, offer_id, customer_ref)


def cashback_rules(partner: PartnerId, client: PartnersClient | None = None) -> list[CashbackRule]:
    return (client or partners_client()).cashback_rules(partner)


# --- health -----------------------------------------------------------------------------------------------
def probe(system: System) -> bool:
    """Whether the system answers at all: a GET of its base URL (a SOAP endpoint's WSDL) answered below 500
    within the usual timeouts. Nothing is asked of it and no credential is sent; the breaker's scheduled check
    uses it to see a system back before any customer has to try."""
    settings = bank_settings()
    try:
        url = require_tls_off_loopback(settings.url(system) + ("?wsdl" if system in ("passport", "billing") else "/"))
        response = shared_client(settings.timeout).get(url)
    except (httpx.HTTPError, BankSystemUnavailable):
        return False
    return response.status_code < 500
