"""The banking operations the Lambdas call: the verdicts they draw from the systems' answers (identity, age,
screening, one-time code), the PIN block they make, and that each goes to the client it is handed with the
caller's arguments (real clients on a recorded wire, so the request itself is checked)."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import defusedxml.ElementTree as ET
import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pydantic import SecretStr

from local.sandbox.acquirer import sign
from messenger_bank.banking import service
from messenger_bank.banking.clients.acquirer import AcquirerClient
from messenger_bank.banking.clients.billing import NAMESPACE as BILLING
from messenger_bank.banking.clients.billing import BillingClient
from messenger_bank.banking.clients.cerberus import CODES as CERBERUS_CODES
from messenger_bank.banking.clients.cerberus import CerberusClient
from messenger_bank.banking.clients.core import CODES as CORE_CODES
from messenger_bank.banking.clients.core import CoreClient
from messenger_bank.banking.clients.partners import PartnersClient
from messenger_bank.banking.clients.passport import NAMESPACE as PASSPORT
from messenger_bank.banking.clients.passport import PassportClient
from messenger_bank.banking.clients.rest import RestClient
from messenger_bank.banking.clients.soap import SoapClient
from messenger_bank.banking.models import Identity
from messenger_bank.banking.models.acquirer import TopUpRequest
from messenger_bank.banking.models.billing import PayRequest
from messenger_bank.banking.models.core import (
    CreditRequest,
    DebitRequest,
    DeliveryAddress,
    IssueCardRequest,
    OrderPlasticRequest,
    PinKey,
    RefundRequest,
    SetPinRequest,
    TransferRequest,
)
from messenger_bank.configuration import forget_settings
from messenger_bank.errors import (
    AlreadyCustomer,
    ApplicantUnderAge,
    CustomerSanctioned,
    IdentityNotConfirmed,
    InvalidOneTimeCode,
    OperationRejected,
)
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire

PERSON = Identity(
    first_name="Anna", last_name="Ivanova", birth_date=date(1990, 5, 17), document_number="MP1234567",
    personal_number="4170590A001PB5",
)  # fmt: skip


@pytest.fixture(autouse=True)
def no_bank_configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No bank URL and default settings: an operation that reached for its default client would fail."""
    for name in ("DIRECTORY", "KEYCLOAK", "PASSPORT", "CERBERUS", "CORE", "BILLING", "ACQUIRER", "PARTNERS"):
        monkeypatch.delenv(f"BANK_{name}_URL", raising=False)
    monkeypatch.delenv("BANK_ADULT_AGE", raising=False)
    forget_settings()
    yield
    forget_settings()


def rest(wire: Wire, system: str, codes: Any = None) -> RestClient:
    return RestClient(
        system, f"https://{system}.test", timeout=TIMEOUT, policy=POLICY, api_key="k", codes=codes, client=wire.client
    )


def soap(wire: Wire, namespace: str) -> SoapClient:
    return SoapClient(
        "soap", "https://soap.test/ws", namespace, username="u", password="p", timeout=TIMEOUT, policy=POLICY,
        client=wire.client,
    )  # fmt: skip


def soap_answer(namespace: str, operation: str, fields: dict[str, object]) -> httpx.Response:
    children = "".join(f"<p:{name}>{value}</p:{name}>" for name, value in fields.items())
    return httpx.Response(
        200,
        content=(
            f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="{namespace}"><s:Body>'
            f"<p:{operation}Response>{children}</p:{operation}Response></s:Body></s:Envelope>"
        ).encode(),
    )


# --- identity ----------------------------------------------------------------------------------------------------
def passport(status: str, age: int) -> PassportClient:
    fields = {"status": status, "age": age, "checkedAt": "2026-03-02T12:00:00Z"}
    return PassportClient(soap(Wire(soap_answer(PASSPORT, "VerifyPerson", fields)), PASSPORT))


@pytest.mark.parametrize("status", ["INVALID", "NOT_FOUND", "MISMATCH"])
def test_a_person_the_registry_does_not_find_valid_is_not_confirmed(status: str) -> None:
    with pytest.raises(IdentityNotConfirmed) as caught:
        service.verify_identity(PERSON, passport(status, 40), adult_age=18)
    assert caught.value.details == {"status": status}


@pytest.mark.parametrize(("age", "adult_age"), [(17, 18), (20, 21), (0, 1)])
def test_a_person_under_the_adult_age_is_refused(age: int, adult_age: int) -> None:
    with pytest.raises(ApplicantUnderAge) as caught:
        service.verify_identity(PERSON, passport("VALID", age), adult_age=adult_age)
    assert caught.value.details == {"age": age}


