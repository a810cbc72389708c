"""Referral, recommendation, bonus and offer rows in the customers table (``CUSTOMERS_TABLE``).

The customers repository's key design (PROFILE / IDENTITY# / CARD# under ``CUSTOMER#<id>``, the
``<KIND>#<value> / UNIQUE`` items, gsi1 for natural keys) is kept as it is; these rows are added beside
it, with sort-key and gsi1 prefixes that no customers query matches:

    pk                                 sk                              what                  gsi1pk / gsi1sk
    CUSTOMER#<newcomer>                REFERRED_BY                     Attribution           REFERRER#<referrer> /
                                                                                             INVITED#<at>#<newcomer>
    CUSTOMER#<referrer>                INVITES#<YYYY-MM>               the cap's counter     -
    REFERRED#PHONE#<phone hash>        UNIQUE                          phone attributed      -
    REFERRED#PASSPORT#<passport hash>  UNIQUE                          passport attributed   -
    CUSTOMER#<id>                      BONUS#<idempotency key>         BonusRecord (invite   -
                                                                       or milestone payout)
    CUSTOMER#<recommender>             RECOMMENDATION#<phone hash>     Recommendation        RECOMMENDED#<phone hash> /
                                                                                             <at>#<recommender>
    CUSTOMER#<id>                      OFFER#<partner>#<offer id>      OfferActivation       -
    CUSTOMER#<id>                      CASHBACKCHOICE#<YYYY-MM>        the categories chosen -
                                                                       for that month

Look-ups: a newcomer's referrer (get REFERRED_BY); a referrer's friends (gsi1 ``REFERRER#``); who
recommended a phone that just became a customer (gsi1 ``RECOMMENDED#``); a customer's bonuses,
recommendations, activations (query ``pk`` with the sk prefix).

Guarantees are conditional writes, not read-then-write: the attribution, both UNIQUE guards and the
month counter (``count < cap``) are one transaction; a BONUS row is claimed with
``attribute_not_exists`` before the ledger is called, so one key is credited by one caller; a
recommendation converts once (``attribute_not_exists(converted_at)``); an offer activates once; a month's
chosen categories are replaced only as they were read (two choices at once: one of them is asked again).
A phone hash is ``keys.phone_hash`` (SHA-256 of the E.164 number): phones are not stored in these rows
(a recommendation keeps a mask for the recommender's list).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from messenger_bank.programs.models import Attribution, BonusRecord, OfferActivation, Recommendation
from messenger_bank.tables import InCustomersTable


class AttributionConflict(Exception):
    """The attribution transaction was cancelled: a guard, the newcomer's row or the cap said no."""


def _pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _to_attribution(item: dict[str, Any]) -> Attribution:
    return Attribution(
        newcomer_id=item["newcomer_id"],
        referrer_id=item["referrer_id"],
        code=item["code"],
        month=item["month"],
        attributed_at=datetime.fromisoformat(item["attributed_at"]),
        card_issued_at=_dt(item.get("card_issued_at")),
    )


def _to_bonus(item: dict[str, Any]) -> BonusRecord:
    return BonusRecord(
        idempotency_key=item["idempotency_key"],
        customer_id=item["customer_id"],
        program=item["program"],
        role=item["role"],
        amount_minor=int(item["amount_minor"]),
        currency=item["currency"],
        status=item["status"],
        claimed_at=datetime.fromisoformat(item["claimed_at"]),
        credited_at=_dt(item.get("credited_at")),
        operation_id=item.get("operation_id"),
        related_customer_id=item.get("related_customer_id"),
        milestone=int(item["milestone"]) if item.get("milestone") is not None else None,
    )


def _to_recommendation(item: dict[str, Any]) -> Recommendation:
    return Recommendation(
        recommender_id=item["recommender_id"],
        contact_hash=item["contact_hash"],
        contact_mask=item["contact_mask"],
        recommended_at=datetime.fromisoformat(item["recommended_at"]),
        converted_at=_dt(item.get("converted_at")),
        converted_customer_id=item.get("converted_customer_id"),
    )


def _to_activation(item: dict[str, Any]) -> OfferActivation:
    return OfferActivation(
        customer_id=item["customer_id"],
        partner=item["partner"],
        offer_id=item["offer_id"],
        title=item["title"],
        category=item["category"],
        cashback_percent=Decimal(str(item["cashback_percent"])),
        promo_code=item.get("promo_code"),
        activation_id=item.get("activation_id"),
        activated_at=datetime.fromisoformat(item["activated_at"]),
        newly_activated=False,
    )


