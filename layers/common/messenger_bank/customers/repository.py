"""The customers table (single-table design, table name from CUSTOMERS_TABLE).

    pk                         sk                        what                         gsi1pk / gsi1sk
    CUSTOMER#<id>              PROFILE                   Customer                     -
    CUSTOMER#<id>              IDENTITY#<channel>#<uid>  a messenger identity         IDENTITY#<channel>#<uid>/CUSTOMER
    CUSTOMER#<id>              CARD#<card id>            Card (mask, never number)    CARD#<card id> / CUSTOMER
    CUSTOMER#<id>              AUTH#<chat digest>        when this chat last proved   -
                                                         a card or the bank password
    PROVEN#<chat key>          PHONE                     a phone proven by a one-time -
                                                         code in this chat (10 min)
    PHONE#<e164>               UNIQUE                    phone -> customer            -
    BANK#<bank customer id>    UNIQUE                    core banking id -> customer  -
    REFERRAL#<code>            UNIQUE                    referral code -> customer    -

The UNIQUE items make "one person, one customer" a database guarantee: they are written in the same
transaction as the profile, each on condition that it does not exist yet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from messenger_bank.customers.models import Card, ChannelIdentity, Customer
from messenger_bank.tables import InCustomersTable


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
        found = self.table.query(
            IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(f"IDENTITY#{identity_key}"), Limit=1
        ).get("Items", [])
        return self.get(found[0]["customer_id"]) if found else None

    def create(self, customer: Customer, identity: ChannelIdentity) -> None:
        """Profile, identity and the uniqueness items in one transaction; UniquenessConflict if any exists."""
        profile = {
            "pk": _customer_pk(customer.customer_id),
            "sk": "PROFILE",
            **customer.model_dump(mode="json", exclude_none=True),
        }
        items = [profile, self._identity_item(customer.customer_id, identity)]
        items += [
            {"pk": f"{kind}#{value}", "sk": "UNIQUE", "customer_id": customer.customer_id}
            for kind, value in (
                ("PHONE", customer.phone),
                ("BANK", customer.bank_customer_id),
                ("REFERRAL", customer.referral_code),
            )
        ]
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
    def _identity_item(customer_id: str, identity: ChannelIdentity) -> dict[str, Any]:
        return {
            "pk": _customer_pk(customer_id),
            "sk": f"IDENTITY#{identity.key}",
            "gsi1pk": f"IDENTITY#{identity.key}",
            "gsi1sk": "CUSTOMER",
            "customer_id": customer_id,
            **identity.model_dump(mode="json"),
        }

    def link_identity(self, customer_id: str, identity: ChannelIdentity) -> None:
        self.table.put_item(Item=self._identity_item(customer_id, identity))

    def identities(self, customer_id: str) -> list[ChannelIdentity]:
        items = self.table.query(
            KeyConditionExpression=Key("pk").eq(_customer_pk(customer_id)) & Key("sk").begins_with("IDENTITY#")
        ).get("Items", [])
        return [ChannelIdentity(channel=i["channel"], user_id=i["user_id"], chat_id=i["chat_id"]) for i in items]

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
        ).get("Items", [])
        return [_to_card(item) for item in items]

    def card_owner(self, card_id: str) -> str | None:
        found = self.table.query(
            IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(f"CARD#{card_id}"), Limit=1
        ).get("Items", [])
        return str(found[0]["customer_id"]) if found else None
