"""SOAP 1.1 on the server side: a WSDL generated from one operation table, safe parsing, faults.

Requests are parsed with defusedxml (no DTDs, no entities, no external references); answers are built
with ElementTree, never by string concatenation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as SafeET
from flask import Flask, Response, request

from local.sandbox.common import ApiError

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
MALFORMED = b"<?xml version='1.0'?><soap:Envelope xmlns:soap='" + SOAP_NS.encode() + b"'><soap:Body><unclosed>"


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"  # an xsd type, or the name of a complex type of the service
    optional: bool = False
    repeated: bool = False


@dataclass(frozen=True)
class Operation:
    name: str
    request: tuple[Field, ...]
    response: tuple[Field, ...]
    handler: Callable[[dict[str, Any]], dict[str, Any]]


def wsdl(
    service: str,
    namespace: str,
    location: str,
    operations: list[Operation],
    types: dict[str, tuple[Field, ...]],
) -> bytes:
    """A document/literal-wrapped WSDL 1.1 for the operations (what zeep or SoapUI would read)."""
    w = "http://schemas.xmlsoap.org/wsdl/"
    soapb = "http://schemas.xmlsoap.org/wsdl/soap/"
    ET.register_namespace("wsdl", w)
    ET.register_namespace("soap", soapb)
    ET.register_namespace("xsd", XSD_NS)
    ET.register_namespace("tns", namespace)
    # Attribute values name types as "tns:…", so the prefix is declared by hand (ElementTree only declares
    # prefixes that tags and attribute names use).
    root = ET.Element(f"{{{w}}}definitions", {"name": service, "targetNamespace": namespace, "xmlns:tns": namespace})
    schema = ET.SubElement(
        ET.SubElement(root, f"{{{w}}}types"),
        f"{{{XSD_NS}}}schema",
        {"targetNamespace": namespace, "elementFormDefault": "qualified"},
    )

    def sequence(parent: ET.Element, fields_: tuple[Field, ...], name: str | None = None) -> None:
        ctype = ET.SubElement(parent, f"{{{XSD_NS}}}complexType", {"name": name} if name else {})
        seq = ET.SubElement(ctype, f"{{{XSD_NS}}}sequence")
        for f in fields_:
            attrs = {"name": f.name, "type": f"tns:{f.type}" if f.type in types else f"xsd:{f.type}"}
            if f.optional or f.repeated:
                attrs["minOccurs"] = "0"
            if f.repeated:
                attrs["maxOccurs"] = "unbounded"
            ET.SubElement(seq, f"{{{XSD_NS}}}element", attrs)

    for type_name, fields_ in types.items():
        sequence(schema, fields_, type_name)
    error = ET.SubElement(schema, f"{{{XSD_NS}}}element", {"name": "error"})
    sequence(error, (Field("code"), Field("message")))
    for op in operations:
        sequence(ET.SubElement(schema, f"{{{XSD_NS}}}element", {"name": op.name}), op.request)
        sequence(ET.SubElement(schema, f"{{{XSD_NS}}}element", {"name": f"{op.name}Response"}), op.response)
    for op in operations:
        for suffix in ("", "Response"):
            message = ET.SubElement(root, f"{{{w}}}message", {"name": f"{op.name}{suffix}Message"})
            ET.SubElement(message, f"{{{w}}}part", {"name": "parameters", "element": f"tns:{op.name}{suffix}"})
    fault_message = ET.SubElement(root, f"{{{w}}}message", {"name": "ErrorMessage"})
    ET.SubElement(fault_message, f"{{{w}}}part", {"name": "error", "element": "tns:error"})
    port_type = ET.SubElement(root, f"{{{w}}}portType", {"name": f"{service}PortType"})
    for op in operations:
        o = ET.SubElement(port_type, f"{{{w}}}operation", {"name": op.name})
        ET.SubElement(o, f"{{{w}}}input", {"message": f"tns:{op.name}Message"})
        ET.SubElement(o, f"{{{w}}}output", {"message": f"tns:{op.name}ResponseMessage"})
        ET.SubElement(o, f"{{{w}}}fault", {"name": "error", "message": "tns:ErrorMessage"})
    binding = ET.SubElement(root, f"{{{w}}}binding", {"name": f"{service}Binding", "type": f"tns:{service}PortType"})
    ET.SubElement(
        binding,
        f"{{{soapb}}}binding",
        {"style": "document", "transport": "http://schemas.xmlsoap.org/soap/http"},
    )
    for op in operations:
        o = ET.SubElement(binding, f"{{{w}}}operation", {"name": op.name})
        ET.SubElement(o, f"{{{soapb}}}operation", {"soapAction": f"{namespace}/{op.name}", "style": "document"})
        for tag in ("input", "output"):
            ET.SubElement(ET.SubElement(o, f"{{{w}}}{tag}"), f"{{{soapb}}}body", {"use": "literal"})
        fault = ET.SubElement(o, f"{{{w}}}fault", {"name": "error"})
        ET.SubElement(fault, f"{{{soapb}}}fault", {"name": "error", "use": "literal"})
    svc = ET.SubElement(root, f"{{{w}}}service", {"name": service})
    port = ET.SubElement(svc, f"{{{w}}}port", {"name": f"{service}Port", "binding": f"tns:{service}Binding"})
    ET.SubElement(port, f"{{{soapb}}}address", {"location": location})
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def element_data(element: ET.Element) -> Any:
    """Text for a leaf, else a dict of children by local name; repeated names become lists."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    data: dict[str, Any] = {}
    for child in children:
        name, value = local(child.tag), element_data(child)
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data


