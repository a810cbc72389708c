"""The programs wired to the running system: the adapters over the bank's clients, the operations the
conversation calls, the attribution at registration and the card-issuance bonus step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from messenger_bank.banking.models.core import Card as BankCard
from messenger_bank.banking.models.core import CreditRequest, HistoryEntry, Operation
from messenger_bank.customers.models import Card, Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import OperationRejected
from messenger_bank.programs.bank import CoreBonusLedger, CoreOperationsSource, PartnersApi, purchase_of
from messenger_bank.programs.card_issuance import credit_referral_bonuses
from messenger_bank.programs.cashback import get_cashback
from messenger_bank.programs.cashback_operations import GetCashbackRequest
from messenger_bank.programs.errors import OfferUnavailable, RecommendationRefused
from messenger_bank.programs.invite import attribute_at_registration
from messenger_bank.programs.keys import invite_bonus_key, passport_hash
from messenger_bank.programs.models import CardOperation
from messenger_bank.programs.offer_list import list_offers
from messenger_bank.programs.offer_operations import ActivateOfferRequest, ListOffersRequest
from messenger_bank.programs.partner_offers import activate_offer, format_percent
from messenger_bank.programs.recommend import get_recommendations, recommend
from messenger_bank.programs.recommend_operations import GetRecommendationsRequest, RecommendRequest
from messenger_bank.programs.referral_operations import CreditReferralBonusesRequest, GetReferralRequest
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import ReferralSettings
from messenger_bank.programs.sharing import get_referral
from messenger_bank.programs.terms import Programs
from tests.support.functions import handler_file, handler_module
from tests.unit.programs.conftest import FakeLedger, FakePartners, PartnerOfferStub, join

JUNE = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
ISSUED = {"card_id": "card_new", "mask": "411111******1111", "expiry": "06/30"}
ROOT = Path(__file__).resolve().parents[3]
BOT = ReferralSettings(
    telegram_bot_username="MessengerBankBot",
    viber_chat_uri="messengerbank",
    whatsapp_business_number="375291000000",
    messenger_page="messengerbank",
)


@dataclass
class FakeCore:
    """Core banking as the adapters see it: cards per bank customer, account history, credits by key."""

    cards_by_customer: dict[str, list[BankCard]] = field(default_factory=dict)
    lines: dict[str, list[HistoryEntry]] = field(default_factory=dict)
    credits: dict[str, CreditRequest] = field(default_factory=dict)

    def add_card(self, bank_customer_id: str, card_id: str, account_id: str) -> None:
        card = BankCard(
            card_id=card_id,
            customer_id=bank_customer_id,
            account_id=account_id,
            masked_pan="411111******1111",
            expiry="06/30",
            product="visa-digital",
            form="virtual",
            status="active",
            cashback_category="everything",
        )
        self.cards_by_customer.setdefault(bank_customer_id, []).append(card)

    def cards(self, customer_id: str) -> list[BankCard]:
        return self.cards_by_customer.get(customer_id, [])

    def history(self, account_id: str, limit: int = 20) -> list[HistoryEntry]:
        return self.lines.get(account_id, [])[:limit]

    def credit(self, request: CreditRequest) -> Operation:
        first = self.credits.setdefault(request.idempotency_key, request)
        return Operation(
            operation_id=f"op-{len(self.credits)}",
            kind="credit",
            amount=first.amount,
            currency=first.currency,
            status="completed",
            created_at=JUNE,
        )

    def balance(self, account_id: str) -> int:
        return sum(r.amount for r in self.credits.values() if r.account_id == account_id)


def give_card(customers: CustomersRepository, core: FakeCore, customer: Customer, suffix: str) -> str:
    """A card in our table and at the bank; returns its account id."""
    card_id, account_id = f"card_{suffix}", f"acc_{suffix}"
    customers.put_card(
        Card(card_id=card_id, customer_id=customer.customer_id, mask="411111******1111", expiry="06/30", issued_at=JUNE)
    )
    core.add_card(customer.bank_customer_id, card_id, account_id)
    return account_id


def line(operation_id: str, kind: str, amount: int, reference: str | None, at: datetime = JUNE) -> HistoryEntry:
    return HistoryEntry(
        operation_id=operation_id, kind=kind, amount=amount, currency="BYN", reference=reference, created_at=at
    )


@pytest.fixture
def core() -> FakeCore:
    return FakeCore()


@pytest.fixture
def referrer(customers: CustomersRepository, core: FakeCore) -> Customer:
    customer = join(customers, "BANK-REFERRER", "+375291111111")
    give_card(customers, core, customer, "referrer")
    return customer


@pytest.fixture
def newcomer(customers: CustomersRepository, referrer: Customer) -> Customer:
    return join(customers, "BANK-NEW", "+375442222222", channel="whatsapp", referral=referrer.referral_code)


# --- attribution at registration ------------------------------------------------------------------------------
def test_a_newcomer_created_with_a_friends_code_is_attributed_to_that_friend(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribution = attribute_at_registration(
        newcomer, passport_number="MP3000001", customers=customers, repository=referrals, config=programs, now=JUNE
    )

    assert attribution is not None and attribution.referrer_id == referrer.customer_id
    assert referrals.guard_owner("PASSPORT", passport_hash("MP3000001")) == newcomer.customer_id


def test_a_customer_who_already_has_a_card_is_not_a_newcomer(
    newcomer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
    core: FakeCore,
) -> None:
    give_card(customers, core, newcomer, "new")

    assert (
        attribute_at_registration(
            newcomer, passport_number="MP3000001", customers=customers, repository=referrals, config=programs
        )
        is None
    )
    assert referrals.attribution(newcomer.customer_id) is None


def test_the_same_passport_under_a_second_newcomer_is_refused_without_stopping_registration(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribute_at_registration(
        newcomer, passport_number="MP3000001", customers=customers, repository=referrals, config=programs, now=JUNE
    )
    other = join(customers, "BANK-OTHER", "+375333333333", referral=referrer.referral_code)

    assert (
        attribute_at_registration(
            other, passport_number="MP3000001", customers=customers, repository=referrals, config=programs, now=JUNE
        )
        is None
    )
    assert referrals.attribution(other.customer_id) is None


def test_a_storage_failure_during_attribution_is_logged_not_raised(newcomer: Customer, programs: Programs) -> None:
    class Broken(CustomersRepository):
        def cards(self, customer_id: str) -> list[Card]:
            raise RuntimeError("DynamoDB is down")

    assert attribute_at_registration(newcomer, passport_number="MP3000001", customers=Broken(), config=programs) is None


# --- the bonus step of card issuance ------------------------------------------------------------------------------
def test_the_card_step_credits_both_bonuses_once_however_often_it_runs(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
    core: FakeCore,
) -> None:
    attribute_at_registration(
        newcomer, passport_number="MP3000001", customers=customers, repository=referrals, config=programs, now=JUNE
    )
    newcomer_account = give_card(customers, core, newcomer, "new")
    ledger = CoreBonusLedger(core=core, customers=customers)
    request = CreditReferralBonusesRequest.model_validate(
        {"customer_id": newcomer.customer_id, "card": ISSUED, "chat_key": "x"}
    )

    first = credit_referral_bonuses(
        request, ledger=ledger, customers=customers, repository=referrals, config=programs, now=JUNE
    )
    again = credit_referral_bonuses(
        request, ledger=ledger, customers=customers, repository=referrals, config=programs, now=JUNE
    )

    assert first.invite_bonuses == again.invite_bonuses == ("referrer", "newcomer")
    assert core.balance("acc_referrer") == 1000 and core.balance(newcomer_account) == 500
    assert len(core.credits) == 2
    credit = core.credits[invite_bonus_key(referrer.customer_id, newcomer.customer_id, "referrer")]
    assert credit.source == "bonus" and credit.account_id == "acc_referrer" and credit.debit_id is None


def test_a_linked_existing_customer_earns_nothing_at_the_card_step(
    newcomer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    ledger = FakeLedger()
    request = CreditReferralBonusesRequest(customer_id=newcomer.customer_id, card=None)

    result = credit_referral_bonuses(request, ledger=ledger, customers=customers, repository=referrals, config=programs)

    assert result.invite_bonuses == () and not ledger.calls


def test_a_recommended_contact_who_gets_a_card_counts_towards_the_recommenders_milestone(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    ledger = FakeLedger()
    phones = ["+375447000001", "+375447000002", "+375447000003"]
    for phone in phones:
        recommend(
            RecommendRequest(customer_id=referrer.customer_id, phone=phone),
            customers=customers,
            repository=referrals,
            config=programs,
        )
    for number, phone in enumerate(phones):
        friend = join(customers, f"BANK-FRIEND-{number}", phone)
        request = CreditReferralBonusesRequest(customer_id=friend.customer_id, card=ISSUED)
        result = credit_referral_bonuses(
            request, ledger=ledger, customers=customers, repository=referrals, config=programs, now=JUNE
        )

    assert result.milestone_bonuses == (3,)
    assert ledger.balance(referrer.customer_id) == 1500
    progress = get_recommendations(
        GetRecommendationsRequest(customer_id=referrer.customer_id, channel="viber", language="en"),
        customers=customers,
        repository=referrals,
        referral_settings=BOT,
        config=programs,
    )
    assert (progress.count, progress.next_milestone, progress.to_next_milestone) == (3, 5, 2)
    assert progress.bonus == "30.00\u00a0BYN" and progress.earned == "15.00\u00a0BYN"


def test_recommending_the_bank_to_oneself_is_refused(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    with pytest.raises(RecommendationRefused):
        recommend(
            RecommendRequest(customer_id=referrer.customer_id, phone=referrer.phone),
            customers=customers,
            repository=referrals,
            config=programs,
        )


# --- the invite program as the referrer sees it ---------------------------------------------------------------------
def test_get_referral_gives_the_code_this_messengers_link_and_a_share_picture(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="media", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    links = BOT.model_copy(update={"media_bucket": "media"})

    info = get_referral(
        GetReferralRequest(customer_id=referrer.customer_id, channel="whatsapp", language="ru"),
        customers=customers,
        repository=referrals,
        config=programs,
        referral_settings=links,
    )

    assert info.code == referrer.referral_code
    assert info.link == f"https://wa.me/375291000000?text=start%20{referrer.referral_code}"
    assert info.bonus == "10,00\u00a0BYN" and info.invited == 0
    assert info.picture_url and "share/" in info.picture_url
    [stored] = s3.list_objects_v2(Bucket="media")["Contents"]
    assert s3.get_object(Bucket="media", Key=stored["Key"])["Body"].read()[:8] == b"\x89PNG\r\n\x1a\n"


def test_get_referral_without_a_bucket_still_gives_the_code(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    info = get_referral(
        GetReferralRequest(customer_id=referrer.customer_id, channel="telegram"),
        customers=customers,
        repository=referrals,
        config=programs,
        referral_settings=BOT,
    )

    assert info.picture_url is None and info.link.startswith("https://t.me/MessengerBankBot?start=")


# --- partner offers -----------------------------------------------------------------------------------------------
def test_offers_are_listed_from_the_partners_and_an_active_one_is_marked(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    partners = FakePartners(catalogue={"burgerking": [PartnerOfferStub("bk-9", "9 % on fries", "fast_food", 9)]})
    activate_offer(
        ActivateOfferRequest(customer_id=referrer.customer_id, offer_id="bk-9"),
        source=partners,
        customers=customers,
        repository=referrals,
        config=programs,
    )

    listed = list_offers(
        ListOffersRequest(customer_id=referrer.customer_id, language="en"),
        source=partners,
        repository=referrals,
        config=programs,
    )

    assert [(o.offer_id, o.title, o.cashback) for o in listed.items] == [
        ("bk-9", "✅ Burger King: 9 % on fries", "9 %")
    ]


def test_activating_an_offer_tells_the_partner_once_under_a_pseudonym(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    partners = FakePartners(catalogue={"twitch": [PartnerOfferStub("tw-1", "15 % on subs", "streaming", 15)]})
    request = ActivateOfferRequest(customer_id=referrer.customer_id, offer_id="tw-1")

    first = activate_offer(request, source=partners, customers=customers, repository=referrals, config=programs)
    again = activate_offer(request, source=partners, customers=customers, repository=referrals, config=programs)

    assert (first.newly_activated, again.newly_activated) == (True, False)
    assert first.cashback == "15 %" and first.promo_code == "PROMO-TW-1"
    [(partner, offer_id, ref)] = partners.activations
    assert (partner, offer_id) == ("twitch", "tw-1") and referrer.customer_id not in ref


def test_an_unknown_offer_is_unavailable(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    with pytest.raises(OfferUnavailable):
        activate_offer(
            ActivateOfferRequest(customer_id=referrer.customer_id, offer_id="nope"),
            source=FakePartners(),
            customers=customers,
            repository=referrals,
            config=programs,
        )


def test_the_partners_adapter_refuses_a_partner_it_has_no_api_for() -> None:
    with pytest.raises(OperationRejected):
        PartnersApi(client=FakePartners()).offers("mcdonalds")  # type: ignore[arg-type]


# --- cashback on core banking's operations ---------------------------------------------------------------------------
def test_a_history_line_is_read_as_a_purchase_only_with_a_purchase_reference() -> None:
    purchase = purchase_of(line("op1", "debit", -1234, "purchase mcc=5814 partner=burgerking merchant=BK-Nemiga"))
    refund = purchase_of(line("op2", "refund", 500, "purchase mcc=5411"))

    assert purchase == CardOperation(
        operation_id="op1",
        kind="purchase",
        amount_minor=1234,
        currency="BYN",
        mcc="5814",
        partner="burgerking",
        occurred_at=JUNE,
    )
    assert refund is not None and (refund.kind, refund.amount_minor, refund.mcc) == ("refund", 500, "5411")
    assert purchase_of(line("op3", "debit", -1000, "transfer to •• 1111")) is None
    assert purchase_of(line("op4", "credit", 1000, "Messenger Bank bonus")) is None
    assert purchase_of(line("op5", "credit", 1000, "purchase mcc=5814")) is None


def test_the_operations_source_keeps_this_periods_purchases_of_the_customers_accounts(
    referrer: Customer, customers: CustomersRepository, core: FakeCore
) -> None:
    core.lines["acc_referrer"] = [
        line("in", "debit", -1000, "purchase mcc=5411"),
        line("before", "debit", -1000, "purchase mcc=5411", at=JUNE - timedelta(days=30)),
        line("transfer", "debit", -1000, "transfer"),
    ]

    found = CoreOperationsSource(core=core, customers=customers).operations(
        referrer.customer_id, JUNE - timedelta(days=9), JUNE + timedelta(days=1)
    )

    assert [o.operation_id for o in found] == ["in"]


def test_cashback_this_month_matches_a_hand_checked_example(
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
    core: FakeCore,
) -> None:
    # Burger King 12.34 at its partner rate 7 % = 0.8638 -> 0.86; groceries 20.00 at 2 % = 0.40;
    # a fast-food place (not a partner) 10.00 at the category's 5 % = 0.50; a transfer earns nothing.
    core.lines["acc_referrer"] = [
        line("bk", "debit", -1234, "purchase mcc=5814 partner=burgerking"),
        line("shop", "debit", -2000, "purchase mcc=5411"),
        line("kfc", "debit", -1000, "purchase mcc=5814"),
        line("to-friend", "debit", -5000, "transfer"),
    ]

    info = get_cashback(
        GetCashbackRequest(customer_id=referrer.customer_id, language="en"),
        source=CoreOperationsSource(core=core, customers=customers),
        customers=customers,
        repository=referrals,
        config=programs,
        now=JUNE + timedelta(hours=1),
    )

    assert info.total_minor == 86 + 40 + 50
    assert info.amount == "1.76\u00a0BYN"
    assert info.by_category == {"fast_food": 136, "groceries": 40}
    assert info.categories == "fast food: 1.36\u00a0BYN\ngroceries: 0.40\u00a0BYN"


@pytest.mark.parametrize(
    ("rate", "language", "shown"), [("7", "ru", "7 %"), ("2.5", "be", "2,5 %"), ("2.50", "en", "2.5 %")]
)
def test_rates_are_shown_in_the_customers_language(rate: str, language: Any, shown: str) -> None:
    assert format_percent(Decimal(rate), language) == shown


# --- the functions ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "function",
    [
        "get_referral",
        "get_recommendations",
        "recommend",
        "list_offers",
        "activate_offer",
        "get_cashback",
        "credit_referral_bonuses",
    ],
)
def test_each_function_is_a_thin_handler_over_its_operation(function: str) -> None:
    path = handler_file(function)
    module = handler_module(function)

    assert callable(module.lambda_handler)
    assert len([line for line in path.read_text().splitlines() if line and not line.startswith(("#", '"""'))]) <= 4
