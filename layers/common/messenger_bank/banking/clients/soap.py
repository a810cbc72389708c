"""SOAP 1.1 over httpx: envelopes built with ElementTree, answers parsed with defusedxml.

Unsafe XML (a DTD, entity declarations: billion laughs, external entities) is refused before any
expansion, and so is malformed XML: both become BankProtocolError. A SOAP Fault from the server side
(``soap:Server``) is transient; one from the client side (``soap:Client``) carries the system's error
code in its detail and becomes ``SoapFault`` for the system's client to map to a domain error.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET
import httpx

from messenger_bank.banking.clients.http import RetryPolicy, Transient, send, shared_client, with_retries
from messenger_bank.errors import BankAuthenticationFailed, BankProtocolError

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


class SoapFault(Exception):
    """A client-side SOAP Fault: the system refused the request for a business reason."""

    def __init__(self, faultcode: str, code: str, message: str) -> None:
        super().__init__(message)
        self.faultcode = faultcode
        self.code = code
        self.message = message


def parse_xml(system: str, content: bytes) -> ET.Element:
    """Parse untrusted XML: no DTD, no entities, no external references."""
    try:
        root: ET.Element = SafeET.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as error:
        raise BankProtocolError(f"{system} answered with unsafe XML ({type(error).__name__}), refused") from error
    except ET.ParseError as error:
        raise BankProtocolError(f"{system} answered with malformed XML") from error
    return root


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def to_data(element: ET.Element) -> Any:
    """XML to JSON-like data: text for a leaf, a dict of children by local name, lists for repeats."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    data: dict[str, Any] = {}
    for child in children:
        name, value = local_name(child.tag), to_data(child)
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def envelope(namespace: str, operation: str, params: dict[str, Any]) -> bytes:
    root = ET.Element(f"{{{SOAP_NS}}}Envelope")
    request = ET.SubElement(ET.SubElement(root, f"{{{SOAP_NS}}}Body"), f"{{{namespace}}}{operation}")
    for name, value in params.items():
        if value is None:
            continue
        ET.SubElement(request, f"{{{namespace}}}{name}").text = (
            ("true" if value else "false") if isinstance(value, bool) else str(value)
        )
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def read_answer(system: str, namespace: str, operation: str, response: httpx.Response) -> dict[str, Any]:
    """The operation's response element as data, or SoapFault / Transient / a protocol error."""
    if response.status_code in (401, 403):
        raise BankAuthenticationFailed(f"{system} refused our credentials ({response.status_code})", system=system)
    if response.status_code in (429, 502, 503, 504) and "xml" not in response.headers.get("content-type", ""):
        raise Transient(f"HTTP {response.status_code}")
    root = parse_xml(system, response.content)
    body = root.find(f"{{{SOAP_NS}}}Body")
    if local_name(root.tag) != "Envelope" or body is None or len(body) != 1:
        raise BankProtocolError(f"{system} answered without a SOAP envelope")
    payload = body[0]
    if local_name(payload.tag) == "Fault":
        faultcode = (payload.findtext("faultcode") or "").strip()
        message = (payload.findtext("faultstring") or "").strip()
        code = ""
        detail = payload.find("detail")
        if detail is not None:
            code = next((el.text or "" for el in detail.iter() if local_name(el.tag) == "code"), "").strip()
        if faultcode.endswith(":Server") or faultcode == "Server" or response.status_code in (503, 504):
            raise Transient(f"SOAP server fault {code or faultcode}")
        raise SoapFault(faultcode, code, message)
    if not response.is_success:
        raise Transient(f"HTTP {response.status_code}")
    if payload.tag != f"{{{namespace}}}{operation}Response":
        raise BankProtocolError(f"{system} answered {local_name(payload.tag)} to {operation}")
    data = to_data(payload)
    return data if isinstance(data, dict) else {}


class SoapClient:
    """Calls operations of one SOAP 1.1 endpoint with HTTP Basic credentials."""

    def __init__(
        self,
        system: str,
        endpoint_url: str,
        namespace: str,
        *,
        username: str,
        password: str,
        timeout: httpx.Timeout,
        policy: RetryPolicy,
        client: httpx.Client | None = None,
    ) -> None:
        self.system = system
        self.endpoint_url = endpoint_url
        self.namespace = namespace
        self._auth = (username, password)
        self._timeout = timeout
        self._policy = policy
        self._client = client

    def call(self, operation: str, params: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
        client = self._client or shared_client(self._timeout)
        body = envelope(self.namespace, operation, params)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{self.namespace}/{operation}"'}

        def attempt() -> dict[str, Any]:
            response = send(client, "POST", self.endpoint_url, content=body, headers=headers, auth=self._auth)
            return read_answer(self.system, self.namespace, operation, response)

        return with_retries(self.system, operation, attempt, retryable=idempotent, policy=self._policy)
