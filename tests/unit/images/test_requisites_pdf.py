from __future__ import annotations

import re
import zlib

import pytest
from PIL import Image
from pydantic import ValidationError

from messenger_bank.images.models import RequisitesRequest
from messenger_bank.images.requisites import PAGE_PIXELS, requisites_pdf


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(n): body for n, body in re.findall(rb"(\d+) 0 obj\n(.*?)\nendobj", pdf, re.DOTALL)}


@pytest.mark.parametrize("language", ["ru", "be", "en"])
def test_requisites_are_a_one_page_pdf(requisites_request: RequisitesRequest, language: str) -> None:
    pdf = requisites_pdf(requisites_request.model_copy(update={"language": language}))

    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    assert b"/Count 1" in pdf


def test_the_cross_reference_table_points_at_every_object(requisites_request: RequisitesRequest) -> None:
    pdf = requisites_pdf(requisites_request)

    startxref = int(re.findall(rb"startxref\n(\d+)", pdf)[-1])
    assert pdf[startxref:].startswith(b"xref\n")
    entries = re.findall(rb"(\d{10}) 00000 n \n", pdf[startxref:])
    for number, offset in enumerate(entries, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)


def test_the_page_image_is_the_whole_a4_page_and_not_blank(requisites_request: RequisitesRequest) -> None:
    pdf = requisites_pdf(requisites_request)
    image_object = next(body for body in _objects(pdf).values() if b"/Subtype /Image" in body)
    pixels = zlib.decompress(image_object.split(b"stream\n", 1)[1].rsplit(b"\nendstream", 1)[0])

    page = Image.frombytes("RGB", PAGE_PIXELS, pixels)

    assert page.size == PAGE_PIXELS
    assert len(page.getcolors(maxcolors=1 << 16) or []) > 10  # text, rules, header: not a blank page


def test_the_iban_bic_and_unp_are_selectable_text(requisites_request: RequisitesRequest) -> None:
    pdf = requisites_pdf(requisites_request)
    assert b"(BY13NBRB3600900000002Z00AB00) Tj" in pdf
    assert b"(MSBKBY2X) Tj" in pdf
    assert b"(100000001) Tj" in pdf


def test_the_iban_is_shown_in_groups_of_four(requisites_request: RequisitesRequest) -> None:
    assert requisites_request.iban_grouped == "BY13 NBRB 3600 9000 0000 2Z00 AB00"


@pytest.mark.parametrize(
    "iban", ["BY14NBRB3600900000002Z00AB00", "BY13NBRB3600900000002Z00AB0", "DE89370400440532013000"]
)
def test_a_wrong_iban_is_refused(requisites_request: RequisitesRequest, iban: str) -> None:
    with pytest.raises(ValidationError):
        RequisitesRequest.model_validate(requisites_request.model_dump() | {"iban": iban})


def test_a_card_number_as_the_holder_name_is_refused(requisites_request: RequisitesRequest) -> None:
    with pytest.raises(ValidationError):
        RequisitesRequest.model_validate(requisites_request.model_dump() | {"holder_name": "4111111111111111"})
