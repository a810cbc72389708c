"""The SOAP clients on the wire: the envelope and headers of a call, how an answer (or a Fault) is read, and each
call of Billing (ERIP) and the Passport registry with every fault code it may answer. Answers and faults are
written out as the sandbox's SOAP services send them (local/sandbox/soap.py: a Fault is HTTP 500, or 503/504 for a
system that is down, with the system's code in its detail)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import defusedxml.ElementTree as ET  # what we send is parsed as carefully as what we get
import httpx
import pytest

from messenger_bank.banking.clients.billing import NAMESPACE as BILLING
from messenger_bank.banking.clients.billing import BillingClient
from messenger_bank.banking.clients.http import Transient
from messenger_bank.banking.clients.passport import NAMESPACE as PASSPORT
from messenger_bank.banking.clients.passport import PassportClient
from messenger_bank.banking.clients.soap import SoapClient, SoapFault, as_list, envelope, read_answer, to_data
from messenger_bank.banking.models import Identity
from messenger_bank.banking.models.billing import PayRequest
from messenger_bank.errors import (
    BankAuthenticationFailed,
    BankProtocolError,
    BankSystemUnavailable,
    CardNotFound,
    DomainError,
    IdempotencyConflict,
    IdentityNotConfirmed,
    InsufficientFunds,
    LimitExceeded,
    OperationRejected,
    PayeeAccountNotFound,
    PayeeNotFound,
)
from tests.unit.banking.wire import POLICY, TIMEOUT, Wire, timeout

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://billing.bank.sandbox/v1"


def xml(payload: str, ns: str = NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}" xmlns:b="{ns}">'
        f"<soap:Body>{payload}</soap:Body></soap:Envelope>"
    ).encode()


def answer(payload: str, status: int = 200, ns: str = NS) -> httpx.Response:
    return httpx.Response(status, content=xml(payload, ns), headers={"Content-Type": "text/xml; charset=utf-8"})


def fault(code: str, side: str = "soap:Client", status: int = 500, ns: str = NS) -> httpx.Response:
    return answer(
        f"<soap:Fault><faultcode>{side}</faultcode><faultstring> refused: {code} </faultstring><detail>"
        f"<b:error><b:code> {code} </b:code><b:message>refused</b:message></b:error></detail></soap:Fault>",
        status,
        ns,
    )


# --- the envelope ---------------------------------------------------------------------------------------------
def test_an_envelope_carries_each_parameter_in_the_operations_namespace() -> None:
    root = ET.fromstring(envelope(NS, "Pay", {"account": "123", "amount": 500, "paid": True, "late": False}))

    assert root.tag == f"{{{SOAP}}}Envelope"
    [body] = list(root)
    assert body.tag == f"{{{SOAP}}}Body"
    [operation] = list(body)
    assert operation.tag == f"{{{NS}}}Pay"
    assert [(child.tag, child.text) for child in operation] == [
        (f"{{{NS}}}account", "123"),
        (f"{{{NS}}}amount", "500"),
        (f"{{{NS}}}paid", "true"),
        (f"{{{NS}}}late", "false"),
    ]


def test_an_absent_parameter_is_left_out_and_an_empty_one_kept() -> None:
    root = ET.fromstring(envelope(NS, "ListPayees", {"category": None, "account": "", "count": 0}))

    assert [(child.tag, child.text) for child in root[0][0]] == [(f"{{{NS}}}account", None), (f"{{{NS}}}count", "0")]


def test_an_envelope_is_utf8_with_a_declaration() -> None:
    content = envelope(NS, "CheckAccount", {"holder": "Анна"})

    assert content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert "Анна".encode() in content


# --- reading an answer ----------------------------------------------------------------------------------------
def test_an_answer_becomes_data_by_local_name_with_repeats_as_lists_and_text_stripped() -> None:
    payload = (
        "<b:ListPayeesResponse><b:payee><b:name> MTS </b:name></b:payee><b:payee><b:name>A1</b:name></b:payee>"
        "<b:payee><b:name>life</b:name></b:payee><b:total>3</b:total><b:note/></b:ListPayeesResponse>"
    )

    data = read_answer("billing", NS, "ListPayees", answer(payload))

    assert data == {"payee": [{"name": "MTS"}, {"name": "A1"}, {"name": "life"}], "total": "3", "note": ""}


def test_a_leaf_is_its_text() -> None:
    assert to_data(ET.fromstring("<a>  x  </a>")) == "x"
    assert to_data(ET.fromstring("<a><b>1</b><b>2</b></a>")) == {"b": ["1", "2"]}


@pytest.mark.parametrize(
    ("value", "listed"), [(None, []), ("", []), ("x", ["x"]), ({"a": 1}, [{"a": 1}]), ([1, 2], [1, 2])]
)
def test_as_list(value: Any, listed: list[Any]) -> None:
    assert as_list(value) == listed


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_of_our_credentials_is_an_authentication_failure(status: int) -> None:
    with pytest.raises(BankAuthenticationFailed) as caught:
        read_answer("billing", NS, "Pay", httpx.Response(status, content=xml("<b:PayResponse/>")))
    assert caught.value.details == {"system": "billing"}


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_busy_or_down_system_answering_without_xml_is_transient(status: int) -> None:
    with pytest.raises(Transient):
        read_answer("billing", NS, "Pay", httpx.Response(status, text="busy", headers={"Content-Type": "text/plain"}))


@pytest.mark.parametrize("status", [400, 500, 501])
def test_another_status_without_xml_is_a_protocol_error(status: int) -> None:
    with pytest.raises(BankProtocolError):
        read_answer("billing", NS, "Pay", httpx.Response(status, text="oops", headers={"Content-Type": "text/plain"}))


@pytest.mark.parametrize(
    ("side", "status"),
    [("soap:Server", 500), ("Server", 500), ("env:Server", 500), ("soap:Client", 503), ("soap:Client", 504)],
)
def test_a_server_fault_or_a_fault_of_a_system_down_is_transient(side: str, status: int) -> None:
    with pytest.raises(Transient):
        read_answer("billing", NS, "Pay", fault("INTERNAL", side, status))


@pytest.mark.parametrize(("side", "status"), [("soap:Client", 500), ("Client", 500), ("soap:Serverless", 500)])
def test_a_client_fault_is_the_systems_refusal_with_its_code(side: str, status: int) -> None:
    with pytest.raises(SoapFault) as caught:
        read_answer("billing", NS, "Pay", fault("ACCOUNT_NOT_FOUND", side, status))
    assert (caught.value.faultcode, caught.value.code) == (side, "ACCOUNT_NOT_FOUND")
    assert caught.value.message == "refused: ACCOUNT_NOT_FOUND"


def test_a_fault_without_detail_has_no_code() -> None:
    content = "<soap:Fault><faultcode> soap:Client </faultcode><faultstring>no</faultstring></soap:Fault>"

    with pytest.raises(SoapFault) as caught:
        read_answer("billing", NS, "Pay", answer(content, 500))
    assert (caught.value.faultcode, caught.value.code) == ("soap:Client", "")


def test_a_fault_detail_without_code_has_no_code() -> None:
    content = (
        "<soap:Fault><faultcode>soap:Client</faultcode>"
        "<detail><b:error><b:message>x</b:message></b:error></detail></soap:Fault>"
    )

    with pytest.raises(SoapFault) as caught:
        read_answer("billing", NS, "Pay", answer(content, 500))
    assert caught.value.code == "" and caught.value.message == ""


def test_an_answer_with_an_error_status_but_no_fault_is_transient() -> None:
    with pytest.raises(Transient):
        read_answer("billing", NS, "Pay", answer("<b:PayResponse><b:x>1</b:x></b:PayResponse>", 500))


@pytest.mark.parametrize(
    "content",
    [
        xml("<b:CheckAccountResponse><b:x>1</b:x></b:CheckAccountResponse>"),  # another operation's answer
        xml("<b:PayResponse/>", ns="http://other.bank/v1"),  # the answer in another namespace
        xml("<b:PayResponse/><b:PayResponse/>"),  # two answers
        xml(""),  # none
        f'<soap:Other xmlns:soap="{SOAP}"><soap:Body><x/></soap:Body></soap:Other>'.encode(),  # not an envelope
        b"<Envelope><Body><PayResponse/></Body></Envelope>",  # an envelope outside SOAP's namespace
    ],
    ids=["other-operation", "other-namespace", "two-answers", "no-answer", "not-an-envelope", "no-soap-namespace"],
)
def test_an_answer_that_is_not_the_operations_is_a_protocol_error(content: bytes) -> None:
    with pytest.raises(BankProtocolError):
        read_answer("billing", NS, "Pay", httpx.Response(200, content=content))


def test_an_answer_with_nothing_in_it_is_an_empty_object() -> None:
    assert read_answer("billing", NS, "Pay", answer("<b:PayResponse> </b:PayResponse>")) == {}


# --- a call ---------------------------------------------------------------------------------------------------
def soap(wire: Wire, namespace: str = NS, system: str = "billing") -> SoapClient:
    return SoapClient(
        system, "https://bank.test/ws/billing", namespace, username="mb-billing", password="pw", timeout=TIMEOUT,
        policy=POLICY, client=wire.client,
    )  # fmt: skip


def test_a_call_posts_its_envelope_with_the_soap_action_and_basic_credentials() -> None:
    wire = Wire(answer("<b:PayResponse><b:ok>true</b:ok></b:PayResponse>"))

    assert soap(wire).call("Pay", {"amount": 1}, idempotent=False) == {"ok": "true"}

    request = wire.request
    assert (request.method, str(request.url)) == ("POST", "https://bank.test/ws/billing")
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert request.headers["SOAPAction"] == f'"{NS}/Pay"'
    assert request.headers["Authorization"] == httpx.BasicAuth("mb-billing", "pw")._auth_header
    assert request.content == envelope(NS, "Pay", {"amount": 1})


@pytest.mark.parametrize(("idempotent", "attempts"), [(True, 3), (False, 1)])
def test_a_call_is_repeated_only_when_idempotent(idempotent: bool, attempts: int) -> None:
    wire = Wire(timeout)

    with pytest.raises(BankSystemUnavailable) as caught:
        soap(wire).call("Pay", {}, idempotent=idempotent)
    assert len(wire.seen) == attempts
    assert caught.value.details == {"system": "billing"}


# --- billing -----------------------------------------------------------------------------------------------------
def billing(wire: Wire) -> BillingClient:
    return BillingClient(soap(wire, BILLING))


def sent(wire: Wire, index: int = 0) -> tuple[str, dict[str, Any]]:
    """The operation asked and its parameters."""
    operation = ET.fromstring(wire.seen[index].content)[0][0]
    return operation.tag.rsplit("}", 1)[-1], {child.tag.rsplit("}", 1)[-1]: child.text for child in operation}


PAYEE = (
    "<b:payee><b:serviceCode>{code}</b:serviceCode><b:name>MTS</b:name><b:category>mobile</b:category>"
    "<b:accountLabel>phone</b:accountLabel><b:accountPattern>^\\+375\\d{{9}}$</b:accountPattern>"
    "<b:hasAmountDue>false</b:hasAmountDue></b:payee>"
)


@pytest.mark.parametrize(("count", "category"), [(0, None), (1, "mobile"), (2, "mobile")])
def test_payees_are_listed_one_or_many(count: int, category: Any) -> None:
    payees = "".join(PAYEE.format(code=f"10010{i}") for i in range(count))
    wire = Wire(answer(f"<b:ListPayeesResponse>{payees}</b:ListPayeesResponse>"))

    listed = billing(wire).payees(category)

    assert [p.service_code for p in listed] == [f"10010{i}" for i in range(count)]
    assert sent(wire) == ("ListPayees", {"category": category} if category else {})


def test_listing_payees_is_repeated_after_a_timeout() -> None:
    wire = Wire(timeout, answer("<b:ListPayeesResponse/>"))

    assert billing(wire).payees() == []
    assert len(wire.seen) == 2


def test_an_account_is_checked_and_an_empty_amount_due_is_none() -> None:
    wire = Wire(
        timeout,
        answer(
            "<b:CheckAccountResponse><b:serviceCode>100101</b:serviceCode><b:account>+375291234567</b:account>"
            "<b:holderName>A. I.</b:holderName><b:amountDue/><b:currency>BYN</b:currency></b:CheckAccountResponse>"
        ),
    )

    account = billing(wire).check_account("100101", "+375291234567")

    assert (account.holder_name, account.amount_due, account.currency) == ("A. I.", None, "BYN")
    assert sent(wire) == ("CheckAccount", {"serviceCode": "100101", "account": "+375291234567"})
    assert len(wire.seen) == 2


def test_an_amount_due_is_read() -> None:
    wire = Wire(
        answer(
            "<b:CheckAccountResponse><b:serviceCode>200201</b:serviceCode><b:account>1234567</b:account>"
            "<b:holderName>A. I.</b:holderName><b:amountDue>4250</b:amountDue><b:currency>BYN</b:currency>"
            "</b:CheckAccountResponse>"
        )
    )

    assert billing(wire).check_account("200201", "1234567").amount_due == 4250


PAY = PayRequest(
    service_code="100101", account="+375291234567", amount=1_500, currency="BYN", payer_account_id="acc_1",
    idempotency_key="payment:p1:pay",
)  # fmt: skip
PAID = answer(
    "<b:PayResponse><b:paymentId>bp_1</b:paymentId><b:status>COMPLETED</b:status><b:receiptNumber>R-1</b:receiptNumber>"
    "<b:serviceCode>100101</b:serviceCode><b:account>+375291234567</b:account><b:amount>1500</b:amount>"
    "<b:currency>BYN</b:currency><b:paidAt>2026-03-02T12:00:00+00:00</b:paidAt></b:PayResponse>"
)


def test_a_payment_carries_its_idempotency_key_and_is_repeated_with_it_after_a_timeout() -> None:
    wire = Wire(timeout, PAID)

    payment = billing(wire).pay(PAY)

    assert (payment.payment_id, payment.receipt_number, payment.amount) == ("bp_1", "R-1", 1_500)
    expected = {
        "serviceCode": "100101", "account": "+375291234567", "amount": "1500", "currency": "BYN",
        "payerAccountId": "acc_1", "idempotencyKey": "payment:p1:pay",
    }  # fmt: skip
    assert sent(wire, 0) == sent(wire, 1) == ("Pay", expected)


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("PAYEE_NOT_FOUND", PayeeNotFound),
        ("ACCOUNT_NOT_FOUND", PayeeAccountNotFound),
        ("INSUFFICIENT_FUNDS", InsufficientFunds),
        ("LIMIT_EXCEEDED", LimitExceeded),
        ("IDEMPOTENCY_CONFLICT", IdempotencyConflict),
        ("idempotency_conflict", IdempotencyConflict),
        ("PAYER_ACCOUNT_NOT_FOUND", CardNotFound),
        ("INVALID_REQUEST", OperationRejected),
        ("", OperationRejected),
    ],
)
@pytest.mark.parametrize(
    "call",
    [lambda b: b.payees("mobile"), lambda b: b.check_account("100101", "1"), lambda b: b.pay(PAY)],
    ids=["payees", "check_account", "pay"],
)
def test_each_billing_fault_is_its_domain_error_never_retried(
    code: str, refusal: type[DomainError], call: Callable[[BillingClient], Any]
) -> None:
    wire = Wire(fault(code, ns=BILLING))

    with pytest.raises(DomainError) as caught:
        call(billing(wire))
    assert type(caught.value) is refusal
    assert caught.value.details == {"code": code}
    assert isinstance(caught.value.__cause__, SoapFault)
    assert len(wire.seen) == 1


# --- passport -----------------------------------------------------------------------------------------------------
PERSON = Identity(
    first_name="Anna", last_name="Ivanova", middle_name="Petrovna", birth_date=date(1990, 5, 17),
    document_number="MP1234567", personal_number="4170590A001PB5", issue_date=date(2020, 1, 9),
)  # fmt: skip
VERIFIED = answer(
    "<b:VerifyPersonResponse><b:status>VALID</b:status><b:age>35</b:age><b:checkedAt>2026-03-02T12:00:00Z</b:checkedAt>"
    "</b:VerifyPersonResponse>",
    ns=PASSPORT,
)


def passport(wire: Wire) -> PassportClient:
    return PassportClient(soap(wire, PASSPORT, "passport"))


def test_a_person_is_verified_with_their_document_data_and_repeated_after_a_timeout() -> None:
    wire = Wire(timeout, VERIFIED)

    check = passport(wire).verify_person(PERSON)

    assert (check.status, check.age) == ("VALID", 35)
    expected = {
        "lastName": "Ivanova", "firstName": "Anna", "middleName": "Petrovna", "birthDate": "1990-05-17",
        "documentNumber": "MP1234567", "personalNumber": "4170590A001PB5", "issueDate": "2020-01-09",
    }  # fmt: skip
    assert sent(wire, 0) == sent(wire, 1) == ("VerifyPerson", expected)


def test_a_person_without_middle_name_or_issue_date_is_sent_without_them() -> None:
    wire = Wire(VERIFIED)

    passport(wire).verify_person(PERSON.model_copy(update={"middle_name": None, "issue_date": None}))

    assert set(sent(wire)[1]) == {"lastName", "firstName", "birthDate", "documentNumber", "personalNumber"}


def test_document_data_the_registry_finds_malformed_is_not_confirmed() -> None:
    with pytest.raises(IdentityNotConfirmed):
        passport(Wire(fault("INVALID_REQUEST", ns=PASSPORT))).verify_person(PERSON)


@pytest.mark.parametrize("code", ["SOMETHING_ELSE", "invalid_request", ""])
def test_another_registry_fault_is_rejected(code: str) -> None:
    with pytest.raises(OperationRejected):
        passport(Wire(fault(code, ns=PASSPORT))).verify_person(PERSON)


def test_a_fault_without_faultcode_or_with_an_empty_code_has_none() -> None:
    content = "<soap:Fault><faultstring>no</faultstring><detail><b:error><b:code/></b:error></detail></soap:Fault>"

    with pytest.raises(SoapFault) as caught:
        read_answer("billing", NS, "Pay", answer(content, 500))
    assert (caught.value.faultcode, caught.value.code) == ("", "")


def test_without_a_client_of_its_own_the_pooled_client_of_its_timeout_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from messenger_bank.banking.clients import soap as module

    wire, asked = Wire(answer("<b:PayResponse><b:ok>1</b:ok></b:PayResponse>")), []
    monkeypatch.setattr(module, "shared_client", lambda timeout: asked.append(timeout) or wire.client)
    client = SoapClient("billing", "https://b.test/ws", NS, username="u", password="p", timeout=httpx.Timeout(3.0),
                        policy=POLICY)  # fmt: skip

    assert client.call("Pay", {}, idempotent=False) == {"ok": "1"}
    assert asked == [httpx.Timeout(3.0)]


def test_a_busy_system_answering_without_any_content_type_is_transient() -> None:
    with pytest.raises(Transient):
        read_answer("billing", NS, "Pay", httpx.Response(503, content=b"busy"))


@pytest.mark.parametrize("kind", ["text/xml", "application/soap+xml; charset=utf-8"])
def test_a_busy_system_answering_malformed_xml_is_a_protocol_error(kind: str) -> None:
    with pytest.raises(BankProtocolError):
        read_answer("billing", NS, "Pay", httpx.Response(503, content=b"<busy", headers={"Content-Type": kind}))
