"""Forgetting a customer: every copy the bot keeps, found by a key or an index that names the customer (never a
scan), erased or anonymised.

What names a customer (`Identifiers`): our customer id, core banking's customer id, the phone (with and
without its "+", and the programs' hash of it), the referral code, and each bound chat's key, chat id and
user id. A record mentions the customer when one of these is a whole token of any of its values (tokens
split at anything but letters, digits, "_", "+", "-"). The same rule the test that proves nothing is left uses.

Where each record is found (`KeyPlan`; each a GetItem/DeleteItem by key or one Query, paginated):
- the customer's own partition `CUSTOMER#<id>` (profile, identities, cards, proofs, consents, balances,
  cashback, addresses, payees, programs' rows, bonuses, ...): one Query; a row there holding `row_pk`/`row_sk`
  points at a row kept elsewhere that names the customer without saying so in a key or `customer_id`: a money
  request the customer is asked to pay (erased), a friend's profile naming the customer as its referrer
  (`referred_by` removed);
- the rows outside the partition that carry `customer_id` (the uniqueness guards, transfer and payment quotes,
  money requests the customer made, plastic orders, step-up challenges, referral guards, ...): the customers
  table's sparse index `by_customer` (keys only; a row without `customer_id` is not in it);
- what a key computes: the phone / bank id / referral-code guards, `SPENDING#<id>`, and for each bound chat
  `PROVEN#`, `OTP#`, `WINDOW#` (with its notices), `OUTAGE#<system>` / `CHAT#<chat>` for each bank system,
  its session, its parked journey waits (the journey waits table's index `chat`), and its hand-off record
  with the turns an operator read (handoffs table, keyed by the chat's digest);
- another customer's rows naming this one: a friend's `REFERRED_BY` (gsi1 `REFERRER#<id>`: anonymised, the
  attributes naming the customer removed), a recommendation of this customer's phone (gsi1
  `RECOMMENDED#<phone hash>`: its key names the phone, erased);
- the media bucket, listed under the customer's owner prefix for each kind (images/storage.py).

The idempotency table is not looked in: it keeps the webhooks' update ids (channel and the platform's update
id, hashed) with their queued message's SQS id, none of which names a customer.

Calls per forget: a fixed number (about 10 plus 5 per bound chat plus one per bank system and chat) and one
delete per row of the customer's; none grows with the number of customers. Order: everything else first,
then the customer's profile and identities with the audit record in one transaction, so that a forget
failing half-way leaves the chat bound and the customer's request can run again, and a finished one is
audited once; every delete is idempotent (a row already gone is counted nowhere).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import boto3
from boto3.dynamodb.conditions import Key

from messenger_bank.customers.models import Binding, Customer
from messenger_bank.handoff.models import handoff_id
from messenger_bank.images.storage import MEDIA_KINDS, owner_prefix
from messenger_bank.programs import keys as programs_keys

AUDIT_PREFIX: Final = "ERASURE#"
_TOKENS: Final = re.compile(r"[^0-9A-Za-z_+\-]+")


@dataclass(frozen=True)
class Identifiers:
    """Everything that names one customer in the bot's records."""

    customer_id: str
    values: frozenset[str]
    phone_hash: str = ""

    @classmethod
    def of(cls, customer: Customer, bindings: Iterable[Binding]) -> Identifiers:
        phone_hash = programs_keys.phone_hash(customer.phone)
        values = {
            customer.customer_id,
            customer.bank_customer_id,
            customer.phone,
            customer.phone.removeprefix("+"),
            customer.referral_code,
            # the keyed digest a recommendation or a referral guard keeps of the phone (programs/keys.py)
            phone_hash,
        }
        for binding in bindings:
            values |= {binding.chat_key, binding.identity.chat_id, binding.identity.user_id}
        return cls(customer_id=customer.customer_id, values=frozenset(v for v in values if v), phone_hash=phone_hash)

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


PARTITION: Final = "CUSTOMER#"
BY_CUSTOMER: Final = "by_customer"  # customers table: sparse, keys only, on customer_id
BY_CHAT: Final = "chat"  # journey waits table: keys only, on chat_key
LAST: Final = ("IDENTITY#", "PROFILE")  # the partition's rows that keep the chat bound: erased last, at once


