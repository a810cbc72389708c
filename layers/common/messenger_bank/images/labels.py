"""The words printed on pictures and documents: the catalogue's ``picture.*`` texts
(``conversation/catalogue/<language>.yaml``, where every word a customer reads is kept).

Texts that depend on the conversation (the cashback badge, a payee's name) come from the caller
already translated.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypedDict, cast

from messenger_bank.conversation.catalogue import text
from messenger_bank.types import Language


class Labels(TypedDict):
    card_digital: str
    card_plastic: str
    card_valid_thru: str
    receipt_title: str
    kind_transfer: str
    kind_top_up: str
    kind_payment: str
    kind_cashback: str
    amount: str
    fee: str
    total: str
    source: str
    destination: str
    details: str
    date_time: str
    operation_id: str
    status: str
    status_completed: str
    status_pending: str
    status_failed: str
    status_refunded: str
    receipt_footer: str
    requisites_title: str
    holder: str
    iban: str
    currency: str
    bank: str
    bank_address: str
    bic: str
    unp: str
    issued_on: str
    requisites_footer: str
    share_headline: str
    share_code: str
    share_scan: str
    offers_headline: str


# The catalogue's section the labels are kept under.
SECTION = "picture"


@lru_cache(maxsize=3)
def labels(language: Language) -> Labels:
    """Every label in `language`, from the catalogue."""
    return cast(Labels, {name: text(f"{SECTION}.{name}", language) for name in Labels.__annotations__})
