"""Data the customer controls, through the whole local cloud, on Telegram and on WhatsApp: a newcomer who
agreed to offers sees "My data" (the phone masked, the chats, both consents dated), withdraws the marketing
consent, asks to be forgotten without a fresh proof of the card (refused: sent to the secure page, nothing
lost), proves the card there and is forgotten. Then every DynamoDB table and every S3 bucket of the local
cloud is scanned for the customer's ids, chats, phone and name and holds none of them but in no record at all
- the audit record says what went and names nobody - and the chat is a stranger's again. The bank's own
records (core banking's customer, card and ledger) are untouched."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.cloud.cloud import LocalCloud
from messenger_bank.conversation.catalogue import text
from messenger_bank.phones import mask_phone
from messenger_bank.privacy.erasure import AUDIT_PREFIX, mentions
from tests.e2e.driver import Chat, Person, onboard
from tests.e2e.test_card_issuance import chat_for
from tests.e2e.test_sign_in import after, bound_customer, card_of, card_page, proof_long_ago, to_card_services

# proof_long_ago names the chat's proof by its keyed digest: the cloud's own identity key.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("the_clouds_identity_key")]

MY_DATA = text("card_services.my_data", "ru")
GIVEN = text("privacy.state.given", "ru", when="")
OFFERS_GIVEN = text("privacy.consent.marketing", "ru", state=GIVEN)
WITHDRAWN_OPENING = text("privacy.withdrawn", "ru", when="{}").split("(")[0]
FORGET_CONFIRM = text("privacy.forget_confirm", "ru").split("?")[0]
ASK_CARD = "подтвердите карту ещё раз"
FORGOTTEN = text("privacy.forgotten", "ru").split(":")[0] + ":"
STRANGER = "если вы уже клиент"  # menu.no_customer: sign in, or get a card


def open_my_data(chat: Chat) -> dict[str, Any]:
    to_card_services(chat)
    return after(chat, lambda: chat.press(MY_DATA), text("privacy.consent.personal_data", "ru", state="")[:20])


def everything_kept(cloud: LocalCloud) -> list[tuple[str, Any]]:
    """Every DynamoDB item of every table and every S3 object (key and body) of every bucket."""
    kept: list[tuple[str, Any]] = []
    dynamodb = cloud.client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            kept += [(table, item) for item in page["Items"]]
    s3 = cloud.client("s3")
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=obj["Key"])["Body"].read().decode("latin-1")
                kept.append((f"s3://{bucket['Name']}", {"key": obj["Key"], "body": body}))
    return kept


def naming(kept: list[tuple[str, Any]], identifiers: frozenset[str], name: str) -> list[str]:
    """Where the customer is named: an identifier as a whole token (the product's rule, privacy/erasure.py)
    and, more bluntly, any identifier or the name anywhere in the record's text."""
    found = []
    for where, record in kept:
        flat = json.dumps(record, ensure_ascii=False, default=str)
        if mentions(record, identifiers) or any(i in flat for i in identifiers) or name in flat:
            found.append(f"{where}: {flat[:200]}")
    return found


@pytest.mark.parametrize("messenger", ["telegram", "whatsapp"])
def test_my_data_shown_masked_consent_withdrawn_and_forgotten_with_nothing_left(
    cloud: LocalCloud, messenger: str
) -> None:
    person = Person()
    chat = chat_for(cloud, messenger, person)
    onboard(chat, person, offers=True)
    chat.wait_for("карта готова", timeout_s=90)
    card_picture = chat.wait_for_picture()
    customer_id = bound_customer(cloud, chat)
    assert customer_id is not None
    bank = cloud.sandbox.bank.find_customer_by_phone(person.phone)
    pan, expiry = card_of(cloud, person)

    # "My data": the phone masked, this chat, both consents with their dates; never the phone itself.
    shown = str(open_my_data(chat)["text"])
    assert mask_phone(person.phone) in shown and person.phone not in shown and person.phone[1:] not in shown
    assert text("chats.this_chat", "ru", messenger=text(f"chats.messenger.{messenger}", "ru")) in shown
    assert OFFERS_GIVEN in shown and pan not in shown and person.surname not in shown

    # Withdrawn, with its date; "My data" says so.
    after(chat, lambda: chat.press(text("privacy.withdraw", "ru")), WITHDRAWN_OPENING)
    assert text("privacy.consent.marketing", "ru", state=text("privacy.state.withdrawn", "ru", when="")) in str(
        open_my_data(chat)["text"]
    )

    # "Forget me" without the card proven lately: sent to the secure page, and nothing is lost.
    proof_long_ago(cloud, chat)
    open_my_data(chat)
    after(chat, lambda: chat.press(text("privacy.forget", "ru")), FORGET_CONFIRM)
    mark = chat.mark()
    chat.press(text("privacy.forget_do", "ru"))
    since = chat.barrier(mark)
    asked = next(m for m in since.replies if ASK_CARD in str(m.get("text") or ""))
    assert not any(FORGOTTEN in said for said in since.texts), since.texts
    assert bound_customer(cloud, chat) == customer_id

    # The scan sees the customer while they are kept: their records, and the card picture in S3.
    identifiers = frozenset({customer_id, str(bank["id"]), person.phone, person.phone[1:], chat.chat_key, chat.chat_id})
    picture_key = str(card_picture["media"]).split("?")[0].rsplit("/", 1)[-1]  # <32 hex>.png
    before = everything_kept(cloud)
    assert len(naming(before, identifiers, person.full_name)) >= 5
    assert picture_key.endswith(".png") and any(picture_key in json.dumps(r, default=str) for _, r in before)

    # The card proven on the secure page: the operation carries on, and the customer is forgotten.
    assert card_page(cloud, chat, asked, pan, expiry, page="card").status_code == 200
    after(chat, lambda: chat.press("Продолжить"), FORGOTTEN)

    kept = everything_kept(cloud)
    assert naming(kept, identifiers, person.full_name) == []
    assert not any(picture_key in json.dumps(r, default=str) for _, r in kept)
    audits = [r for _, r in kept if str(r.get("pk", {}).get("S", "")).startswith(AUDIT_PREFIX)]
    assert audits and any("erased.customer.identity" in json.dumps(a, default=str) for a in audits)

    # The bank's own records stand: core banking still knows the customer and the card.
    assert cloud.sandbox.bank.find_customer_by_phone(person.phone)["id"] == bank["id"]
    assert card_of(cloud, person) == (pan, expiry)

    # And the chat is a stranger's again.
    mark = chat.mark()
    chat.press("Баланс")
    assert any(STRANGER in said for said in chat.barrier(mark).texts)
    assert bound_customer(cloud, chat) is None