@pytest.mark.parametrize(("age", "adult_age"), [(18, 18), (19, 18), (21, 21), (0, 0)])
def test_a_valid_person_of_the_adult_age_or_older_is_verified(age: int, adult_age: int) -> None:
    verified = service.verify_identity(PERSON, passport("VALID", age), adult_age=adult_age)

    assert verified.age == age and verified.checked_at.isoformat() == "2026-03-02T12:00:00+00:00"


@pytest.mark.parametrize(("age", "adult"), [(17, False), (18, True)])
def test_without_an_adult_age_the_settings_say_it(age: int, adult: bool) -> None:
    if adult:
        assert service.verify_identity(PERSON, passport("VALID", age)).age == age
    else:
        with pytest.raises(ApplicantUnderAge):
            service.verify_identity(PERSON, passport("VALID", age))


def test_the_adult_age_in_the_settings_is_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANK_ADULT_AGE", "16")

    assert service.verify_identity(PERSON, passport("VALID", 16)).age == 16


# --- screening ---------------------------------------------------------------------------------------------------
def cerberus(*answers: httpx.Response) -> tuple[CerberusClient, Wire]:
    wire = Wire(*answers)
    return CerberusClient(rest(wire, "cerberus", CERBERUS_CODES)), wire


def screening(**fields: object) -> httpx.Response:
    return httpx.Response(200, json={"screening_id": "scr-1", "decision": "clear"} | fields)


def test_a_person_the_screening_rejects_is_sanctioned_with_its_reasons() -> None:
    client, _ = cerberus(screening(decision="rejected", reasons=["sanctions", "fraud"], existing_customer_id="B-1"))

    with pytest.raises(CustomerSanctioned) as caught:
        service.screen_customer(PERSON, client)
    assert caught.value.details == {"reasons": ["sanctions", "fraud"]}


def test_a_clear_person_who_is_a_customer_already_is_named() -> None:
    client, _ = cerberus(screening(existing_customer_id="BANK-7"))

    with pytest.raises(AlreadyCustomer) as caught:
        service.screen_customer(PERSON, client)
    assert caught.value.customer_id == "BANK-7"


@pytest.mark.parametrize("existing", [None, ""])
def test_a_clear_new_person_passes_the_screening(existing: str | None) -> None:
    client, wire = cerberus(screening(existing_customer_id=existing))

    assert service.screen_customer(PERSON, client).screening_id == "scr-1"
    assert wire.request.url.path == "/api/v1/screenings"


# --- one-time codes ----------------------------------------------------------------------------------------------
def test_a_right_code_passes() -> None:
    client, wire = cerberus(httpx.Response(200, json={"valid": True, "attempts_left": 2}))

    service.check_code("otp-1", "123456", client)  # nothing raised

    assert (wire.request.url.path, wire.body()) == ("/api/v1/otp/otp-1/verify", {"code": "123456"})


@pytest.mark.parametrize("left", [2, 0])
def test_a_wrong_code_is_invalid_with_the_attempts_left(left: int) -> None:
    client, _ = cerberus(httpx.Response(200, json={"valid": False, "attempts_left": left}))

    with pytest.raises(InvalidOneTimeCode) as caught:
        service.check_code("otp-1", "000000", client)
    assert caught.value.details == {"attempts_left": left}


# --- PIN ---------------------------------------------------------------------------------------------------------
def test_a_pin_is_encrypted_for_the_banks_key_with_its_card() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    key = PinKey(key_id="pin-7", algorithm="RSA-OAEP-256", public_key_pem=pem.decode())

    request = service.encrypt_pin("card_1", SecretStr("4321"), key)

    assert (request.card_id, request.key_id) == ("card_1", "pin-7")
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert private.decrypt(base64.b64decode(request.encrypted_pin.get_secret_value()), oaep) == b"card_1:4321"


def test_a_pin_key_that_is_not_rsa_is_refused() -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    with pytest.raises(TypeError):
        service.encrypt_pin(
            "card_1", SecretStr("4321"), PinKey(key_id="k", algorithm="RSA-OAEP-256", public_key_pem=pem.decode())
        )


# --- partners ------------------------------------------------------------------------------------------------------
def offer(partner: str, offer_id: str, percent: int) -> dict[str, object]:
    return {
        "offer_id": offer_id, "partner": partner, "partner_name": partner.title(), "title": "t", "category": "c",
        "cashback_percent": percent, "valid_until": "2099-12-31",
    }  # fmt: skip


def partners_client(**answers: list[dict[str, object]]) -> PartnersClient:
    return PartnersClient(
        {
            name: rest(Wire(httpx.Response(200, json={"offers": offers})), f"partner-{name}")
            for name, offers in answers.items()
        }
    )