def _pages(table: Any, **query: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = table.query(**query)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _keys(item: dict[str, Any]) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


@dataclass
class KeyPlan:
    """The customers, sessions and journey waits tables (boto3 Table resources) and what to leave: the asking
    chat's session goes after its own turn (the conversation deletes it, conditionally on its version)."""

    customers: Any
    sessions: Any
    journey_waits: Any
    handoffs: Any
    keep_chat: str | None = None

    def erase(self, table: Any, key: dict[str, Any], category: str, erasure: Erasure) -> None:
        if table.delete_item(Key=key, ReturnValues="ALL_OLD").get("Attributes"):
            erasure.erased[category] += 1

    def anonymise(self, key: dict[str, Any], who: Identifiers, erasure: Erasure) -> None:
        item = self.customers.get_item(Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return
        if who.mentioned_in(key):  # its key names the customer: nothing of it can stay
            self.erase(self.customers, key, _category("customers", item), erasure)
            return
        naming = sorted(name for name, value in item.items() if name not in key and who.mentioned_in(value))
        if naming:
            self.customers.update_item(
                Key=key,
                UpdateExpression="REMOVE " + ", ".join(f"#a{i}" for i in range(len(naming))),
                ExpressionAttributeNames={f"#a{i}": name for i, name in enumerate(naming)},
            )
            erasure.anonymised[_category("customers", item)] += 1

    def sweep(
        self,
        who: Identifiers,
        customer: Customer,
        chat_keys: Iterable[str],
        erasure: Erasure,
        *,
        systems: Iterable[str],
    ) -> list[dict[str, Any]]:
        """Erase or anonymise every row of the customer but their profile and identities: their keys are
        returned for `finish` (at most a few dozen: a transaction takes 100)."""
        own = f"{PARTITION}{customer.customer_id}"
        chats = sorted(chat_keys)
        # Rows elsewhere that carry the customer's id (keys only: the index is sparse and small).
        for row in _pages(
            self.customers, IndexName=BY_CUSTOMER, KeyConditionExpression=Key("customer_id").eq(customer.customer_id)
        ):
            key = _keys(row)
            if str(key["pk"]) == own:
                continue  # the partition's own rows: below, in order
            if str(key["pk"]).startswith(PARTITION):
                self.anonymise(key, who, erasure)  # another customer's row naming this one
            else:
                self.erase(self.customers, key, _category("customers", key), erasure)
        # Keys the customer's values compute.
        computed = [
            {"pk": f"PHONE#{customer.phone}", "sk": "UNIQUE"},
            {"pk": f"BANK#{customer.bank_customer_id}", "sk": "UNIQUE"},
            {"pk": f"REFERRAL#{customer.referral_code}", "sk": "UNIQUE"},
        ]
        for chat in chats:
            computed += [{"pk": f"PROVEN#{chat}", "sk": "PHONE"}, {"pk": f"OTP#{chat}", "sk": "OTP"}]
            computed += [{"pk": f"OUTAGE#{system}", "sk": f"CHAT#{chat}"} for system in systems]
        for key in computed:
            self.erase(self.customers, key, _category("customers", key), erasure)
        for pk in [f"SPENDING#{customer.customer_id}", *(f"WINDOW#{chat}" for chat in chats)]:
            for row in _pages(self.customers, KeyConditionExpression=Key("pk").eq(pk), ConsistentRead=True):
                self.erase(self.customers, _keys(row), _category("customers", row), erasure)
        # Other customers' rows naming this one, by the programs' gsi1.
        for gsi1pk in (f"REFERRER#{customer.customer_id}", f"RECOMMENDED#{who.phone_hash}"):
            for row in _pages(self.customers, IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(gsi1pk)):
                key = _keys(row)
                if str(key["pk"]) != own:
                    self.anonymise(key, who, erasure)
        # Each bound chat's session (but the asking one's) and parked journey waits.
        for chat in chats:
            if chat != self.keep_chat:
                self.erase(self.sessions, {"chat_key": chat}, "sessions", erasure)
            for row in _pages(self.journey_waits, IndexName=BY_CHAT, KeyConditionExpression=Key("chat_key").eq(chat)):
                self.erase(self.journey_waits, {"ref": row["ref"]}, "journey_waits", erasure)
            # The chat's hand-off record (one per chat, keyed by its digest): its turns with the operators.
            self.erase(self.handoffs, {"handoff_id": handoff_id(chat)}, "handoffs", erasure)
        # The customer's own partition, but what keeps the chat bound: that goes with the audit record.
        last: list[dict[str, Any]] = []
        for row in _pages(self.customers, KeyConditionExpression=Key("pk").eq(own), ConsistentRead=True):
            if str(row["sk"]).startswith(LAST):
                last.append(_keys(row))
                continue
            if "row_pk" in row and "row_sk" in row:  # a pointer: the row it names first
                pointed = {"pk": row["row_pk"], "sk": row["row_sk"]}
                if str(pointed["pk"]).startswith(PARTITION) and pointed["pk"] != own:
                    self.anonymise(pointed, who, erasure)  # a friend's profile naming this customer as referrer
                else:
                    self.erase(self.customers, pointed, _category("customers", pointed), erasure)
            self.erase(self.customers, _keys(row), _category("customers", row), erasure)
        return last

    def finish(self, last: list[dict[str, Any]], audit: dict[str, Any]) -> None:
        """The profile and identities deleted and the audit record written in one transaction: until it
        commits the chat is bound (the customer can ask again, and that run finishes the job), after it the
        customer is a stranger and audited once. `audit` is counted with `last` already (`count_last`)."""
        name = self.customers.name
        actions: list[dict[str, Any]] = [{"Delete": {"TableName": name, "Key": key}} for key in last]
        actions.append({"Put": {"TableName": name, "Item": audit, "ConditionExpression": "attribute_not_exists(pk)"}})
        self.customers.meta.client.transact_write_items(TransactItems=actions)

    @staticmethod
    def count_last(last: list[dict[str, Any]], erasure: Erasure) -> None:
        for key in last:
            erasure.erased[_category("customers", key)] += 1


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
