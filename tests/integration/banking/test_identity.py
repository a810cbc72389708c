"""Passport (SOAP, Basic) and Cerberus (REST, Keycloak) against the sandbox: verdicts and failures."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import httpx
import pytest

from local.sandbox import Fault, Sandbox
from messenger_bank.banking import service
from messenger_bank.banking.clients.passport import NAMESPACE, PassportClient
from messenger_bank.errors import (
    AlreadyCustomer,
    ApplicantUnderAge,
    BankAuthenticationFailed,
    BankProtocolError,
    BankSystemUnavailable,
    CustomerSanctioned,
    IdentityNotConfirmed,
    InvalidOneTimeCode,
)
from tests.integration.banking.conftest import Clients, person


def test_a_well_formed_adult_is_verified(clients: Clients) -> None:
    verified = service.verify_identity(person(), passport=clients.passport, adult_age=18)
    assert verified.age >= 18


@pytest.mark.parametrize("document", ["MP0000000", "MP0000001"])
def test_an_unknown_or_revoked_passport_is_not_confirmed(clients: Clients, document: str) -> None:
    with pytest.raises(IdentityNotConfirmed):
        service.verify_identity(person(document_number=document), passport=clients.passport, adult_age=18)


def test_a_personal_number_that_disagrees_with_the_birth_date_is_not_confirmed(clients: Clients) -> None:
    given = person(birth=date(1990, 5, 17)).model_copy(update={"birth_date": date(1991, 5, 17)})
    with pytest.raises(IdentityNotConfirmed):
        service.verify_identity(given, passport=clients.passport, adult_age=18)


def test_a_registry_name_mismatch_is_not_confirmed(clients: Clients) -> None:
    with pytest.raises(IdentityNotConfirmed):
        service.verify_identity(person(last_name="Mismatch"), passport=clients.passport, adult_age=18)


def test_a_seventeen_year_old_is_under_age(clients: Clients) -> None:
    today = datetime.now(UTC).date()
    seventeen = date(today.year - 17, 1, 1)
    with pytest.raises(ApplicantUnderAge):
        service.verify_identity(person(birth=seventeen), passport=clients.passport, adult_age=18)


def test_wrong_basic_credentials_are_refused(clients: Clients) -> None:
    wrong = PassportClient(clients.soap("passport", NAMESPACE, "mb-passport", "wrong"))
    with pytest.raises(BankAuthenticationFailed):
        wrong.verify_person(person())


def test_a_soap_server_fault_is_retried_then_reported_unavailable(clients: Clients, sandbox: Sandbox) -> None:
    sandbox.faults.set("passport", "VerifyPerson", Fault(error_rate=1.0))
    before = sandbox.faults.counts()["error"]
    with pytest.raises(BankSystemUnavailable):
        clients.passport.verify_person(person())
    assert sandbox.faults.counts()["error"] - before == 3  # one call and two bounded retries


def test_a_hanging_registry_times_out_within_the_budget(sandbox: Sandbox) -> None:
    clients = Clients(sandbox, timeout=httpx.Timeout(0.3, connect=1.0))
    sandbox.faults.set("passport", "*", Fault(timeout_rate=1.0, hang_seconds=1.0))
    started = time.monotonic()
    with pytest.raises(BankSystemUnavailable):
        clients.passport.verify_person(person())
    assert time.monotonic() - started < 3 * 0.3 + 0.5  # three read timeouts of 0.3 s plus backoff


def test_malformed_xml_from_the_registry_is_a_protocol_error(clients: Clients, sandbox: Sandbox) -> None:
    sandbox.faults.set("passport", "*", Fault(malformed_rate=1.0))
    with pytest.raises(BankProtocolError):
        clients.passport.verify_person(person())


def test_the_registry_refuses_an_xml_bomb_in_a_request(sandbox: Sandbox) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f'<p:VerifyPerson xmlns:p="{NAMESPACE}"><p:lastName>&lol2;</p:lastName></p:VerifyPerson>'
        "</soap:Body></soap:Envelope>"
    )
    endpoint = sandbox.directory()["systems"]["passport"]["base_url"]
    response = httpx.post(
        endpoint,
        content=bomb,
        auth=sandbox.config.passport_credentials,
        headers={"Content-Type": "text/xml", "SOAPAction": f'"{NAMESPACE}/VerifyPerson"'},
    )
    assert response.status_code == 500
    assert b"MALFORMED_REQUEST" in response.content


def test_the_wsdl_is_served_and_names_the_operation(sandbox: Sandbox) -> None:
    wsdl = httpx.get(sandbox.directory()["systems"]["passport"]["wsdl_url"])
    assert wsdl.status_code == 200
    assert b'soapAction="http://passport.bank.sandbox/v1/VerifyPerson"' in wsdl.content


def test_a_clear_person_passes_screening(clients: Clients) -> None:
    assert service.screen_customer(person(), cerberus=clients.cerberus).decision == "clear"


def test_a_sanctioned_person_is_refused(clients: Clients) -> None:
    with pytest.raises(CustomerSanctioned):
        service.screen_customer(person(last_name="Sanctioned"), cerberus=clients.cerberus)


def test_an_existing_customer_is_named(clients: Clients) -> None:
    existing = person().model_copy(
        update={"personal_number": "3010180A001PB1", "document_number": "MP7777777", "birth_date": date(1980, 1, 1)}
    )
    with pytest.raises(AlreadyCustomer) as caught:
        service.screen_customer(existing, cerberus=clients.cerberus)
    assert caught.value.customer_id == "cus_existing0001"


def test_a_one_time_code_is_checked(clients: Clients) -> None:
    code = service.send_code("+375291234567", "transfer", cerberus=clients.cerberus)
    with pytest.raises(InvalidOneTimeCode):
        service.check_code(code.otp_id, "000000", cerberus=clients.cerberus)
    service.check_code(code.otp_id, "123456", cerberus=clients.cerberus)