def test_every_partners_offers_come_best_cashback_first() -> None:
    client = partners_client(
        twitch=[offer("twitch", "tw-1", 5), offer("twitch", "tw-2", 30)],
        grushovka=[offer("grushovka", "gr-1", 12)],
    )

    offers = service.partner_offers(("twitch", "grushovka"), client)

    assert [o.offer_id for o in offers] == ["tw-2", "gr-1", "tw-1"]


def test_only_the_partners_asked_for_are_asked() -> None:
    client = partners_client(twitch=[offer("twitch", "tw-1", 5)])

    assert [o.offer_id for o in service.partner_offers(("twitch",), client)] == ["tw-1"]
    with pytest.raises(OperationRejected):
        service.partner_offers(("twitch", "gamearena"), client)


# --- every operation goes to the client it is handed ---------------------------------------------------------------
CARD = {
    "card_id": "card_1", "customer_id": "BANK-1", "account_id": "acc_1", "masked_pan": "4111******1111",
    "expiry": "03/29", "product": "visa-digital", "form": "virtual", "status": "active",
    "cashback_category": "everything",
}  # fmt: skip
OPERATION = {
    "operation_id": "op_1", "kind": "debit", "amount": 100, "currency": "BYN", "status": "completed",
    "created_at": "2026-03-02T12:00:00+00:00",
}  # fmt: skip
PLASTIC = {"id": "po_1", "card_id": "card_1", "status": "ordered", "updated_at": "2026-03-02T12:00:00+00:00"}
TOPUP = {
    "payment_id": "pay_1", "order_id": "o1", "amount": 100, "currency": "BYN", "status": "created",
    "payment_url": "https://acq.test/pay/pay_1", "expires_at": "2026-03-02T12:15:00+00:00",
}  # fmt: skip
IBAN = "BY13NBRB3600900000002Z00AB00"
REQUISITES = {
    "account_id": "acc_1", "iban": IBAN, "currency": "BYN", "holder_name": "A", "bank_name": "B", "bic": "MBNKBY2X",
    "bank_taxpayer_number": "1",
}  # fmt: skip


def core_op(call: Callable[[CoreClient], Any], answer: dict[str, Any]) -> Callable[[], tuple[Any, Wire]]:
    def run() -> tuple[Any, Wire]:
        wire = Wire(httpx.Response(200, json=answer))
        return call(CoreClient(rest(wire, "core", CORE_CODES))), wire

    return run


def cerberus_op(call: Callable[[CerberusClient], Any], answer: dict[str, Any]) -> Callable[[], tuple[Any, Wire]]:
    def run() -> tuple[Any, Wire]:
        wire = Wire(httpx.Response(200, json=answer))
        return call(CerberusClient(rest(wire, "cerberus", CERBERUS_CODES))), wire

    return run


def acquirer_op(call: Callable[[AcquirerClient], Any], answer: dict[str, Any]) -> Callable[[], tuple[Any, Wire]]:
    def run() -> tuple[Any, Wire]:
        wire = Wire(httpx.Response(200, json=answer))
        return call(AcquirerClient(rest(wire, "acquirer"), "secret")), wire

    return run


def partner_op(call: Callable[[PartnersClient], Any], answer: dict[str, Any]) -> Callable[[], tuple[Any, Wire]]:
    def run() -> tuple[Any, Wire]:
        wire = Wire(httpx.Response(200, json=answer))
        return call(PartnersClient({"twitch": rest(wire, "partner-twitch")})), wire

    return run


def billing_op(call: Callable[[BillingClient], Any], answer: httpx.Response) -> Callable[[], tuple[Any, Wire]]:
    def run() -> tuple[Any, Wire]:
        wire = Wire(answer)
        return call(BillingClient(soap(wire, BILLING))), wire

    return run


PAYEE_ACCOUNT = {"serviceCode": "100101", "account": "29", "holderName": "A", "currency": "BYN"}
PAID = {
    "paymentId": "bp_1", "status": "COMPLETED", "receiptNumber": "R", "serviceCode": "100101", "account": "29",
    "amount": 100, "currency": "BYN", "paidAt": "2026-03-02T12:00:00Z",
}  # fmt: skip

