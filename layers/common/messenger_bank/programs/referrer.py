"""The referrer's side of the invite programme, read only: their code as a link on every messenger, and how many
friends joined. Apart from programs/invite.py (attribution and the bonuses, which move money through the bank) so
that showing them (GetReferral) loads no bank client (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from messenger_bank.programs.referral_operations import ReferralProgress, ShareLinks
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import ReferralSettings, settings
from messenger_bank.programs.terms import Programs, programs


def share_links(code: str, *, config: ReferralSettings | None = None) -> ShareLinks:
    """The code as a deep link on every messenger; each platform hands the code back at the first message.
    Raises ``DeepLinksNotConfigured`` where the bot's names were not given (see ``settings.py``)."""
    bot = (config or settings()).deep_links()
    safe = quote(code, safe="")
    return ShareLinks(
        code=code,
        telegram=f"https://t.me/{bot.telegram_bot_username}?start={safe}",
        viber=f"viber://pa?chatURI={quote(bot.viber_chat_uri, safe='')}&context={safe}",
        whatsapp=f"https://wa.me/{bot.whatsapp_business_number}?text={quote(f'start {code}', safe='')}",
        messenger=f"https://m.me/{quote(bot.messenger_page, safe='')}?ref={safe}",
    )


def referral_progress(
    customer_id: str,
    *,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    now: datetime | None = None,
) -> ReferralProgress:
    """ "3 friends joined, 2 bonuses paid": the referrer's side of the invite program."""
    config = config or programs()
    store = repository or ReferralsRepository()
    friends = store.attributions_by_referrer(customer_id)
    paid = [
        b
        for b in store.bonuses(customer_id)
        if b.program == "invite" and b.role == "referrer" and b.status == "credited"
    ]
    return ReferralProgress(
        customer_id=customer_id,
        invited=len(friends),
        joined=sum(1 for f in friends if f.card_issued_at is not None),
        bonuses_paid=len(paid),
        bonus_total_minor=sum(b.amount_minor for b in paid),
        currency=config.currency,
        invited_this_month=store.invites_in_month(customer_id, config.month_of(now or datetime.now(UTC))),
        monthly_cap=config.invite.monthly_cap,
    )
