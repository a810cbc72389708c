"""The customers table (single-table design, table name from CUSTOMERS_TABLE).

    pk                         sk                        what                         gsi1pk / gsi1sk
    CUSTOMER#<id>              PROFILE                   Customer                     -
    CUSTOMER#<id>              IDENTITY#<channel>#<uid>  a messenger identity (bound  IDENTITY#<channel>#<uid>/CUSTOMER
                                                         chat: binding_id, bound_at)
    CUSTOMER#<id>              CARD#<card id>            Card (mask, never number)    CARD#<card id> / CUSTOMER
    CUSTOMER#<id>              AUTH#<chat digest>        when this chat last proved   -
                                                         a card or the bank password
    PROVEN#<chat key>          PHONE                     a phone proven by a one-time -
                                                         code in this chat (10 min)
    PHONE#<e164>               UNIQUE                    phone -> customer            -
    BANK#<bank customer id>    UNIQUE                    core banking id -> customer  -
    REFERRAL#<code>            UNIQUE                    referral code -> customer    -
    CUSTOMER#<referrer>        REFERRED#<newcomer id>    a newcomer came with this    -
                                                         customer's code: customer_id
                                                         (newcomer), row_pk / row_sk
                                                         (their profile), for forgetting

The UNIQUE items make "one person, one customer" a database guarantee: they are written in the same
transaction as the profile, each on condition that it does not exist yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from messenger_bank.customers.models import Binding, Card, ChannelIdentity, Customer
from messenger_bank.ids import in_letters, random_id
from messenger_bank.tables import InCustomersTable, ScanKey


class UniquenessConflict(Exception):
    """A phone, bank id or referral code already belongs to a customer (a concurrent or repeated create)."""


def _customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def _to_customer(item: dict[str, Any]) -> Customer:
    return Customer(
        customer_id=item["customer_id"],
        bank_customer_id=item["bank_customer_id"],
        phone=item["phone"],
        language=item["language"],
        referral_code=item["referral_code"],
        referred_by=item.get("referred_by"),
        created_at=datetime.fromisoformat(item["created_at"]),
    )


def new_binding_id() -> str:
    return "b_" + random_id(10)


def legacy_binding_id(customer_id: str, identity_key: str) -> str:
    """The id of a chat bound before bindings had ids; an id proves nothing (the owner is checked)."""
    # Unkeyed, but only old bindings have it (new ids are random) and only the customer who holds both the
    # customer id and the chat sees it; keying it would change the ids their chats list already shows.
    return "b_" + in_letters(hashlib.sha256(f"binding:{customer_id}:{identity_key}".encode()).hexdigest()[:20])


def _to_binding(item: dict[str, Any]) -> Binding:
    identity = ChannelIdentity(channel=item["channel"], user_id=item["user_id"], chat_id=item["chat_id"])
    return Binding(
        binding_id=item.get("binding_id") or legacy_binding_id(str(item["customer_id"]), identity.key),
        customer_id=item["customer_id"],
        identity=identity,
        bound_at=datetime.fromisoformat(item["bound_at"]) if item.get("bound_at") else None,
    )


def _to_card(item: dict[str, Any]) -> Card:
    return Card(
        card_id=item["card_id"],
        customer_id=item["customer_id"],
        mask=item["mask"],
        kind=item["kind"],
        scheme=item["scheme"],
        expiry=item["expiry"],
        status=item["status"],
        issued_at=datetime.fromisoformat(item["issued_at"]),
    )


class CustomersRepository(InCustomersTable):
    def get(self, customer_id: str) -> Customer | None:
        item = self.table.get_item(Key={"pk": _customer_pk(customer_id), "sk": "PROFILE"}).get("Item")
        return _to_customer(item) if item else None

    def _unique_owner(self, kind: str, value: str) -> str | None:
        item = self.table.get_item(Key={"pk": f"{kind}#{value}", "sk": "UNIQUE"}).get("Item")
        return str(item["customer_id"]) if item else None

    def by_phone(self, phone: str) -> Customer | None:
        owner = self._unique_owner("PHONE", phone)
        return self.get(owner) if owner else None

    def by_bank_id(self, bank_customer_id: str) -> Customer | None:
        owner = self._unique_owner("BANK", bank_customer_id)
        return self.get(owner) if owner else None

    def by_referral_code(self, code: str) -> Customer | None:
        owner = self._unique_owner("REFERRAL", code)
        return self.get(owner) if owner else None

    def by_identity(self, identity_key: str) -> Customer | None:
        # A query always answers Items (empty when nothing matched), here and below.
        found = self.table.query(
            IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(f"IDENTITY#{identity_key}"), Limit=1
        )["Items"]
        return self.get(found[0]["customer_id"]) if found else None

    def create(self, customer: Customer, identity: ChannelIdentity) -> None:
        """Profile, identity and the uniqueness items in one transaction; UniquenessConflict if any exists."""
        profile = {
            "pk": _customer_pk(customer.customer_id),
            "sk": "PROFILE",
            **customer.model_dump(mode="json", exclude_none=True),
        }
        items = [profile, self._identity_item(customer.customer_id, identity, customer.created_at)]
        items += [
            {"pk": f"{kind}#{value}", "sk": "UNIQUE", "customer_id": customer.customer_id}
            for kind, value in (
                ("PHONE", customer.phone),
                ("BANK", customer.bank_customer_id),
                ("REFERRAL", customer.referral_code),
            )
        ]
        if customer.referred_by:
            # In the referrer's partition, naming the newcomer (customer_id) and pointing at their profile: forgetting
            # the referrer takes its id out of that profile, forgetting the newcomer erases this (privacy/erasure.py).
            items.append(
                {
                    "pk": _customer_pk(customer.referred_by),
                    "sk": f"REFERRED#{customer.customer_id}",
                    "customer_id": customer.customer_id,
                    "row_pk": profile["pk"],
                    "row_sk": profile["sk"],
                }
            )
        client = self.table.meta.client
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                    for item in items
                ]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                raise UniquenessConflict(customer.customer_id) from exc
            raise

    @staticmethod
    def _identity_item(customer_id: str, identity: ChannelIdentity, bound_at: datetime) -> dict[str, Any]:
        return {
            "pk": _customer_pk(customer_id),
            "sk": f"IDENTITY#{identity.key}",
            "gsi1pk": f"IDENTITY#{identity.key}",
            "gsi1sk": "CUSTOMER",
            "customer_id": customer_id,
            # Random, so that a button naming an old binding of the same chat never removes a new one.
            "binding_id": new_binding_id(),
            "bound_at": bound_at.isoformat(),
            **identity.model_dump(mode="json"),
        }

    def link_identity(self, customer_id: str, identity: ChannelIdentity, at: datetime | None = None) -> Binding | None:
        """Bind the chat; the new binding, or None when this chat was bound to this customer already
        (then only its chat id is brought up to date, and it keeps its binding id and time)."""
        item = self._identity_item(customer_id, identity, at or datetime.now(UTC))
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            self.table.update_item(
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET chat_id = :chat",
                ExpressionAttributeValues={":chat": identity.chat_id},
            )
            return None
        return _to_binding(item)

    def _identity_items(self, customer_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.table.query(
            KeyConditionExpression=Key("pk").eq(_customer_pk(customer_id)) & Key("sk").begins_with("IDENTITY#"),
            ConsistentRead=True,
        )["Items"]
        return items

    def identities(self, customer_id: str) -> list[ChannelIdentity]:
        return [_to_binding(item).identity for item in self._identity_items(customer_id)]

    def bindings(self, customer_id: str) -> list[Binding]:
        return [_to_binding(item) for item in self._identity_items(customer_id)]

    def unbind(self, binding: Binding) -> bool:
        """Remove this binding, only if the chat is still bound by it (not bound again since); False when
        it is gone already. A chat bound before bindings had ids is named by its derived id."""
        try:
            self.table.delete_item(
                Key={"pk": _customer_pk(binding.customer_id), "sk": f"IDENTITY#{binding.identity.key}"},
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(binding_id) OR binding_id = :id)",
                ExpressionAttributeValues={":id": binding.binding_id},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget_authentication(self, customer_id: str, chat_binding: str) -> None:
        self.table.delete_item(Key={"pk": _customer_pk(customer_id), "sk": f"AUTH#{chat_binding}"})

    def record_authentication(self, customer_id: str, chat_binding: str, at: datetime, keep_days: int = 90) -> None:
        """This chat (by its digest, as sessions and links name it) proved a card or the password at `at`."""
        self.table.put_item(
            Item={
                "pk": _customer_pk(customer_id),
                "sk": f"AUTH#{chat_binding}",
                "auth_time": int(at.timestamp()),
                "expires_at": int(at.timestamp()) + keep_days * 86_400,
            }
        )

    def authenticated_at(self, customer_id: str, chat_binding: str) -> datetime | None:
        item = self.table.get_item(
            Key={"pk": _customer_pk(customer_id), "sk": f"AUTH#{chat_binding}"}, ConsistentRead=True
        ).get("Item")
        return datetime.fromtimestamp(int(item["auth_time"]), UTC) if item else None

    def record_proven_phone(self, chat_key: str, phone: str, until: int) -> None:
        self.table.put_item(Item={"pk": f"PROVEN#{chat_key}", "sk": "PHONE", "phone": phone, "expires_at": until})

    def proven_phone(self, chat_key: str, now: float) -> str | None:
        """The phone this chat proved with a code, while the proof is fresh."""
        item = self.table.get_item(Key={"pk": f"PROVEN#{chat_key}", "sk": "PHONE"}, ConsistentRead=True).get("Item")
        return str(item["phone"]) if item is not None and int(item["expires_at"]) >= now else None

    def forget_proven_phone(self, chat_key: str) -> None:
        self.table.delete_item(Key={"pk": f"PROVEN#{chat_key}", "sk": "PHONE"})

    def put_card(self, card: Card) -> None:
        self.table.put_item(
            Item={
                "pk": _customer_pk(card.customer_id),
                "sk": f"CARD#{card.card_id}",
                "gsi1pk": f"CARD#{card.card_id}",
                "gsi1sk": "CUSTOMER",
                **card.model_dump(mode="json"),
            }
        )

    def cards(self, customer_id: str) -> list[Card]:
        items = self.table.query(
            KeyConditionExpression=Key("pk").eq(_customer_pk(customer_id)) & Key("sk").begins_with("CARD#")
        )["Items"]
        return [_to_card(item) for item in items]

    def card_pages(self, start_key: ScanKey | None = None) -> Iterator[tuple[list[str], ScanKey | None]]:
        """The customers with a card recorded, a scan page at a time (tables.py): the statement's listing reads
        every card row once a month (an index on the cards would spare the scan of the whole table)."""
        return self.customer_pages(Attr("sk").begins_with("CARD#"), start_key)

    def card_owner(self, card_id: str) -> str | None:
        found = self.table.query(
            IndexName="gsi1",
            KeyConditionExpression=Key("gsi1pk").eq(f"CARD#{card_id}"),
            Limit=1,
        )["Items"]
        return str(found[0]["customer_id"]) if found else None