# (operation, run it against a recorded client, the request it must send: method and path, or the SOAP operation)
OPERATIONS: list[tuple[str, Callable[[], tuple[Any, Wire]], str]] = [
    ("create_customer", core_op(lambda c: service.create_customer(PERSON, c), {"customer_id": "B", "created": True}),
     "POST /api/v1/customers"),
    ("send_code", cerberus_op(lambda c: service.send_code("+375291234567", "signin", c),
                              {"otp_id": "o", "expires_at": "2026-03-02T12:00:00Z"}), "POST /api/v1/otp"),
    ("phone_belongs", cerberus_op(lambda c: service.phone_belongs("+375291234567", "B", c), {"belongs": True}),
     "POST /api/v1/phone-checks"),
    ("issue_virtual_card", core_op(lambda c: service.issue_virtual_card(
        IssueCardRequest(customer_id="B", idempotency_key="issue-0001"), c), CARD | {"pan": "4111111111111111",
                                                                                    "iban": IBAN}),
     "POST /api/v1/customers/B/cards"),
    ("order_plastic_card", core_op(lambda c: service.order_plastic_card(OrderPlasticRequest(
        card_id="card_1", address=DeliveryAddress(city="M", street="S"), idempotency_key="plastic-01"), c), PLASTIC),
     "POST /api/v1/cards/card_1/plastic-orders"),
    ("plastic_order_status", core_op(lambda c: service.plastic_order_status("po_1", c), PLASTIC),
     "GET /api/v1/plastic-orders/po_1"),
    ("list_cards", core_op(lambda c: service.list_cards("B", c), {"cards": [CARD]}), "GET /api/v1/customers/B/cards"),
    ("get_card", core_op(lambda c: service.get_card("card_1", c), CARD), "GET /api/v1/cards/card_1"),
    ("lookup_card", core_op(lambda c: service.lookup_card(SecretStr("4111111111111111"), c),
                            {"own": False, "masked_pan": "4111******1111"}), "POST /api/v1/cards/lookup"),
    ("get_balance", core_op(lambda c: service.get_balance("acc_1", c),
                            {"account_id": "acc_1", "balance": 1, "currency": "BYN"}),
     "GET /api/v1/accounts/acc_1/balance"),
    ("block_card", core_op(lambda c: service.block_card("card_1", core=c), CARD), "POST /api/v1/cards/card_1/block"),
    ("unblock_card", core_op(lambda c: service.unblock_card("card_1", c), CARD), "POST /api/v1/cards/card_1/unblock"),
    ("pin_key", core_op(lambda c: service.pin_key(c), {"key_id": "k", "algorithm": "RSA-OAEP-256",
                                                       "public_key_pem": "P"}), "GET /api/v1/pin-key"),
    ("set_pin", core_op(lambda c: service.set_pin(SetPinRequest(card_id="card_1", encrypted_pin=SecretStr("x"),
                                                                key_id="k"), c), {}), "PUT /api/v1/cards/card_1/pin"),
    ("get_requisites", core_op(lambda c: service.get_requisites("acc_1", c), REQUISITES),
     "GET /api/v1/accounts/acc_1/requisites"),
    ("history", core_op(lambda c: service.history("acc_1", core=c), {"operations": []}),
     "GET /api/v1/accounts/acc_1/operations"),
    ("debit", core_op(lambda c: service.debit(DebitRequest(account_id="acc_1", amount=1, currency="BYN",
                                                           idempotency_key="debit-001"), c), OPERATION),
     "POST /api/v1/debits"),
    ("credit", core_op(lambda c: service.credit(CreditRequest(account_id="acc_1", source="bonus", amount=1,
                                                              currency="BYN", idempotency_key="credit-01"), c),
                       OPERATION), "POST /api/v1/credits"),
    ("refund", core_op(lambda c: service.refund(RefundRequest(debit_id="op_1", idempotency_key="refund-01"), c),
                       OPERATION), "POST /api/v1/refunds"),
    ("transfer", core_op(lambda c: service.transfer(TransferRequest(
        from_account_id="a", to_account_id="b", amount=1, currency="BYN", idempotency_key="transfer-1"), c), OPERATION),
     "POST /api/v1/transfers"),
    ("payees", billing_op(lambda b: service.payees("mobile", b), soap_answer(BILLING, "ListPayees", {})),
     "SOAP ListPayees"),
    ("validate_payee", billing_op(lambda b: service.validate_payee("100101", "29", b),
                                  soap_answer(BILLING, "CheckAccount", PAYEE_ACCOUNT)), "SOAP CheckAccount"),
    ("pay", billing_op(lambda b: service.pay(PayRequest(
        service_code="100101", account="29", amount=100, currency="BYN", payer_account_id="acc_1",
        idempotency_key="payment-1"), b), soap_answer(BILLING, "Pay", PAID)), "SOAP Pay"),
    ("start_topup", acquirer_op(lambda a: service.start_topup(TopUpRequest(
        order_id="o1", amount=100, currency="BYN", idempotency_key="topup-001"), a), TOPUP), "POST /api/v1/payments"),
    ("topup_status", acquirer_op(lambda a: service.topup_status("pay_1", a), TOPUP), "GET /api/v1/payments/pay_1"),
    ("activate_offer", partner_op(lambda p: service.activate_offer("twitch", "tw-1", "ref-1", p),
                                  {"activation_id": "a", "offer_id": "tw-1", "status": "s", "promo_code": "P"}),
     "POST /api/v1/activations"),
    ("cashback_rules", partner_op(lambda p: service.cashback_rules("twitch", p), {"rules": []}),
     "GET /api/v1/cashback-rules"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "run", "sent"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_an_operation_asks_the_client_it_is_handed(name: str, run: Callable[[], tuple[Any, Wire]], sent: str) -> None:
    result, wire = run()

    request = wire.request
    if sent.startswith("SOAP "):
        assert request.headers["SOAPAction"].endswith(f'/{sent.removeprefix("SOAP ")}"')
    else:
        assert f"{request.method} {request.url.path}" == sent
    assert result is None if name == "set_pin" else result is not None


def test_a_card_is_blocked_at_the_customers_request_unless_told_otherwise() -> None:
    _, wire = core_op(lambda c: service.block_card("card_1", core=c), CARD)()
    _, stolen = core_op(lambda c: service.block_card("card_1", "stolen", c), CARD)()

    assert (wire.body(), stolen.body()) == ({"reason": "customer_request"}, {"reason": "stolen"})


def test_a_history_is_twenty_operations_unless_told_otherwise() -> None:
    _, wire = core_op(lambda c: service.history("acc_1", core=c), {"operations": []})()
    _, five = core_op(lambda c: service.history("acc_1", 5, c), {"operations": []})()

    assert (wire.request.url.params["limit"], five.request.url.params["limit"]) == ("20", "5")


def test_a_card_is_looked_up_by_its_number() -> None:
    _, wire = core_op(
        lambda c: service.lookup_card(SecretStr("4111111111111111"), c), {"own": False, "masked_pan": "x"}
    )()

    assert wire.body() == {"pan": "4111111111111111"}


def test_a_payee_account_is_checked_with_the_service_code_and_account() -> None:
    _, wire = billing_op(
        lambda b: service.validate_payee("100101", "291234567", b), soap_answer(BILLING, "CheckAccount", PAYEE_ACCOUNT)
    )()

    operation = ET.fromstring(wire.request.content)[0][0]
    assert [(child.tag.rsplit("}", 1)[-1], child.text) for child in operation] == [
        ("serviceCode", "100101"),
        ("account", "291234567"),
    ]


def test_a_top_up_callback_is_verified_with_the_acquirers_secret() -> None:
    body = (
        b'{"event_id": "e1", "type": "payment.succeeded", "payment": ' + httpx.Response(200, json=TOPUP).content + b"}"
    )
    stamp = str(int(time.time()))
    client = AcquirerClient(rest(Wire(), "acquirer"), "secret")

    assert service.verify_topup_callback(body, stamp, sign("secret", stamp, body), client).event_id == "e1"
    with pytest.raises(OperationRejected):
        service.verify_topup_callback(body, stamp, sign("other", stamp, body), client)


def test_an_activation_names_the_partner_offer_and_customer() -> None:
    _, wire = partner_op(
        lambda p: service.activate_offer("twitch", "tw-1", "ref-1", p),
        {"activation_id": "a", "offer_id": "tw-1", "status": "s", "promo_code": "P"},
    )()

    assert wire.body() == {"offer_id": "tw-1", "customer_ref": "ref-1"}


def test_a_code_is_sent_to_the_phone_for_the_purpose() -> None:
    _, wire = cerberus_op(lambda c: service.send_code("+375291234567", "signin", c),
                          {"otp_id": "o", "expires_at": "2026-03-02T12:00:00Z"})()  # fmt: skip

    assert wire.body() == {"phone": "+375291234567", "purpose": "signin"}


def test_a_phone_is_checked_against_the_customer() -> None:
    _, wire = cerberus_op(lambda c: service.phone_belongs("+375291234567", "BANK-1", c), {"belongs": True})()

    assert wire.body() == {"phone": "+375291234567", "customer_id": "BANK-1"}


def test_payees_are_listed_in_the_category_asked_for() -> None:
    _, wire = billing_op(lambda b: service.payees("utilities", b), soap_answer(BILLING, "ListPayees", {}))()

    operation = ET.fromstring(wire.request.content)[0][0]
    assert [(child.tag.rsplit("}", 1)[-1], child.text) for child in operation] == [("category", "utilities")]
