"""Payment quotes and saved payees in the customers table (table name from CUSTOMERS_TABLE).

    pk                          sk                                what                                 TTL
    PAYQUOTE#<quote id>         QUOTE                             PaymentQuote: payee, account,        expires_at
                                                                  amounts, the source card and
                                                                  account, the payment that claimed it
    CUSTOMER#<customer id>      PAYEE#<service code>#<account>    SavedPayee: name, category, account, -
                                                                  the last amount and when it was paid

A payment claims its quote with a conditional write, so one quote backs at most one payment however
often the journey is started or re-driven; claiming pushes the TTL out by a day. A saved payee is
written (overwritten) after every completed payment: the most recent `last_paid_at` is "the last
payment" the chat offers to repeat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from messenger_bank import quotes
from messenger_bank.payments.errors import PaymentQuoteAlreadyUsed, PaymentQuoteNotFound
from messenger_bank.payments.models import PaymentQuote, SavedPayee
from messenger_bank.tables import InCustomersTable

CLAIMED_TTL_SECONDS = 24 * 3600


def _quote_key(quote_id: str) -> dict[str, str]:
    return {"pk": f"PAYQUOTE#{quote_id}", "sk": "QUOTE"}


def _to_quote(item: dict[str, Any]) -> PaymentQuote:
    return PaymentQuote(
        quote_id=item["quote_id"],
        customer_id=item["customer_id"],
        service_code=item["service_code"],
        payee_name=item["payee_name"],
        category=item["category"],
        account=item["account"],
        source_card_id=item["source_card_id"],
        source_mask=item["source_mask"],
        source_account_id=item["source_account_id"],
        amount_minor=int(item["amount_minor"]),
        fee_minor=int(item["fee_minor"]),
        currency=item["currency"],
        otp_required=bool(item["otp_required"]),  # every quote kept says whether it needs a code
        created_at=datetime.fromisoformat(item["created_at"]),
        expires_at=int(item["expires_at"]),
        payment_id=item.get("payment_id"),
    )


def _to_saved(item: dict[str, Any]) -> SavedPayee:
    return SavedPayee(
        customer_id=item["customer_id"],
        payee_id=item["payee_id"],
        name=item["name"],
        category=item["category"],
        account=item["account"],
        last_amount_minor=int(item["last_amount_minor"]),
        currency=item["currency"],
        last_paid_at=datetime.fromisoformat(item["last_paid_at"]),
    )


class PaymentsRepository(InCustomersTable):
    # --- quotes
    def put_quote(self, quote: PaymentQuote) -> None:
        self.table.put_item(Item={**_quote_key(quote.quote_id), **quote.model_dump(mode="json", exclude_none=True)})

    def get_quote(self, quote_id: str, customer_id: str) -> PaymentQuote:
        item = quotes.owned(self.table, _quote_key(quote_id), customer_id)
        if item is None:
            raise PaymentQuoteNotFound("no such payment quote for this customer", quote_id=quote_id)
        return _to_quote(item)

    def claim_quote(self, quote_id: str, customer_id: str, payment_id: str, *, now: int) -> PaymentQuote:
        """Bind the quote to `payment_id` (again, for the same payment); raises if it is gone or taken."""
        try:
            item = quotes.claim(
                self.table,
                _quote_key(quote_id),
                customer_id=customer_id,
                owner_field="payment_id",
                owner=payment_id,
                now=now,
                keep_seconds=CLAIMED_TTL_SECONDS,
            )
        except quotes.QuoteTaken:
            raise PaymentQuoteAlreadyUsed("the quote backs another payment", quote_id=quote_id) from None
        except quotes.QuoteGone:
            raise PaymentQuoteNotFound("the quote expired or is not this customer's", quote_id=quote_id) from None
        return _to_quote(item)

    # --- saved payees
    def save_payee(self, payee: SavedPayee) -> None:
        self.table.put_item(
            Item={
                "pk": f"CUSTOMER#{payee.customer_id}",
                "sk": f"PAYEE#{payee.payee_id}#{payee.account}",
                **payee.model_dump(mode="json"),
            }
        )

    def saved_payees(self, customer_id: str) -> list[SavedPayee]:
        """Most recently paid first."""
        items = self.table.query(
            KeyConditionExpression=Key("pk").eq(f"CUSTOMER#{customer_id}") & Key("sk").begins_with("PAYEE#")
        )["Items"]  # a query always answers Items, empty when nothing matched
        return sorted((_to_saved(i) for i in items), key=lambda p: p.last_paid_at, reverse=True)
