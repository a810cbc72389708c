"""Quotes in the customers table (table name from CUSTOMERS_TABLE), beside the customers' own items.

    pk                 sk       what                                              TTL
    QUOTE#<quote id>   QUOTE    Quote: token + mask of the recipient, amounts,    expires_at
                                the source card, the transfer that claimed it,
                                when the recipient was told (recipient_told_at)

A transfer claims its quote with a conditional write, so one quote backs at most one transfer, however
often a journey is started or re-driven. Claiming pushes the TTL out by a day: a transfer in progress
(or in compensation) always finds its quote. Marking the recipient as told is a conditional write too,
so a retried or re-driven step tells them once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from messenger_bank import quotes
from messenger_bank.tables import InCustomersTable
from messenger_bank.transfers.errors import QuoteAlreadyUsed, QuoteNotFound
from messenger_bank.transfers.models import Quote

CLAIMED_TTL_SECONDS = 24 * 3600


def _key(quote_id: str) -> dict[str, str]:
    return {"pk": f"QUOTE#{quote_id}", "sk": "QUOTE"}


def _to_item(quote: Quote) -> dict[str, Any]:
    item = quote.model_dump(mode="json", exclude_none=True)
    return {**_key(quote.quote_id), **item}


def _to_quote(item: dict[str, Any]) -> Quote:
    return Quote(
        quote_id=item["quote_id"],
        customer_id=item["customer_id"],
        card_token=item["card_token"],
        mask=item["mask"],
        source_card_id=item["source_card_id"],
        source_mask=item["source_mask"],
        amount_minor=int(item["amount_minor"]),
        fee_minor=int(item["fee_minor"]),
        currency=item["currency"],
        otp_required=bool(item["otp_required"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        expires_at=int(item["expires_at"]),
        transfer_id=item.get("transfer_id"),
    )


class QuotesRepository(InCustomersTable):
    def put(self, quote: Quote) -> None:
        self.table.put_item(Item=_to_item(quote))

    def get(self, quote_id: str, customer_id: str) -> Quote:
        item = quotes.owned(self.table, _key(quote_id), customer_id)
        if item is None:
            raise QuoteNotFound("no such quote for this customer", quote_id=quote_id)
        return _to_quote(item)

    def claim(self, quote_id: str, customer_id: str, transfer_id: str, *, now: int) -> Quote:
        """Bind the quote to `transfer_id` (again, for the same transfer); raises if it is gone or taken."""
        try:
            item = quotes.claim(
                self.table,
                _key(quote_id),
                customer_id=customer_id,
                owner_field="transfer_id",
                owner=transfer_id,
                now=now,
                keep_seconds=CLAIMED_TTL_SECONDS,
            )
        except quotes.QuoteTaken:
            raise QuoteAlreadyUsed("the quote backs another transfer", quote_id=quote_id) from None
        except quotes.QuoteGone:
            raise QuoteNotFound("the quote expired or is not this customer's", quote_id=quote_id) from None
        return _to_quote(item)

    def mark_recipient_told(self, quote_id: str, *, now: int) -> bool:
        """Mark the transfer's recipient as told; False when a run of the step marked it already."""
        try:
            self.table.update_item(
                Key=_key(quote_id),
                UpdateExpression="SET recipient_told_at = :t",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(recipient_told_at)",
                ExpressionAttributeValues={":t": now},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def unmark_recipient_told(self, quote_id: str) -> None:
        """Undo the mark when no chat took the notice, so that a re-drive may try again."""
        self.table.update_item(Key=_key(quote_id), UpdateExpression="REMOVE recipient_told_at")
