"""Requests every image test starts from: valid, in each language, with masked numbers only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from messenger_bank.images.models import CardPictureRequest, ReceiptRequest, RequisitesRequest, SharePictureRequest


@pytest.fixture
def card_request() -> CardPictureRequest:
    return CardPictureRequest(
        design="virtual_visa",
        masked_number="4111 11** **** 1111",
        holder_latin="Aliaksandr Ushakou",
        holder_cyrillic="Аляксандр Ўшакоў",
        expiry="08/29",
        cashback_label="Cashback 5 % — Groceries",
    )


@pytest.fixture
def receipt_request() -> ReceiptRequest:
    return ReceiptRequest(
        language="ru",
        kind="transfer",
        amount=123450,
        currency="BYN",
        fee=1852,
        from_masked="•• 1111",
        to_masked="5500 00** **** 0004",
        occurred_at=datetime(2025, 1, 15, 11, 30, tzinfo=UTC),
        operation_id="op_7f3a9c2e41b84d0f",
    )


@pytest.fixture
def requisites_request() -> RequisitesRequest:
    return RequisitesRequest(
        language="be",
        holder_name="Аляксандр Ўшакоў",
        iban="BY13 NBRB 3600 9000 0000 2Z00 AB00",
        bank_name="ААТ «Messenger Bank»",
        bank_address="вул. Незалежнасці, 1, 220030, г. Мінск",
        bic="MSBKBY2X",
        bank_unp="100000001",
        currency="BYN",
        issued_on=date(2025, 1, 15),
    )


@pytest.fixture
def share_request() -> SharePictureRequest:
    return SharePictureRequest(language="en", link="https://t.me/messenger_bank_bot?start=AB12CD34", code="AB12CD34")
