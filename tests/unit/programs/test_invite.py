"""Invite a new client: links, attribution, both bonuses exactly once, abuse refused, the monthly cap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from messenger_bank.customers.models import Customer
from messenger_bank.customers.repository import CustomersRepository
from messenger_bank.errors import BankSystemUnavailable
from messenger_bank.programs.errors import (
    AlreadyReferred,
    ProgramDisabled,
    ReferralLimitReached,
    ReferredPersonIsCustomer,
    SelfReferral,
    UnknownReferralCode,
)
from messenger_bank.programs.invite import attribute, on_card_issued
from messenger_bank.programs.keys import invite_bonus_key
from messenger_bank.programs.models import Attribution
from messenger_bank.programs.referrer import referral_progress, share_links
from messenger_bank.programs.repository import ReferralsRepository
from messenger_bank.programs.settings import DeepLinksNotConfigured, ReferralSettings
from messenger_bank.programs.sharing import share_picture_request
from messenger_bank.programs.terms import Programs, load_programs
from tests.unit.programs.conftest import FakeLedger, join, programs_document

JUNE = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)
SETTINGS = ReferralSettings(
    telegram_bot_username="MessengerBankBot",
    viber_chat_uri="messengerbank",
    whatsapp_business_number="375291000000",
    messenger_page="messengerbank",
)
PASSPORT_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture
def referrer(customers: CustomersRepository) -> Customer:
    return join(customers, "BANK-REFERRER", "+375291111111")


@pytest.fixture
def newcomer(customers: CustomersRepository, referrer: Customer) -> Customer:
    return join(customers, "BANK-NEW", "+375442222222", channel="whatsapp", referral=referrer.referral_code)


def attribute_newcomer(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
    **overrides: object,
) -> Attribution:
    arguments: dict[str, object] = {
        "newcomer_phone": newcomer.phone,
        "newcomer_passport_hash": PASSPORT_HASH,
        "customers": customers,
        "repository": referrals,
        "config": programs,
        "now": JUNE,
    }
    arguments.update(overrides)
    return attribute(newcomer.customer_id, referrer.referral_code, **arguments)  # type: ignore[arg-type]


# --- links -------------------------------------------------------------------------------------------
def test_each_messenger_gets_its_own_deep_link_carrying_the_code() -> None:
    links = share_links("AB23CD45", config=SETTINGS)

    assert links.telegram == "https://t.me/MessengerBankBot?start=AB23CD45"
    assert links.viber == "viber://pa?chatURI=messengerbank&context=AB23CD45"
    assert links.whatsapp == "https://wa.me/375291000000?text=start%20AB23CD45"
    assert parse_qs(urlsplit(links.whatsapp).query)["text"] == ["start AB23CD45"]
    assert links.messenger == "https://m.me/messengerbank?ref=AB23CD45"


def test_the_share_picture_carries_the_link_of_the_channel_it_is_shared_on() -> None:
    request = share_picture_request("AB23CD45", "viber", "be", config=SETTINGS)

    assert request.link == "viber://pa?chatURI=messengerbank&context=AB23CD45"
    assert request.code == "AB23CD45"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TELEGRAM_BOT_USERNAME": "@OtherBot",
        "VIBER_CHAT_URI": "otherbot",
        "WHATSAPP_BUSINESS_NUMBER": "+375290000001",
        "MESSENGER_PAGE": "otherpage",
    }.items():
        monkeypatch.setenv(name, value)
    settings = ReferralSettings()

    links = share_links("AB23CD45", config=settings)

    assert links.telegram.startswith("https://t.me/OtherBot?")
    assert links.viber.startswith("viber://pa?chatURI=otherbot&")
    assert links.whatsapp.startswith("https://wa.me/375290000001?")
    assert links.messenger.startswith("https://m.me/otherpage?")


def test_the_code_holds_no_bot_name_a_link_without_them_is_refused() -> None:
    settings = ReferralSettings.of_variables({"TELEGRAM_BOT_USERNAME": "OtherBot", "MEDIA_BUCKET": "media"})

    with pytest.raises(DeepLinksNotConfigured) as refused:
        share_links("AB23CD45", config=settings)

    assert "VIBER_CHAT_URI, WHATSAPP_BUSINESS_NUMBER, MESSENGER_PAGE not set" in str(refused.value)


# --- attribution and bonuses ---------------------------------------------------------------------------
def test_a_newcomer_arriving_with_a_code_is_attributed_to_its_owner(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribution = attribute_newcomer(newcomer, referrer, customers, referrals, programs)

    assert referrals.attribution(newcomer.customer_id) == attribution
    assert [a.newcomer_id for a in referrals.attributions_by_referrer(referrer.customer_id)] == [newcomer.customer_id]


def test_attributing_the_same_newcomer_again_returns_the_first_attribution(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    first = attribute_newcomer(newcomer, referrer, customers, referrals, programs)

    again = attribute_newcomer(
        newcomer, referrer, customers, referrals, programs, now=datetime(2025, 6, 11, tzinfo=UTC)
    )

    assert again == first
    assert referrals.invites_in_month(referrer.customer_id, "2025-06") == 1


def test_both_bonuses_are_credited_once_when_the_card_issued_step_runs_three_times(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribute_newcomer(newcomer, referrer, customers, referrals, programs)
    ledger = FakeLedger()

    outcomes = [
        on_card_issued(newcomer.customer_id, ledger=ledger, repository=referrals, config=programs, now=JUNE)
        for _ in range(3)
    ]

    referrer_key = invite_bonus_key(referrer.customer_id, newcomer.customer_id, "referrer")
    newcomer_key = invite_bonus_key(referrer.customer_id, newcomer.customer_id, "newcomer")
    assert referrer_key == f"referral-bonus:{referrer.customer_id}:{newcomer.customer_id}:referrer"
    assert dict(ledger.calls) == {referrer_key: 1, newcomer_key: 1}
    assert ledger.balance(referrer.customer_id) == 1000
    assert ledger.balance(newcomer.customer_id) == 500
    assert all(o is not None and o.referrer_bonus.status == "credited" for o in outcomes)
    assert {b.idempotency_key for b in referrals.bonuses(referrer.customer_id)} == {referrer_key}


def test_both_bonuses_are_credited_once_when_the_card_issued_step_runs_concurrently(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribute_newcomer(newcomer, referrer, customers, referrals, programs)
    ledger = FakeLedger()

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(
            pool.map(
                lambda _: on_card_issued(
                    newcomer.customer_id, ledger=ledger, repository=referrals, config=programs, now=JUNE
                ),
                range(3),
            )
        )

    assert sorted(ledger.calls.values()) == [1, 1]
    assert ledger.balance(referrer.customer_id) == 1000
    assert ledger.balance(newcomer.customer_id) == 500


def test_a_failed_credit_is_paid_by_the_retry_and_only_once(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribute_newcomer(newcomer, referrer, customers, referrals, programs)
    ledger = FakeLedger(fail_next=1)

    with pytest.raises(BankSystemUnavailable):
        on_card_issued(newcomer.customer_id, ledger=ledger, repository=referrals, config=programs, now=JUNE)
    on_card_issued(newcomer.customer_id, ledger=ledger, repository=referrals, config=programs, now=JUNE)
    on_card_issued(newcomer.customer_id, ledger=ledger, repository=referrals, config=programs, now=JUNE)

    assert ledger.balance(referrer.customer_id) == 1000
    assert ledger.balance(newcomer.customer_id) == 500
    assert len(ledger.credits) == 2


def test_a_card_issued_without_a_referral_pays_nothing(
    customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    loner = join(customers, "BANK-LONER", "+375333333333")
    ledger = FakeLedger()

    assert on_card_issued(loner.customer_id, ledger=ledger, repository=referrals, config=programs, now=JUNE) is None
    assert not ledger.calls


def test_the_referrer_sees_friends_joined_and_bonuses_paid(
    customers: CustomersRepository, referrer: Customer, referrals: ReferralsRepository, programs: Programs
) -> None:
    ledger = FakeLedger()
    friends = [join(customers, f"BANK-F{i}", f"+37529555000{i}") for i in range(3)]
    for friend in friends:
        attribute_newcomer(friend, referrer, customers, referrals, programs, newcomer_passport_hash=None)
    for friend in friends[:2]:
        on_card_issued(friend.customer_id, ledger=ledger, repository=referrals, config=programs, now=JUNE)

    progress = referral_progress(referrer.customer_id, repository=referrals, config=programs, now=JUNE)

    assert (progress.invited, progress.joined, progress.bonuses_paid) == (3, 2, 2)
    assert (progress.bonus_total_minor, progress.currency) == (2000, "BYN")
    assert (progress.invited_this_month, progress.monthly_cap) == (3, 5)


# --- abuse ---------------------------------------------------------------------------------------------
def test_an_unknown_code_is_refused(
    newcomer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    with pytest.raises(UnknownReferralCode):
        attribute(
            newcomer.customer_id,
            "ZZZZZZZZ",
            newcomer_phone=newcomer.phone,
            customers=customers,
            repository=referrals,
            config=programs,
            now=JUNE,
        )


def test_a_customer_cannot_refer_themselves(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    with pytest.raises(SelfReferral):
        attribute_newcomer(referrer, referrer, customers, referrals, programs)


def test_a_second_profile_with_the_referrers_phone_is_a_self_referral(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    with pytest.raises(SelfReferral):
        attribute(
            "c_someoneelse",
            referrer.referral_code,
            newcomer_phone="+375 29 111-11-11",
            customers=customers,
            repository=referrals,
            config=programs,
            now=JUNE,
        )


def test_a_newcomer_already_referred_by_someone_else_is_refused(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribute_newcomer(newcomer, referrer, customers, referrals, programs)
    other = join(customers, "BANK-OTHER", "+375297777777")

    with pytest.raises(AlreadyReferred):
        attribute_newcomer(newcomer, other, customers, referrals, programs)


def test_the_same_phone_cannot_be_referred_twice(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribute_newcomer(newcomer, referrer, customers, referrals, programs)

    # The same person comes back as a "new" customer id (a second bank profile) with the same phone.
    with pytest.raises(AlreadyReferred):
        attribute(
            "c_secondprofile",
            referrer.referral_code,
            newcomer_phone=newcomer.phone,
            customers=PhoneBlindDirectory(customers),
            repository=referrals,
            config=programs,
            now=JUNE,
        )


def test_the_same_passport_cannot_be_referred_twice(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    attribute_newcomer(newcomer, referrer, customers, referrals, programs)
    twin = join(customers, "BANK-TWIN", "+375298888888")

    with pytest.raises(AlreadyReferred):
        attribute_newcomer(twin, referrer, customers, referrals, programs)  # another phone, the same passport


def test_the_referrers_own_passport_on_a_new_profile_is_a_self_referral(
    customers: CustomersRepository, referrer: Customer, referrals: ReferralsRepository, programs: Programs
) -> None:
    # The referrer once arrived through a friend, with their passport.
    friend = join(customers, "BANK-FRIEND", "+375296666666")
    attribute_newcomer(referrer, friend, customers, referrals, programs)
    second_self = join(customers, "BANK-SECOND-SELF", "+375299999999")

    with pytest.raises(SelfReferral):
        attribute_newcomer(second_self, referrer, customers, referrals, programs)


def test_a_person_who_is_already_a_customer_cannot_be_referred(
    referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository, programs: Programs
) -> None:
    old_customer = join(customers, "BANK-OLD", "+375291212121")

    with pytest.raises(ReferredPersonIsCustomer):
        attribute(
            "c_newprofile",
            referrer.referral_code,
            newcomer_phone=old_customer.phone,
            customers=customers,
            repository=referrals,
            config=programs,
            now=JUNE,
        )


def test_a_raw_passport_number_is_never_accepted_in_place_of_its_hash(
    newcomer: Customer,
    referrer: Customer,
    customers: CustomersRepository,
    referrals: ReferralsRepository,
    programs: Programs,
) -> None:
    with pytest.raises(ValueError, match="hash"):
        attribute_newcomer(newcomer, referrer, customers, referrals, programs, newcomer_passport_hash="MP1234567")


def test_the_monthly_cap_refuses_one_friend_too_many_and_a_new_month_starts_afresh(
    customers: CustomersRepository, referrer: Customer, referrals: ReferralsRepository
) -> None:
    document = programs_document()
    document["invite"]["monthly_cap"] = 2
    capped = load_programs(document)
    friends = [join(customers, f"BANK-C{i}", f"+37529444000{i}") for i in range(4)]
    for friend in friends[:2]:
        attribute_newcomer(friend, referrer, customers, referrals, capped, newcomer_passport_hash=None)

    with pytest.raises(ReferralLimitReached):
        attribute_newcomer(friends[2], referrer, customers, referrals, capped, newcomer_passport_hash=None)

    july = attribute_newcomer(
        friends[3],
        referrer,
        customers,
        referrals,
        capped,
        newcomer_passport_hash=None,
        now=datetime(2025, 7, 1, 9, 0, tzinfo=UTC),
    )
    assert july.month == "2025-07"


def test_the_cap_holds_when_friends_arrive_at_the_same_moment(
    customers: CustomersRepository, referrer: Customer, referrals: ReferralsRepository
) -> None:
    document = programs_document()
    document["invite"]["monthly_cap"] = 2
    capped = load_programs(document)
    friends = [join(customers, f"BANK-R{i}", f"+37525333000{i}") for i in range(5)]

    def arrive(friend: Customer) -> str:
        try:
            attribute_newcomer(friend, referrer, customers, referrals, capped, newcomer_passport_hash=None)
        except ReferralLimitReached:
            return "refused"
        return "attributed"

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(arrive, friends))

    assert sorted(results) == ["attributed", "attributed", "refused", "refused", "refused"]
    assert referrals.invites_in_month(referrer.customer_id, "2025-06") == 2


def test_a_switched_off_program_attributes_nobody(
    newcomer: Customer, referrer: Customer, customers: CustomersRepository, referrals: ReferralsRepository
) -> None:
    document = programs_document()
    document["invite"]["enabled"] = False

    with pytest.raises(ProgramDisabled):
        attribute_newcomer(newcomer, referrer, customers, referrals, load_programs(document))


class PhoneBlindDirectory:
    """CustomerAPI that does not (yet) know the second profile's phone: only the guard row can catch it."""

    def __init__(self, inner: CustomersRepository) -> None:
        self._inner = inner

    def get(self, customer_id: str) -> Customer | None:
        return self._inner.get(customer_id)

    def by_phone(self, phone: str) -> Customer | None:
        return None

    def by_referral_code(self, code: str) -> Customer | None:
        return self._inner.by_referral_code(code)


def test_phones_and_passports_are_kept_as_keyed_digests_not_plain_hashes(identity_key: bytes) -> None:
    import hashlib
    import hmac

    from messenger_bank.programs.keys import partner_customer_ref, passport_hash, phone_hash

    plain = hashlib.sha256(b"phone:+375291234567").hexdigest()

    assert phone_hash("+375291234567") != plain  # the table alone does not give the number back
    assert phone_hash("+375291234567") == hmac.new(identity_key, b"phone:+375291234567", hashlib.sha256).hexdigest()
    assert passport_hash(" mp1234567 ") == passport_hash("MP1234567")
    assert partner_customer_ref("twitch", "c_1") != partner_customer_ref("burgerking", "c_1")
