"""Untrusted XML from a bank system: bombs and external entities are refused before any expansion."""

from __future__ import annotations

import httpx
import pytest

from messenger_bank.banking.clients.http import Transient
from messenger_bank.banking.clients.soap import SoapFault, envelope, parse_xml, read_answer
from messenger_bank.errors import BankProtocolError

NS = "http://passport.bank.sandbox/v1"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<p:VerifyPersonResponse xmlns:p="http://passport.bank.sandbox/v1"><p:status>&lol9;</p:status></p:VerifyPersonResponse>
</soap:Body></soap:Envelope>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<p:VerifyPersonResponse xmlns:p="http://passport.bank.sandbox/v1"><p:status>&xxe;</p:status></p:VerifyPersonResponse>
</soap:Body></soap:Envelope>"""


def answer(content: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=content, headers={"Content-Type": "text/xml"})


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_unsafe_xml_is_refused(content: bytes) -> None:
    with pytest.raises(BankProtocolError, match="unsafe XML"):
        read_answer("passport", NS, "VerifyPerson", answer(content))


def test_a_bare_dtd_is_refused_too() -> None:
    with pytest.raises(BankProtocolError):
        parse_xml("passport", b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd"><r/>')


def test_malformed_xml_is_a_protocol_error() -> None:
    with pytest.raises(BankProtocolError, match="malformed"):
        read_answer("passport", NS, "VerifyPerson", answer(b"<soap:Envelope><unclosed>"))


def test_an_answer_without_an_envelope_is_a_protocol_error() -> None:
    with pytest.raises(BankProtocolError):
        read_answer("passport", NS, "VerifyPerson", answer(b"<html><body>maintenance</body></html>"))


def test_a_good_answer_becomes_data() -> None:
    content = envelope(NS, "VerifyPersonResponse", {"status": "VALID", "age": 36})
    assert read_answer("passport", NS, "VerifyPerson", answer(content)) == {"status": "VALID", "age": "36"}


def test_values_are_escaped_not_spliced_into_the_envelope() -> None:
    content = envelope(NS, "VerifyPerson", {"lastName": "</p:lastName><p:injected>1</p:injected>&"})
    body = parse_xml("passport", content).find(f"{{{SOAP}}}Body")
    assert body is not None
    (request,) = list(body)
    assert [child.tag.rsplit("}", 1)[-1] for child in request] == ["lastName"]
    assert request[0].text == "</p:lastName><p:injected>1</p:injected>&"


def fault(faultcode: str, code: str) -> bytes:
    return (
        f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><soap:Fault><faultcode>{faultcode}</faultcode>'
        f'<faultstring>no</faultstring><detail><b:error xmlns:b="{NS}"><b:code>{code}</b:code>'
        "<b:message>no</b:message></b:error></detail></soap:Fault></soap:Body></soap:Envelope>"
    ).encode()


def test_a_client_fault_carries_the_systems_code() -> None:
    with pytest.raises(SoapFault) as caught:
        read_answer("billing", NS, "Pay", answer(fault("soap:Client", "ACCOUNT_NOT_FOUND"), 500))
    assert caught.value.code == "ACCOUNT_NOT_FOUND"


def test_a_server_fault_is_transient() -> None:
    with pytest.raises(Transient):
        read_answer("billing", NS, "Pay", answer(fault("soap:Server", "INTERNAL"), 500))
