"""A chat's proof of the customer (the card, the bank password, or the card-issuance journey): the fresh auth_time
its next session carries. Apart from signin/service.py (tokens, links, attempts) so that the card-issuance step that
records a proof does not load them (issue 20); signin.service re-exports it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from messenger_bank.customers.service import CustomersRepository, record_authentication


def record_proof(
    customer_id: str, chat_binding: str, *, now: datetime | None = None, customers: CustomersRepository | None = None
) -> None:
    """This chat proved the card or the bank password now: the next session carries a fresh auth_time."""
    record_authentication(customer_id, chat_binding, now or datetime.now(UTC), repository=customers)
