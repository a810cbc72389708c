"""Pay a bonus exactly once: claim its row, credit the ledger with the row's idempotency key, mark it.

Two callers with the same key (a retried step, a concurrent duplicate) race on a conditional put; the
loser does not call the ledger. A claim whose caller died is taken over after ``STALE_AFTER``; a
failed credit releases the claim so that the retry can start at once. Even when a credit is sent twice
(the answer was lost, then the claim was taken over), the ledger's own idempotency key makes it one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from messenger_bank.observability import logger
from messenger_bank.programs.bank import BonusLedger
from messenger_bank.programs.models import BonusRecord
from messenger_bank.programs.repository import ReferralsRepository

STALE_AFTER = timedelta(minutes=2)


def pay_once(bonus: BonusRecord, *, ledger: BonusLedger, repository: ReferralsRepository, now: datetime) -> BonusRecord:
    """Returns the bonus as stored: ``credited``, or ``pending`` while another caller is crediting it."""
    claim = bonus.model_copy(update={"status": "pending", "claimed_at": now, "credited_at": None})
    if not repository.claim_bonus(claim):
        existing = repository.bonus(bonus.customer_id, bonus.idempotency_key)
        if existing is None:  # released between our put and our read: someone else is on it
            return claim
        if existing.status == "credited" or existing.claimed_at > now - STALE_AFTER:
            return existing
        if not repository.take_over_bonus(existing, now):
            return repository.bonus(bonus.customer_id, bonus.idempotency_key) or existing
        logger.warning("taking over a stale bonus claim", extra={"idempotency_key": bonus.idempotency_key})
        claim = existing.model_copy(update={"claimed_at": now})
    try:
        operation_id = ledger.credit_bonus(claim.customer_id, claim.amount_minor, claim.currency, claim.idempotency_key)
    except Exception:
        repository.release_bonus(claim)
        raise
    credited = repository.mark_bonus_credited(claim, operation_id, now)
    logger.info(
        "bonus credited",
        extra={
            "customer_id": credited.customer_id,
            "program": credited.program,
            "role": credited.role,
            "amount_minor": credited.amount_minor,
            "currency": credited.currency,
            "idempotency_key": credited.idempotency_key,
        },
    )
    return credited
