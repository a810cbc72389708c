"""The customer's consents, with their dates, in the customers table:

    pk                 sk                     what
    CUSTOMER#<id>      CONSENT#<kind>         given (bool), at (ISO time), withdrawn (bool)

Onboarding records both at registration: the personal-data consent (no card without it) and the marketing
consent as the customer answered on the same screen. "My data" withdraws the marketing one; forgetting the
customer erases both with the rest of the partition. A customer registered before consents were recorded
has no row: the personal-data consent dates from registration (onboarding could not go on without it),
the marketing one was never asked, so it is not given.

`may_market` is the one check for anything the bank sends unasked that is an offer, a recommendation or a
partner program: no row, refused or withdrawn means no. None is sent today: every notice in
notices/notices.yaml is an account or purchase update (Messenger's ACCOUNT_UPDATE / POST_PURCHASE_UPDATE, WhatsApp
UTILITY), and offers, recommendations and partner programs are shown only when the customer asks (the programs
menu). A marketing notice added later calls it before it is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from messenger_bank.privacy.models import CONSENT_KINDS, Consent, ConsentKind
from messenger_bank.tables import InCustomersTable


def _key(customer_id: str, kind: ConsentKind) -> dict[str, str]:
    return {"pk": f"CUSTOMER#{customer_id}", "sk": f"CONSENT#{kind}"}


def _to_consent(item: dict[str, Any]) -> Consent:
    return Consent(
        kind=item["sk"].removeprefix("CONSENT#"),
        given=bool(item["given"]),
        at=datetime.fromisoformat(item["at"]),
        withdrawn=bool(item.get("withdrawn", False)),
    )


class ConsentsRepository(InCustomersTable):
    def record(self, customer_id: str, kind: ConsentKind, *, given: bool, at: datetime) -> None:
        self.table.put_item(Item={**_key(customer_id, kind), "given": given, "at": at.isoformat(), "withdrawn": False})

    def withdraw(self, customer_id: str, kind: ConsentKind, at: datetime) -> bool:
        """Withdraw a given consent; False when it was not given (or withdrawn already): nothing changes."""
        from botocore.exceptions import ClientError

        try:
            self.table.update_item(
                Key=_key(customer_id, kind),
                UpdateExpression="SET given = :no, withdrawn = :yes, #at = :at",
                ConditionExpression="given = :yes",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":no": False, ":yes": True, ":at": at.isoformat()},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def consents(self, customer_id: str) -> dict[ConsentKind, Consent]:
        items = self.table.query(
            KeyConditionExpression=Key("pk").eq(f"CUSTOMER#{customer_id}") & Key("sk").begins_with("CONSENT#"),
            ConsistentRead=True,
        )["Items"]
        found = {consent.kind: consent for consent in map(_to_consent, items)}
        return {kind: found[kind] for kind in CONSENT_KINDS if kind in found}

    def may_market(self, customer_id: str) -> bool:
        item = self.table.get_item(Key=_key(customer_id, "marketing"), ConsistentRead=True).get("Item")
        return item is not None and bool(item["given"])


def record_at_registration(
    customer_id: str, *, marketing: bool, at: datetime, repository: ConsentsRepository | None = None
) -> None:
    """Onboarding's consents, recorded as the customer is registered: the personal-data consent (the card
    is not opened without it) and the marketing one as the customer answered."""
    consents = repository or ConsentsRepository()
    consents.record(customer_id, "personal_data", given=True, at=at)
    consents.record(customer_id, "marketing", given=marketing, at=at)


def may_market(customer_id: str, *, repository: ConsentsRepository | None = None) -> bool:
    """Whether the bank may send this customer an offer, a recommendation or a partner program unasked."""
    return (repository or ConsentsRepository()).may_market(customer_id)
