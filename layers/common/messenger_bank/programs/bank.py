"""The bank and the partners as the programs see them.

The programs ask other systems through small Protocols (``BonusLedger``, ``OperationsSource``,
``PartnerOffers``), so that the tests hand in fakes; below them, the ones the
Lambdas use, over ``messenger_bank.banking.service``:

* ``CoreBonusLedger``: a bonus is a core-banking ``credit`` with ``source: bonus`` to the customer's
  card account, under the bonus's own idempotency key (the bank moves the money once per key).
* ``CoreOperationsSource``: the card accounts' history, read as card purchases and their refunds.
  Core banking's history has no MCC field; the card processing writes a purchase's reference as
  ``purchase mcc=<MCC> [partner=<partner id>] [category=<category>] [merchant=<name>]`` (a refund of
  one: the same reference on a ``refund``). Anything else (transfers, top-ups, bonuses) earns nothing.
* ``PartnersApi``: the partners' REST APIs through APIWrapper-external. Offer pictures are kept per
  warm function for ``PICTURE_TTL_SECONDS`` (a partner's logo changes rarely; the offers list is asked often).

Each takes its client as an optional parameter (tests hand in fakes); by default the cached factories
of ``banking.service`` are used, created on first use.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from messenger_bank.banking import service as bank
from messenger_bank.banking.models import PARTNER_IDS, PartnerId
from messenger_bank.customers.service import CustomersRepository, cards_of, customer_by_id
from messenger_bank.errors import CardNotFound, OperationRejected
from messenger_bank.programs.models import CardOperation

if TYPE_CHECKING:
    # Named only in the protocols: a function that never calls a partner does not define their models, one that
    # never calls core banking (the offers' functions) not core's (issue 20: 0.07x of `import boto3`).
    from messenger_bank.banking.models.core import Card as BankCard
    from messenger_bank.banking.models.core import CreditRequest, HistoryEntry, Operation
    from messenger_bank.banking.models.partners import Activation, Offer


class BonusLedger(Protocol):
    """Core banking: credits a bonus to the customer's card account. The bank deduplicates by the
    idempotency key, so the same key credited twice moves money once. Returns the bank's operation id."""

    def credit_bonus(
        self, customer_id: str, amount_minor: int, currency: str, idempotency_key: str, /
    ) -> str | None: ...


class OperationsSource(Protocol):
    """Core banking: the customer's card operations (purchases and refunds) in ``[since, until)``."""

    def operations(self, customer_id: str, since: datetime, until: datetime, /) -> list[CardOperation]: ...


class PartnerBrand(Protocol):
    """A partner's colours (``banking.models.OfferBrand``): ``#RRGGBB``."""

    @property
    def background(self) -> str: ...
    @property
    def foreground(self) -> str: ...


class PartnerOffer(Protocol):
    """An offer as a partner's API describes it (``banking.models.Offer`` has this shape)."""

    @property
    def offer_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def cashback_percent(self) -> int | Decimal: ...
    @property
    def valid_until(self) -> date | None: ...
    @property
    def brand(self) -> PartnerBrand | None: ...
    @property
    def image_url(self) -> str | None: ...


class PartnerActivation(Protocol):
    @property
    def activation_id(self) -> str: ...
    @property
    def promo_code(self) -> str: ...


class PartnerOffers(Protocol):
    """The partners' APIs (through APIWrapper-external). ``customer_ref`` is a per-partner pseudonym,
    never our customer id; activating twice is safe at the partner."""

    def offers(self, partner: str, /) -> Sequence[PartnerOffer]: ...

    def picture(self, partner: str, url: str, /) -> bytes:
        """An offer's picture (``PartnerOffer.image_url``), only from under the partner's own API."""
        ...

    def activate(self, partner: str, offer_id: str, customer_ref: str, /) -> PartnerActivation: ...


# How many history lines of each account are read for "this month" (a month of a busy card fits).
HISTORY_DEPTH = 500
PICTURE_TTL_SECONDS = 3600
PICTURES_KEPT = 64
BONUS_REFERENCE = "Messenger Bank bonus"
_PURCHASE = re.compile(r"^\s*purchase\b(?P<fields>.*)$", re.IGNORECASE)
_FIELD = re.compile(r"(?P<key>mcc|partner|category|merchant)=(?P<value>[^\s;]+)", re.IGNORECASE)


class CoreBank(Protocol):
    """What the adapters ask core banking (``banking.clients.core.CoreClient`` has it)."""

    def cards(self, customer_id: str) -> list[BankCard]: ...
    def history(self, account_id: str, limit: int = 20) -> list[HistoryEntry]: ...
    def credit(self, request: CreditRequest) -> Operation: ...


class PartnersBank(Protocol):
    """``banking.clients.partners.PartnersClient``."""

    def offers(self, partner: PartnerId) -> list[Offer]: ...
    def picture(self, partner: PartnerId, url: str) -> bytes: ...
    def activate(self, partner: PartnerId, offer_id: str, customer_ref: str) -> Activation: ...