def add_data(parent: ET.Element, namespace: str, data: dict[str, Any]) -> None:
    for name, value in data.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            child = ET.SubElement(parent, f"{{{namespace}}}{name}")
            if isinstance(item, dict):
                add_data(child, namespace, item)
            elif isinstance(item, bool):
                child.text = "true" if item else "false"
            else:
                child.text = str(item)


def envelope(namespace: str, body: Callable[[ET.Element], None]) -> bytes:
    ET.register_namespace("soap", SOAP_NS)
    root = ET.Element(f"{{{SOAP_NS}}}Envelope")
    body(ET.SubElement(root, f"{{{SOAP_NS}}}Body"))
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def fault_response(namespace: str, status: int, code: str, message: str) -> Response:
    """A SOAP 1.1 Fault (HTTP 500, as SOAP 1.1 over HTTP wants); the detail carries our error code."""
    side = "soap:Client" if 400 <= status < 500 else "soap:Server"

    def body(parent: ET.Element) -> None:
        fault = ET.SubElement(parent, f"{{{SOAP_NS}}}Fault")
        ET.SubElement(fault, "faultcode").text = side
        ET.SubElement(fault, "faultstring").text = message
        detail = ET.SubElement(fault, "detail")
        add_data(detail, namespace, {"error": {"code": code, "message": message}})

    http_status = status if status in (503, 504) else 500
    return Response(
        envelope(namespace, body),
        status=http_status,
        mimetype="text/xml",
        content_type="text/xml; charset=utf-8",
    )


def mount(
    app: Flask,
    path: str,
    service: str,
    namespace: str,
    operations: list[Operation],
    types: dict[str, tuple[Field, ...]],
    authorize: Callable[[], Response | None],
    base_url: Callable[[], str],
) -> None:
    """Serve ``path`` (POST: SOAP calls) and ``path?wsdl`` (GET: the WSDL, no auth, like most servers)."""
    by_name = {op.name: op for op in operations}

    def serve_wsdl() -> Response:
        return Response(wsdl(service, namespace, base_url() + path, operations, types), mimetype="text/xml")

    def call() -> Response:
        denied = authorize()
        if denied is not None:
            return denied
        try:
            root = SafeET.fromstring(request.get_data())
        except Exception:  # defusedxml refusals and syntax errors alike
            return fault_response(namespace, 400, "MALFORMED_REQUEST", "the request is not well-formed, safe XML")
        body = root.find(f"{{{SOAP_NS}}}Body") if local(root.tag) == "Envelope" else None
        if body is None or len(body) != 1:
            return fault_response(
                namespace, 400, "MALFORMED_REQUEST", "a SOAP 1.1 envelope with one body element is required"
            )
        payload = body[0]
        op = by_name.get(local(payload.tag))
        if op is None or not payload.tag.startswith(f"{{{namespace}}}"):
            return fault_response(namespace, 400, "UNKNOWN_OPERATION", f"no operation {local(payload.tag)}")
        params = element_data(payload)
        params = params if isinstance(params, dict) else {}
        for f in op.request:
            if not f.optional and not f.repeated and not params.get(f.name):
                return fault_response(namespace, 400, "INVALID_REQUEST", f"{f.name} is required")
        try:
            result = op.handler(params)
        except ApiError as error:
            return fault_response(namespace, error.status, error.code, error.message)

        def answer(parent: ET.Element) -> None:
            add_data(ET.SubElement(parent, f"{{{namespace}}}{op.name}Response"), namespace, result)

        return Response(envelope(namespace, answer), mimetype="text/xml", content_type="text/xml; charset=utf-8")

    app.add_url_rule(path, f"{service}_wsdl", serve_wsdl, methods=["GET"])
    app.add_url_rule(path, f"{service}_call", call, methods=["POST"])
