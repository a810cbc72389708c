"""Invite a new client: attribution at arrival, and both bonuses when the newcomer's card is issued. What the
referrer sees (the share links, the progress) is programs/referrer.py.

Abuse is refused before any money can move, each with its own error (``errors.py``): an unknown code,
self-referral, the same person twice (their customer, phone or passport hash already attributed), a
person who is already a customer, and more friends in a calendar month than ``invite.monthly_cap``.
The cap counts attributions (each can earn the referrer one bonus), in the month of the attribution.

The operation: ``attribute_at_registration`` (registration's hook); ``on_card_issued`` pays the bonuses
(programs/card_issuance.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from messenger_bank.customers.models import Customer
from messenger_bank.customers.service import (
    CustomersRepository,
    cards_of,
    customer_by_phone,
    customer_by_referral_code,
    customer_or_none,
)
from messenger_bank.observability import logger, metrics
from messenger_bank.programs.bank import (
    BonusLedger,
)
from messenger_bank.programs.bonuses import pay_once
from messenger_bank.programs.errors import (
    AlreadyReferred,
    ProgramDisabled,
    ReferralLimitReached,
    ReferralRefused,
    ReferredPersonIsCustomer,
    SelfReferral,
    UnknownReferralCode,
)
from messenger_bank.programs.keys import (
    check_passport_hash,
    invite_bonus_key,
    normalise_phone,
    passport_hash,
    phone_hash,
)
from messenger_bank.programs.models import Attribution, BonusRecord, BonusRole
from messenger_bank.programs.referral_operations import CardIssuedOutcome
from messenger_bank.programs.repository import AttributionConflict, ReferralsRepository
from messenger_bank.programs.terms import Money, Programs, programs


def _refuse(error: ReferralRefused, newcomer_id: str, referrer_id: str | None = None) -> ReferralRefused:
    logger.info(
        "referral refused",
        extra={"reason": type(error).__name__, "newcomer_id": newcomer_id, "referrer_id": referrer_id},
    )
    return error


def attribute(
    newcomer_customer_id: str,
    code: str,
    *,
    newcomer_phone: str,
    newcomer_passport_hash: str | None = None,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> Attribution:
    """Attribute a newcomer to the customer whose code they arrived with; the same call again returns
    the same attribution. Raises a ``ReferralRefused`` subclass when the referral cannot count."""
    config = config or programs()
    directory = customers or CustomersRepository()
    store = repository or ReferralsRepository()
    moment = now or datetime.now(UTC)
    newcomer = newcomer_customer_id
    if not config.invite.enabled:
        raise ProgramDisabled("the invite program is switched off")
    phone = normalise_phone(newcomer_phone)
    if phone is None:
        raise ValueError("newcomer_phone is not a phone number")
    passport = check_passport_hash(newcomer_passport_hash) if newcomer_passport_hash else None

    referrer = customer_by_referral_code(code.strip().upper(), repository=directory)
    if referrer is None:
        raise _refuse(UnknownReferralCode("no customer has this referral code"), newcomer)
    referrer_id = referrer.customer_id
    if referrer_id == newcomer or referrer.phone == phone:
        raise _refuse(SelfReferral("a customer cannot refer themselves"), newcomer, referrer_id)

    existing = store.attribution(newcomer)
    if existing is not None:
        if existing.referrer_id == referrer_id:
            return existing
        raise _refuse(AlreadyReferred("this newcomer was already referred"), newcomer, referrer_id)

    owner = customer_by_phone(phone, repository=directory)
    if owner is not None and owner.customer_id != newcomer:
        raise _refuse(ReferredPersonIsCustomer("this person is already a customer"), newcomer, referrer_id)

    _check_guards(store, newcomer, referrer_id, phone_hash(phone), passport)
    month = config.month_of(moment)
    cap = config.invite.monthly_cap
    if store.invites_in_month(referrer_id, month) >= cap:
        raise _refuse(ReferralLimitReached(f"at most {cap} friends a month", cap=cap), newcomer, referrer_id)

    attribution = Attribution(
        newcomer_id=newcomer, referrer_id=referrer_id, code=referrer.referral_code, month=month, attributed_at=moment
    )
    try:
        store.add_attribution(attribution, phone_hash=phone_hash(phone), passport_hash=passport, monthly_cap=cap)
    except AttributionConflict:
        # Someone wrote first (a concurrent duplicate, or a friend who took the last slot): say who.
        raced = store.attribution(newcomer)
        if raced is not None and raced.referrer_id == referrer_id:
            return raced
        _check_guards(store, newcomer, referrer_id, phone_hash(phone), passport)
        if store.invites_in_month(referrer_id, month) >= cap:
            raise _refuse(
                ReferralLimitReached(f"at most {cap} friends a month", cap=cap), newcomer, referrer_id
            ) from None
        raise _refuse(AlreadyReferred("this newcomer was already referred"), newcomer, referrer_id) from None
    logger.info("referral attributed", extra={"newcomer_id": newcomer, "referrer_id": referrer_id, "month": month})
    return attribution


def _check_guards(
    store: ReferralsRepository, newcomer: str, referrer_id: str, phone_digest: str, passport: str | None
) -> None:
    for kind, value in (("PHONE", phone_digest), ("PASSPORT", passport)):
        if value is None:
            continue
        owner = store.guard_owner(kind, value)
        if owner is None or owner == newcomer:
            continue
        if owner == referrer_id:
            raise _refuse(SelfReferral("the newcomer is the referrer"), newcomer, referrer_id)
        raise _refuse(AlreadyReferred("this person was already referred"), newcomer, referrer_id)


def on_card_issued(
    newcomer_customer_id: str,
    *,
    ledger: BonusLedger,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> CardIssuedOutcome | None:
    """Credit the referrer's and the newcomer's bonuses, once each however often this runs.
    ``None`` when the newcomer came without a (valid) referral."""
    config = config or programs()
    store = repository or ReferralsRepository()
    moment = now or datetime.now(UTC)
    attribution = store.attribution(newcomer_customer_id)
    if attribution is None:
        return None
    attribution = store.mark_card_issued(newcomer_customer_id, moment)
    sides: tuple[tuple[BonusRole, str, str, Money], ...] = (
        ("referrer", attribution.referrer_id, attribution.newcomer_id, config.invite.referrer_bonus),
        ("newcomer", attribution.newcomer_id, attribution.referrer_id, config.invite.newcomer_bonus),
    )
    paid: dict[BonusRole, BonusRecord] = {}
    for role, beneficiary, other, money in sides:
        bonus = BonusRecord(
            idempotency_key=invite_bonus_key(attribution.referrer_id, attribution.newcomer_id, role),
            customer_id=beneficiary,
            program="invite",
            role=role,
            amount_minor=money.amount_minor,
            currency=money.currency,
            status="pending",
            claimed_at=moment,
            related_customer_id=other,
        )
        paid[role] = pay_once(bonus, ledger=ledger, repository=store, now=moment)
    return CardIssuedOutcome(attribution=attribution, referrer_bonus=paid["referrer"], newcomer_bonus=paid["newcomer"])


# --- the operations: what the Lambdas call --------------------------------------------------------
def attribute_at_registration(
    customer: Customer,
    *,
    passport_number: str,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> Attribution | None:
    """Registration's hook: a newcomer created with a friend's code (``Customer.referred_by``) is
    attributed to that friend, with the abuse checks of ``service.attribute``. Only while the customer
    has no card (a retried registration is still a newcomer; a customer re-applying is not).

    Never raises: a refused referral is logged by ``attribute``, any other failure here is logged and
    counted (``ReferralAttributionFailed``); the person gets their card either way."""
    if customer.referred_by is None:
        return None
    directory = customers or CustomersRepository()
    try:
        if cards_of(customer.customer_id, repository=directory):
            return None
        referrer = customer_or_none(customer.referred_by, repository=directory)
        if referrer is None:
            return None
        return attribute(
            customer.customer_id,
            referrer.referral_code,
            newcomer_phone=customer.phone,
            newcomer_passport_hash=passport_hash(passport_number),
            customers=directory,
            repository=repository,
            config=config,
            now=now,
        )
    except (ReferralRefused, ProgramDisabled):
        return None
    except Exception:
        logger.exception("referral attribution failed", extra={"customer_id": customer.customer_id})
        metrics.add_metric(name="ReferralAttributionFailed", unit="Count", value=1)
        return None
