"""Forgetting a customer: every copy the bot keeps, found by what names the customer, erased or anonymised.

What names a customer (`Identifiers`): our customer id, core banking's customer id, the phone (with and
without its "+", and the programs' hash of it), the referral code, and each bound chat's key, chat id and
user id. A record mentions the customer when one of these is a whole token of any of its values (tokens
split at anything but letters, digits, "_", "+", "-": `IDENTITY#telegram#123`, `telegram:123` and a JSON
answer in the idempotency table all split there). The same rule the test that proves nothing is left uses.

What happens to a record that mentions the customer:
- erased, when it is the customer's own or shared with nobody (the customer's partition, the uniqueness
  guards, quotes, money requests, sessions, proofs, windows, outage subscriptions, journey waits, the
  idempotency table's stored answers);
- anonymised, when it is another customer's (a partition `CUSTOMER#<someone else>`): the attributes that
  name the forgotten customer are removed (e.g. a friend's `referred_by`), the rest of it stays; when its
  key itself names the forgotten customer (a friend's record of recommending this phone) it is erased.

Each table is scanned once (paginated, consistent), the customers table's audit partition skipped. The
media bucket is listed under the customer's owner prefix for each kind (images/storage.py) and emptied.

Why a scan and not a list of keys: the bot's contexts each keep rows of their own (quotes, requests, plastic
orders, programs' rows), most under random ids with the customer inside; a list would miss the next context's
rows, and the test would not see it. A forget is rare (a few a day at most) and one scan of each table costs
less than the calls of one monthly run; at the size where it takes longer than the function's timeout, the
sweep moves to a Step Functions journey (a distributed map over a table export): README, "Data the customer
controls".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import boto3

from messenger_bank.customers.models import Binding, Customer
from messenger_bank.images.storage import MEDIA_KINDS, owner_prefix

AUDIT_PREFIX: Final = "ERASURE#"
_TOKENS: Final = re.compile(r"[^0-9A-Za-z_+\-]+")


@dataclass(frozen=True)
class Identifiers:
    """Everything that names one customer in the bot's records."""

    customer_id: str
    values: frozenset[str]

    @classmethod
    def of(cls, customer: Customer, bindings: Iterable[Binding]) -> Identifiers:
        values = {
            customer.customer_id,
            customer.bank_customer_id,
            customer.phone,
            customer.phone.removeprefix("+"),
            customer.referral_code,
            # programs/keys.py phone_hash: the hash a recommendation or a referral guard keeps of the phone
            hashlib.sha256(customer.phone.encode()).hexdigest(),
        }
        for binding in bindings:
            values |= {binding.chat_key, binding.identity.chat_id, binding.identity.user_id}
        return cls(customer_id=customer.customer_id, values=frozenset(v for v in values if v))

    def mentioned_in(self, value: Any) -> bool:
        return mentions(value, self.values)


def mentions(value: Any, identifiers: frozenset[str]) -> bool:
    """Whether one of `identifiers` is a whole token of `value` (any JSON-able value: an item, a string)."""
    flat = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if any(identifier in flat for identifier in identifiers):  # the cheap test first
        tokens = set(_TOKENS.split(flat))
        tokens |= {token.removeprefix("+") for token in tokens}
        return not tokens.isdisjoint(identifiers)
    return False


@dataclass
class Erasure:
    """What one forget did, by category (the first word of the record's key: `customer.identity`,
    `phone`, `sessions`, `media.card`, ...): the audit record's counts."""

    erased: Counter[str] = field(default_factory=Counter)
    anonymised: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.erased.values()) + sum(self.anonymised.values())

    def categories(self) -> dict[str, int]:
        return {
            **{f"erased.{k}": v for k, v in sorted(self.erased.items())},
            **{f"anonymised.{k}": v for k, v in sorted(self.anonymised.items())},
        }


def _category(table_label: str, item: dict[str, Any]) -> str:
    if table_label != "customers":
        return table_label
    pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
    if pk.startswith("CUSTOMER#"):
        return "customer." + sk.split("#", 1)[0].lower()
    return pk.split("#", 1)[0].lower()


def _scan(table: Any) -> Iterator[dict[str, Any]]:
    query: dict[str, Any] = {"ConsistentRead": True}
    while True:
        page = table.scan(**query)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sweep_table(
    table: Any, keys: tuple[str, ...], label: str, who: Identifiers, erasure: Erasure, *, keep_chat: str | None
) -> None:
    """Erase or anonymise every record of `table` that mentions the customer. `keep_chat`: the session of
    the asking chat is left to its own turn (the conversation deletes it after the turn, conditionally on
    its version: deleting it here would make that turn's save fail and run again)."""
    own_partition = f"CUSTOMER#{who.customer_id}"
    for item in _scan(table):
        pk = str(item.get(keys[0], ""))
        if pk.startswith(AUDIT_PREFIX) or not who.mentioned_in(item):
            continue
        key = {name: item[name] for name in keys}
        if keep_chat is not None and label == "sessions" and pk == keep_chat:
            continue
        someone_elses = label == "customers" and pk.startswith("CUSTOMER#") and pk != own_partition
        if someone_elses and not who.mentioned_in(key):
            naming = sorted(name for name, value in item.items() if name not in keys and who.mentioned_in(value))
            table.update_item(
                Key=key,
                UpdateExpression="REMOVE " + ", ".join(f"#a{i}" for i in range(len(naming))),
                ExpressionAttributeNames={f"#a{i}": name for i, name in enumerate(naming)},
            )
            erasure.anonymised[_category(label, item)] += 1
            continue
        table.delete_item(Key=key)
        erasure.erased[_category(label, item)] += 1


def sweep_media(bucket: str, customer_id: str, erasure: Erasure, *, s3_client: Any = None) -> None:
    """Delete every picture and document made for the customer (kept under its owner prefix)."""
    s3 = s3_client or boto3.client("s3")
    owner = owner_prefix(customer_id)
    for kind in MEDIA_KINDS:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{kind}/{owner}/"):
            keys = [obj["Key"] for obj in page.get("Contents", [])]
            if keys:  # a page is at most 1,000 keys, what one DeleteObjects takes
                s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True})
                erasure.erased[f"media.{kind}"] += len(keys)


def count_media(bucket: str, customer_id: str, *, s3_client: Any = None) -> int:
    s3 = s3_client or boto3.client("s3")
    owner = owner_prefix(customer_id)
    return sum(
        len(page.get("Contents", []))
        for kind in MEDIA_KINDS
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{kind}/{owner}/")
    )