class ReferralsRepository(InCustomersTable):
    def _query(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        while True:
            page = self.table.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _prefixed(self, customer_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        return self._query(KeyConditionExpression=Key("pk").eq(_pk(customer_id)) & Key("sk").begins_with(prefix))

    # --- attributions ------------------------------------------------------------------------------
    def attribution(self, newcomer_id: str) -> Attribution | None:
        item = self.table.get_item(Key={"pk": _pk(newcomer_id), "sk": "REFERRED_BY"}).get("Item")
        return _to_attribution(item) if item else None

    def guard_owner(self, kind: str, value_hash: str) -> str | None:
        """Who a phone or passport (``kind`` PHONE / PASSPORT) was attributed as, if anyone."""
        item = self.table.get_item(Key={"pk": f"REFERRED#{kind}#{value_hash}", "sk": "UNIQUE"}).get("Item")
        return str(item["customer_id"]) if item else None

    def invites_in_month(self, referrer_id: str, month: str) -> int:
        item = self.table.get_item(Key={"pk": _pk(referrer_id), "sk": f"INVITES#{month}"}).get("Item")
        return int(item["count"]) if item else 0

    def add_attribution(
        self, attribution: Attribution, *, phone_hash: str, passport_hash: str | None, monthly_cap: int
    ) -> None:
        """The attribution, its UNIQUE guards and the month's counter, all or nothing."""
        name = self.table.name
        item = {
            "pk": _pk(attribution.newcomer_id),
            "sk": "REFERRED_BY",
            "gsi1pk": f"REFERRER#{attribution.referrer_id}",
            "gsi1sk": f"INVITED#{attribution.attributed_at.isoformat()}#{attribution.newcomer_id}",
            **attribution.model_dump(mode="json", exclude_none=True),
        }
        guards = [("PHONE", phone_hash)] + ([("PASSPORT", passport_hash)] if passport_hash else [])
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        ]
        actions += [
            {
                "Put": {
                    "TableName": name,
                    "Item": {"pk": f"REFERRED#{kind}#{value}", "sk": "UNIQUE", "customer_id": attribution.newcomer_id},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for kind, value in guards
        ]
        actions.append(
            {
                "Update": {
                    "TableName": name,
                    "Key": {"pk": _pk(attribution.referrer_id), "sk": f"INVITES#{attribution.month}"},
                    "UpdateExpression": "SET #c = if_not_exists(#c, :zero) + :one",
                    "ConditionExpression": "attribute_not_exists(#c) OR #c < :cap",
                    "ExpressionAttributeNames": {"#c": "count"},
                    "ExpressionAttributeValues": {":zero": 0, ":one": 1, ":cap": monthly_cap},
                }
            }
        )
        try:
            self.table.meta.client.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                raise AttributionConflict(attribution.newcomer_id) from exc
            raise

    def attributions_by_referrer(self, referrer_id: str) -> list[Attribution]:
        items = self._query(
            IndexName="gsi1",
            KeyConditionExpression=Key("gsi1pk").eq(f"REFERRER#{referrer_id}") & Key("gsi1sk").begins_with("INVITED#"),
        )
        return [_to_attribution(item) for item in items]

    def mark_card_issued(self, newcomer_id: str, at: datetime) -> Attribution:
        """The first card issuance wins; a repeated call keeps the first moment."""
        answer = self.table.update_item(
            Key={"pk": _pk(newcomer_id), "sk": "REFERRED_BY"},
            UpdateExpression="SET card_issued_at = if_not_exists(card_issued_at, :at)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": at.isoformat()},
            ReturnValues="ALL_NEW",
        )
        return _to_attribution(answer["Attributes"])

    # --- bonuses -------------------------------------------------------------------------------------
    def bonus(self, customer_id: str, idempotency_key: str) -> BonusRecord | None:
        item = self.table.get_item(Key={"pk": _pk(customer_id), "sk": f"BONUS#{idempotency_key}"}).get("Item")
        return _to_bonus(item) if item else None

    def claim_bonus(self, record: BonusRecord) -> bool:
        """Write the pending record if no record has this key yet; False if one does."""
        try:
            self.table.put_item(
                Item={
                    "pk": _pk(record.customer_id),
                    "sk": f"BONUS#{record.idempotency_key}",
                    **record.model_dump(mode="json", exclude_none=True),
                    # Compared verbatim by take_over_bonus / release_bonus: one spelling of the moment.
                    "claimed_at": record.claimed_at.isoformat(),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def take_over_bonus(self, record: BonusRecord, claimed_at: datetime) -> bool:
        """Re-claim a pending record whose claimer vanished; only if nobody changed it meanwhile."""
        try:
            self.table.update_item(
                Key={"pk": _pk(record.customer_id), "sk": f"BONUS#{record.idempotency_key}"},
                UpdateExpression="SET claimed_at = :new",
                ConditionExpression=Attr("status").eq("pending") & Attr("claimed_at").eq(record.claimed_at.isoformat()),
                ExpressionAttributeValues={":new": claimed_at.isoformat()},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release_bonus(self, record: BonusRecord) -> None:
        """Give a pending claim back (the credit failed), so that a retry may claim it at once."""
        try:
            self.table.delete_item(
                Key={"pk": _pk(record.customer_id), "sk": f"BONUS#{record.idempotency_key}"},
                ConditionExpression=Attr("status").eq("pending") & Attr("claimed_at").eq(record.claimed_at.isoformat()),
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def mark_bonus_credited(self, record: BonusRecord, operation_id: str | None, at: datetime) -> BonusRecord:
        values: dict[str, Any] = {":credited": "credited", ":at": at.isoformat()}
        expression = "SET #s = :credited, credited_at = :at"
        if operation_id:
            expression += ", operation_id = :op"
            values[":op"] = operation_id
        answer = self.table.update_item(
            Key={"pk": _pk(record.customer_id), "sk": f"BONUS#{record.idempotency_key}"},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return _to_bonus(answer["Attributes"])

    def bonuses(self, customer_id: str) -> list[BonusRecord]:
        return [_to_bonus(item) for item in self._prefixed(customer_id, "BONUS#")]

    # --- recommendations -------------------------------------------------------------------------------
    def add_recommendation(self, recommendation: Recommendation) -> bool:
        try:
            self.table.put_item(
                Item={
                    "pk": _pk(recommendation.recommender_id),
                    "sk": f"RECOMMENDATION#{recommendation.contact_hash}",
                    "gsi1pk": f"RECOMMENDED#{recommendation.contact_hash}",
                    "gsi1sk": f"{recommendation.recommended_at.isoformat()}#{recommendation.recommender_id}",
                    **recommendation.model_dump(mode="json", exclude_none=True),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def recommendation(self, recommender_id: str, contact_hash: str) -> Recommendation | None:
        item = self.table.get_item(Key={"pk": _pk(recommender_id), "sk": f"RECOMMENDATION#{contact_hash}"}).get("Item")
        return _to_recommendation(item) if item else None

    def recommendations(self, recommender_id: str) -> list[Recommendation]:
        return [_to_recommendation(item) for item in self._prefixed(recommender_id, "RECOMMENDATION#")]

    def recommendations_of(self, contact_hash: str) -> list[Recommendation]:
        """Everyone who recommended the bank to this phone, earliest first."""
        items = self._query(IndexName="gsi1", KeyConditionExpression=Key("gsi1pk").eq(f"RECOMMENDED#{contact_hash}"))
        return sorted((_to_recommendation(item) for item in items), key=lambda r: r.recommended_at)

    def mark_converted(self, recommendation: Recommendation, customer_id: str, at: datetime) -> bool:
        try:
            self.table.update_item(
                Key={"pk": _pk(recommendation.recommender_id), "sk": f"RECOMMENDATION#{recommendation.contact_hash}"},
                UpdateExpression="SET converted_at = :at, converted_customer_id = :c",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(converted_at)",
                ExpressionAttributeValues={":at": at.isoformat(), ":c": customer_id},
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    # --- offer activations -------------------------------------------------------------------------------
    def activation(self, customer_id: str, partner: str, offer_id: str) -> OfferActivation | None:
        item = self.table.get_item(Key={"pk": _pk(customer_id), "sk": f"OFFER#{partner}#{offer_id}"}).get("Item")
        return _to_activation(item) if item else None

    def add_activation(self, activation: OfferActivation) -> bool:
        try:
            self.table.put_item(
                Item={
                    "pk": _pk(activation.customer_id),
                    "sk": f"OFFER#{activation.partner}#{activation.offer_id}",
                    **activation.model_dump(mode="json", exclude_none=True, exclude={"newly_activated"}),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def activations(self, customer_id: str) -> list[OfferActivation]:
        return [_to_activation(item) for item in self._prefixed(customer_id, "OFFER#")]

    # --- the cashback categories chosen for a month ---------------------------------------------------
    def chosen_categories(self, customer_id: str, month: str) -> tuple[str, ...]:
        item = self.table.get_item(
            Key={"pk": f"CUSTOMER#{customer_id}", "sk": f"CASHBACKCHOICE#{month}"}, ConsistentRead=True
        ).get("Item")
        return tuple(str(c) for c in item["categories"]) if item else ()

    def replace_chosen_categories(
        self, customer_id: str, month: str, was: tuple[str, ...], now: tuple[str, ...], at: datetime
    ) -> bool:
        """The month's choice becomes ``now`` if it still is ``was``; False when another choice came first."""
        condition = "attribute_not_exists(pk)" if not was else "categories = :was"
        values: dict[str, Any] = {":was": list(was)} if was else {}
        try:
            self.table.put_item(
                Item={
                    "pk": f"CUSTOMER#{customer_id}",
                    "sk": f"CASHBACKCHOICE#{month}",
                    "categories": list(now),
                    "chosen_at": at.isoformat(),
                },
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
