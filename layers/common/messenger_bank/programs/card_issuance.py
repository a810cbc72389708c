"""The card-issuance journey's step for the programs: once the newcomer's card is issued, the invite
program's two bonuses and the recommend program's milestones the newcomer completes are paid
(``functions/journeys/card_issuance/credit_referral_bonuses``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from messenger_bank.customers.service import CustomersRepository, customer_by_id
from messenger_bank.programs.bank import BonusLedger, CoreBonusLedger
from messenger_bank.programs.invite import on_card_issued
from messenger_bank.programs.models import BonusRole
from messenger_bank.programs.recommend import on_customer_joined
from messenger_bank.programs.referral_operations import CreditReferralBonusesRequest, ReferralBonusesResult
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.terms import Programs, programs


def credit_referral_bonuses(
    request: CreditReferralBonusesRequest,
    *,
    ledger: BonusLedger | None = None,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> ReferralBonusesResult:
    """The step after the card is sent: both invite bonuses (when the newcomer was attributed) and the
    "recommend the bank" milestones the newcomer completes, each credited once however often this
    runs. Only after a card was issued in this journey (a linked existing customer earns nothing)."""
    if request.customer_id is None or request.card is None:
        return ReferralBonusesResult(customer_id=request.customer_id)
    directory = customers or CustomersRepository()
    store_ = repository or ReferralsRepository()
    config = config or programs()
    moment = now or datetime.now(UTC)
    payer = ledger or CoreBonusLedger(customers=directory)
    invite: tuple[BonusRole, ...] = ()
    outcome = on_card_issued(request.customer_id, ledger=payer, repository=store_, config=config, now=moment)
    if outcome is not None:
        invite = tuple(b.role for b in (outcome.referrer_bonus, outcome.newcomer_bonus) if b.status == "credited")
    customer = customer_by_id(request.customer_id, repository=directory)
    milestones = on_customer_joined(
        customer.customer_id, customer.phone, ledger=payer, repository=store_, config=config, now=moment
    )
    return ReferralBonusesResult(
        customer_id=request.customer_id,
        invite_bonuses=invite,
        milestone_bonuses=tuple(b.milestone for b in milestones if b.status == "credited" and b.milestone),
    )
