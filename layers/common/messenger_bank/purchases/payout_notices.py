"""The month's cashback payout, step 3 (purchases/payout.py): for a month just paid, once, the receipt picture and
one notice per chat of the customer. Apart from the run and the payment so that their functions load no catalogue,
picture models or messenger models (issue 20)."""

from __future__ import annotations

from messenger_bank.channels.models import ChatRef
from messenger_bank.conversation.catalogue import has, text
from messenger_bank.customers.service import CustomersRepository, customer_by_id, identities_of
from messenger_bank.ids import random_id
from messenger_bank.images.models import ReceiptRequest
from messenger_bank.images.settings import media_settings
from messenger_bank.images.storage import store
from messenger_bank.money import format_money
from messenger_bank.programs.cashback import month_words
from messenger_bank.programs.terms import Programs, programs
from messenger_bank.purchases.models import PayoutItem, PayoutNotice, PayoutNotices, PayoutTelling
from messenger_bank.purchases.payout import Clock, _now
from messenger_bank.purchases.repository import AccrualsRepository
from messenger_bank.types import Language


def _category(category: str, language: Language) -> str:
    key = f"cashback.category.{category}"
    return text(key, language) if has(key) else category


def _by_category(item: PayoutItem, store: AccrualsRepository, terms: Programs, language: Language) -> str:
    """The month's cashback by category, largest first, in the customer's words."""
    totals: dict[str, int] = {}
    for accrual in store.accruals(item.customer_id, item.month):
        category = terms.category_for_mcc(accrual.mcc) or "other"
        totals[category] = totals.get(category, 0) + accrual.cashback_minor
    lines = [
        f"{_category(name, language)}: {format_money(amount, terms.currency, language)}"
        for name, amount in sorted(totals.items(), key=lambda entry: -entry[1])
        if amount > 0
    ]
    return ", ".join(lines)


def payout_notices(
    item: PayoutTelling,
    *,
    accruals: AccrualsRepository | None = None,
    customers: CustomersRepository | None = None,
    config: Programs | None = None,
    bucket: str | None = None,
    clock: Clock = _now,
) -> PayoutNotices:
    """Step 3: for a month just paid, once, the receipt picture and a notice for each chat of the customer."""
    store = accruals or AccrualsRepository()
    directory = customers or CustomersRepository()
    terms = config or programs()
    chats = identities_of(item.customer_id, repository=directory)
    # A run names itself; a caller without one (a script, a test) is a run of its own.
    run = item.run or random_id(8)
    if not chats or not store.claim_payout_telling(item.customer_id, item.month, clock(), by=run):
        return PayoutNotices(notices=())
    payout = store.payout(item.customer_id, item.month)
    if payout is None or payout.operation_id is None:  # pragma: no cover - claimed only when paid
        raise ValueError("a paid month without its credit")
    language = customer_by_id(item.customer_id, repository=directory).language
    month = month_words(item.month, language)
    categories = _by_category(item, store, terms, language)
    from messenger_bank.images.receipt import receipt_picture  # Pillow only in the function that draws

    picture = receipt_picture(
        ReceiptRequest(
            language=language,
            kind="cashback",
            amount=payout.amount_minor,
            currency=terms.currency,
            details=f"{month}: {categories}"[:160] if categories else month,
            occurred_at=payout.settled_at or clock(),
            operation_id=payout.operation_id[:64],
        )
    )
    stored = store_picture(picture, bucket, owner=item.customer_id)
    values = {
        "month": month,
        "amount": format_money(payout.amount_minor, terms.currency, language),
        "categories": categories,
    }
    notices = tuple(
        PayoutNotice(
            chat_key=ChatRef(channel=identity.channel, chat_id=identity.chat_id).key,
            language=language,
            values=values,
            picture_url=stored,
        )
        for identity in chats
    )
    return PayoutNotices(notices=notices)


def store_picture(picture: bytes, bucket: str | None, *, owner: str | None = None) -> str:
    return store("receipt", picture, "image/png", bucket=bucket or media_settings().bucket(), owner=owner).url
