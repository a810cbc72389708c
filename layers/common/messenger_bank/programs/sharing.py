"""What a referrer shares (operation get_referral): the code, this messenger's link and the share picture, drawn
and stored. Apart from programs/invite.py so that the programme's functions that draw no picture (the registration,
the card-issuance bonuses, "recommend") do not load the pictures' models and store (issue 20)."""

from __future__ import annotations

from messenger_bank.customers.service import CustomersRepository, customer_by_id
from messenger_bank.images.models import SharePictureRequest
from messenger_bank.images.storage import nicety_picture_url
from messenger_bank.money import format_money
from messenger_bank.programs.referral_operations import GetReferralRequest, ReferralInfo
from messenger_bank.programs.referrer import referral_progress, share_links
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import ReferralSettings, settings
from messenger_bank.programs.terms import Programs, programs
from messenger_bank.types import Channel, Language


def share_picture_request(
    code: str,
    channel: Channel,
    language: Language,
    *,
    headline: str | None = None,
    config: ReferralSettings | None = None,
) -> SharePictureRequest:
    """What ImageAPI's ``share_picture`` draws: the channel's link as a QR code, and the code."""
    return SharePictureRequest(
        language=language, link=share_links(code, config=config).for_channel(channel), code=code, headline=headline
    )


def share_picture_url(request: SharePictureRequest, config: ReferralSettings, owner: str) -> str | None:
    """The share picture in S3 as a presigned link; without it the customer still gets the code and link."""
    if not config.media_bucket:
        return None
    from messenger_bank.images.share import share_picture  # Pillow and qrcode only in the function that draws

    return nicety_picture_url("share", lambda: share_picture(request), bucket=config.media_bucket, owner=owner)


def get_referral(
    request: GetReferralRequest,
    *,
    customers: CustomersRepository | None = None,
    repository: ReferralsRepository | None = None,
    config: Programs | None = None,
    referral_settings: ReferralSettings | None = None,
) -> ReferralInfo:
    directory = customers or CustomersRepository()
    config = config or programs()
    links_config = referral_settings or settings()
    customer = customer_by_id(request.customer_id, repository=directory)
    language = request.language or customer.language
    code = customer.referral_code
    progress = referral_progress(customer.customer_id, repository=repository, config=config)
    picture = share_picture_request(code, request.channel, language, config=links_config)
    invite = config.invite
    return ReferralInfo(
        code=code,
        link=share_links(code, config=links_config).for_channel(request.channel),
        picture_url=share_picture_url(picture, links_config, customer.customer_id),
        invited=progress.joined,
        pending=progress.invited - progress.joined,
        bonus=format_money(invite.referrer_bonus.amount_minor, invite.referrer_bonus.currency, language),
        newcomer_bonus=format_money(invite.newcomer_bonus.amount_minor, invite.newcomer_bonus.currency, language),
        earned=format_money(progress.bonus_total_minor, progress.currency, language),
        invited_this_month=progress.invited_this_month,
        monthly_cap=progress.monthly_cap,
    )