def card_accounts(customer_id: str, *, core: CoreBank, customers: CustomersRepository) -> list[str]:
    """The customer's card accounts at the bank, those of the cards our table records first."""
    customer = customer_by_id(customer_id, repository=customers)
    ours = {card.card_id for card in cards_of(customer_id, repository=customers)}
    cards = sorted(core.cards(customer.bank_customer_id), key=lambda c: (c.card_id not in ours, c.form != "virtual"))
    return list(dict.fromkeys(card.account_id for card in cards))


class CoreBonusLedger:
    """``BonusLedger`` over core banking: credit the customer's (first) card account."""

    def __init__(self, core: CoreBank | None = None, customers: CustomersRepository | None = None) -> None:
        self._core = core
        self._customers = customers

    def credit_bonus(self, customer_id: str, amount_minor: int, currency: str, idempotency_key: str, /) -> str | None:
        core = self._core or bank.core_client()
        accounts = card_accounts(customer_id, core=core, customers=self._customers or CustomersRepository())
        if not accounts:
            raise CardNotFound("the customer has no card account to credit the bonus to")
        from messenger_bank.banking.models.core import CreditRequest  # the one core model built here

        request = CreditRequest(
            account_id=accounts[0],
            source="bonus",
            amount=amount_minor,
            currency=currency,
            idempotency_key=idempotency_key,
            reference=BONUS_REFERENCE,
        )
        return core.credit(request).operation_id  # banking.service.credit, on this client


def purchase_of(entry: HistoryEntry) -> CardOperation | None:
    """A history line as a card purchase (or its refund), or ``None`` when it is not one."""
    match = _PURCHASE.match(entry.reference or "")
    if match is None or entry.amount == 0:
        return None
    if entry.kind in ("debit", "purchase") and entry.amount < 0:
        kind = "purchase"
    elif entry.kind == "refund" and entry.amount > 0:
        kind = "refund"
    else:
        return None
    fields = {m["key"].lower(): m["value"] for m in _FIELD.finditer(match["fields"])}
    mcc = fields.get("mcc")
    created = entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC)
    return CardOperation(
        operation_id=entry.operation_id,
        kind=kind,
        amount_minor=abs(entry.amount),
        currency=entry.currency,
        mcc=mcc if mcc and re.fullmatch(r"\d{4}", mcc) else None,
        category=fields.get("category", "").lower() or None,
        partner=fields.get("partner", "").lower() or None,
        occurred_at=created,
    )


class CoreOperationsSource:
    """``OperationsSource`` over core banking's account history."""

    def __init__(self, core: CoreBank | None = None, customers: CustomersRepository | None = None) -> None:
        self._core = core
        self._customers = customers

    def operations(self, customer_id: str, since: datetime, until: datetime, /) -> list[CardOperation]:
        core = self._core or bank.core_client()
        accounts = card_accounts(customer_id, core=core, customers=self._customers or CustomersRepository())
        found: dict[str, CardOperation] = {}
        for account in accounts:
            for entry in core.history(account, HISTORY_DEPTH):
                operation = purchase_of(entry)
                if operation is not None and since <= operation.occurred_at < until:
                    found[f"{operation.kind}:{operation.operation_id}"] = operation
        return list(found.values())


class PictureCache:
    """Offer pictures by URL, each kept ``PICTURE_TTL_SECONDS``, the ``PICTURES_KEPT`` most recent."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> bytes | None:
        with self._lock:
            found = self._kept.get(url)
            if found is None or time.monotonic() - found[0] > PICTURE_TTL_SECONDS:
                return None
            self._kept.move_to_end(url)
            return found[1]

    def put(self, url: str, picture: bytes) -> None:
        with self._lock:
            self._kept[url] = (time.monotonic(), picture)
            self._kept.move_to_end(url)
            while len(self._kept) > PICTURES_KEPT:
                self._kept.popitem(last=False)


PICTURES = PictureCache()


class PartnersApi:
    """``PartnerOffers`` over the partners' clients; a partner we hold no client for is unavailable."""

    def __init__(self, client: PartnersBank | None = None, pictures: PictureCache | None = None) -> None:
        self._client = client
        self._pictures = pictures or PICTURES

    def _partner(self, partner: str) -> PartnerId:
        if partner not in PARTNER_IDS:
            raise OperationRejected(f"no API for partner {partner}")
        return partner

    def offers(self, partner: str, /) -> Sequence[Offer]:
        known = self._partner(partner)
        return (self._client or bank.partners_client()).offers(known)

    def picture(self, partner: str, url: str, /) -> bytes:
        known = self._partner(partner)
        kept = self._pictures.get(url)
        if kept is not None:
            return kept
        picture = (self._client or bank.partners_client()).picture(known, url)
        self._pictures.put(url, picture)
        return picture

    def activate(self, partner: str, offer_id: str, customer_ref: str, /) -> Activation:
        known = self._partner(partner)
        return (self._client or bank.partners_client()).activate(known, offer_id, customer_ref)
