"""The step-up policy for money out, one place for every kind: transfers, bill payments, paying a money
request (README, "Money out: what needs a code, what is refused").

At quote time `needs_code` reads today's counter: past the daily limit the quote is refused, past the
amount free of a code the quote says a code is needed. At debit time `reserve` adds the operation to
the counter atomically, under the daily limit when its code was checked and under the free amount when
not: a quote made before other money went out, or a journey that skipped its code, is refused then
(CodeRequired), and two debits at once cannot both pass a ceiling. `give_back` undoes a reservation
whose money did not leave (a refusal, a refund, a void). Every call is keyed by the operation's id, so
a retried step counts once and gives back once.

The code itself is sent and checked here too (`send_code`, `check_code`), keyed by a challenge (the
quote's id, or the money request's attempt), so every journey asks for it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from messenger_bank.banking import service as bank
from messenger_bank.customers import service as customers
from messenger_bank.customers.service import CustomersRepository
from messenger_bank.errors import InvalidOneTimeCode
from messenger_bank.observability import logger, metrics
from messenger_bank.spending.errors import CodeRequired, DailyLimitExceeded
from messenger_bank.spending.repository import OverCeiling, SpendingRepository
from messenger_bank.spending.settings import SpendingSettings, spending_settings

if TYPE_CHECKING:
    from messenger_bank.banking.service import CerberusClient

Clock = Callable[[], datetime]
# The bank's day: Minsk, UTC+3 all year.
BANK_DAY = timezone(timedelta(hours=3))
# A code is typed within the journey's wait (15 minutes by default); the debit follows at once.
CHALLENGE_SECONDS = 1800


def _now() -> datetime:
    return datetime.now(UTC)


def bank_day(moment: datetime) -> str:
    """The bank's date of a moment, ``yyyy-mm-dd`` in Minsk."""
    return moment.astimezone(BANK_DAY).date().isoformat()


def code_needed(spent_today: int, amount: int, settings: SpendingSettings) -> bool:
    """The rule: DailyLimitExceeded past the daily limit; a code past the amount free of one (both on today's
    money out with this operation)."""
    after = spent_today + amount
    if after > settings.limit_per_day_minor:
        raise DailyLimitExceeded("above the daily limit", limit="per_day")
    return after > settings.free_per_day_minor


def needs_code(
    customer_id: str,
    amount: int,
    *,
    settings: SpendingSettings | None = None,
    repository: SpendingRepository | None = None,
    clock: Clock = _now,
) -> bool:
    """At quote time: whether this amount needs a code today; DailyLimitExceeded past the daily limit."""
    spent = (repository or SpendingRepository()).spent(customer_id, bank_day(clock()))
    return code_needed(spent, amount, settings or spending_settings())


def reserve(
    customer_id: str,
    operation_id: str,
    amount: int,
    *,
    code_checked: bool,
    settings: SpendingSettings | None = None,
    repository: SpendingRepository | None = None,
    clock: Clock = _now,
) -> None:
    """At debit time, before the bank is asked: count the amount in today's money out, atomically.
    DailyLimitExceeded past the daily limit; CodeRequired past the free amount without a checked code.
    A retry of the same operation counts nothing again."""
    config = settings or spending_settings()
    store = repository or SpendingRepository()
    now = clock()
    day = bank_day(now)
    ceiling = config.limit_per_day_minor if code_checked else config.free_per_day_minor
    try:
        store.reserve(customer_id, operation_id, amount, day=day, ceiling=ceiling, now=int(now.timestamp()))
    except OverCeiling:
        if code_checked or store.spent(customer_id, day) + amount > config.limit_per_day_minor:
            raise DailyLimitExceeded("above the daily limit", limit="per_day") from None
        metrics.add_metric(name="StepUpRefusedAtDebit", unit="Count", value=1)
        raise CodeRequired("today's money out needs a code from here on") from None
    logger.info("money out counted", extra={"operation_id": operation_id, "code_checked": code_checked})


def give_back(
    customer_id: str, operation_id: str, *, repository: SpendingRepository | None = None, clock: Clock = _now
) -> None:
    """The operation's money did not leave (refused, refunded, voided): today's money out forgets it, once."""
    released = (repository or SpendingRepository()).release(customer_id, operation_id, now=int(clock().timestamp()))
    logger.info("money out given back", extra={"operation_id": operation_id, "released": released})


@contextmanager
def counted(
    customer_id: str,
    operation_id: str,
    amount: int,
    *,
    challenge: str,
    refusals: tuple[type[Exception], ...],
    settings: SpendingSettings | None = None,
    repository: SpendingRepository | None = None,
    clock: Clock = _now,
) -> Iterator[None]:
    """Money out that a quote's code may have stepped up: ``reserve`` before the block (the code checked
    for `challenge` lifts the ceiling to the daily limit), ``give_back`` when the block raises one of
    `refusals` (the bank refused: nothing left), which is raised again. Anything else the block raises
    keeps the count: the money may have left."""
    store = repository or SpendingRepository()
    checked = code_checked(challenge, customer_id, repository=store)
    reserve(customer_id, operation_id, amount, code_checked=checked, settings=settings, repository=store, clock=clock)
    try:
        yield
    except refusals:
        give_back(customer_id, operation_id, repository=store, clock=clock)
        raise


# --- the code ---------------------------------------------------------------------------------------
def send_code(
    challenge: str,
    customer_id: str,
    *,
    purpose: str,
    repository: SpendingRepository | None = None,
    customers_repository: CustomersRepository | None = None,
    cerberus: CerberusClient | None = None,
    clock: Clock = _now,
) -> None:
    """Cerberus sends a one-time code to the customer's phone; the challenge keeps its id."""
    customer = customers.customer_by_id(customer_id, repository=customers_repository)
    sent = bank.send_code(customer.phone, purpose, cerberus=cerberus)
    expires_at = int(clock().timestamp()) + CHALLENGE_SECONDS
    (repository or SpendingRepository()).put_challenge(challenge, customer_id, sent.otp_id, expires_at=expires_at)


def check_code(
    challenge: str,
    customer_id: str,
    code: str,
    *,
    repository: SpendingRepository | None = None,
    cerberus: CerberusClient | None = None,
    clock: Clock = _now,
) -> None:
    """The code the customer typed, checked by Cerberus; InvalidOneTimeCode when none was sent or typed
    (or it is wrong)."""
    store = repository or SpendingRepository()
    kept = store.challenge(challenge, customer_id)
    if kept is None or not code:
        raise InvalidOneTimeCode("no code was sent or typed", attempts_left=0)
    bank.check_code(str(kept["otp_id"]), code, cerberus=cerberus)
    store.mark_checked(challenge, now=int(clock().timestamp()))


def code_checked(challenge: str, customer_id: str, *, repository: SpendingRepository | None = None) -> bool:
    kept = (repository or SpendingRepository()).challenge(challenge, customer_id)
    return kept is not None and "checked_at" in kept
