"""Card services: what each operation returns to the flows, and that no one reaches another's card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from messenger_bank.banking.models.core import HistoryEntry
from messenger_bank.cards.models import (
    BlockCardRequest,
    CreateSecureLinkRequest,
    GetBalanceRequest,
    GetCardLimitsRequest,
    GetHistoryRequest,
    GetRequisitesRequest,
    ListCardsRequest,
    SetCardLimitRequest,
    UnblockCardRequest,
)
from messenger_bank.cards.secure_links import create_secure_link
from messenger_bank.cards.service import (
    block_card,
    get_balance,
    get_card_limits,
    get_history,
    get_requisites,
    list_cards,
    mask_counterparty,
    set_card_limit,
    unblock_card,
)
from messenger_bank.errors import CardBlocked, CardLimitAboveMaximum, CustomerNotFound
from messenger_bank.security import links
from messenger_bank.security.cards import find_pans
from messenger_bank.security.errors import NotYourCard
from tests.unit.cards.conftest import BUCKET, IBAN, LINK_KEY, World

NBSP = "\u00a0"


# --- list_cards ------------------------------------------------------------------------------------
def test_the_card_list_shows_the_customers_cards_masked(world: World) -> None:
    customer_id, cards = world.customer(1, cards=2)

    listed = list_cards(ListCardsRequest(customer_id=customer_id), **world.kw)

    assert [item.card_id for item in listed.items] == cards
    assert all(item.mask.startswith("411111******") and item.status == "active" for item in listed.items)


def test_a_bank_card_our_table_does_not_give_the_customer_is_not_listed(world: World) -> None:
    customer_id, _ = world.customer(1)
    world.core.add("cus_1", "card_elsewhere", "acc_elsewhere")

    listed = list_cards(ListCardsRequest(customer_id=customer_id), **world.kw)

    assert "card_elsewhere" not in {item.card_id for item in listed.items}


def test_an_unknown_customer_has_no_card_list(world: World) -> None:
    with pytest.raises(CustomerNotFound):
        list_cards(ListCardsRequest(customer_id="c_nobody"), **world.kw)


# --- get_balance -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", f"123{NBSP}450,50{NBSP}BYN"), ("be", f"123{NBSP}450,50{NBSP}BYN"), ("en", f"123,450.50{NBSP}BYN")],
)
def test_the_balance_is_shown_in_the_customers_language(world: World, language: str, shown: str) -> None:
    customer_id, (card_id,) = world.customer(1, money=12_345_050)

    result = get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id, language=language), **world.kw)  # type: ignore[arg-type]

    assert result.balance == result.available == shown
    assert result.available_minor == 12_345_050


# --- the ownership check, on every operation that names a card ---------------------------------------
def _card_operations(customer_id: str, card_id: str) -> list[tuple[str, object]]:
    return [
        ("get_balance", lambda w: get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id), **w.kw)),
        (
            "block_card",
            lambda w: block_card(BlockCardRequest(customer_id=customer_id, card_id=card_id, reason="lost"), **w.kw),
        ),
        ("unblock_card", lambda w: unblock_card(UnblockCardRequest(customer_id=customer_id, card_id=card_id), **w.kw)),
        (
            "get_requisites",
            lambda w: get_requisites(
                GetRequisitesRequest(customer_id=customer_id, card_id=card_id, language="ru"),
                settings=w.settings,
                s3_client=w.s3,
                **w.kw,
            ),
        ),
        (
            "create_secure_link",
            lambda w: create_secure_link(
                CreateSecureLinkRequest(
                    customer_id=customer_id, card_id=card_id, purpose="pin", channel="telegram", chat_key="telegram:1"
                ),
                settings=w.settings,
                key=LINK_KEY,
                **w.kw,
            ),
        ),
    ]


@pytest.mark.parametrize("operation", [name for name, _ in _card_operations("x", "y")])
def test_another_customers_card_id_is_refused_and_the_bank_is_not_touched(world: World, operation: str) -> None:
    mallory, _ = world.customer(1)
    _, (victims_card,) = world.customer(2)
    call = dict(_card_operations(mallory, victims_card))[operation]

    with pytest.raises(NotYourCard):
        call(world)  # type: ignore[operator]

    assert world.core.calls == []
    assert world.core.cards_by_id[victims_card].status == "active"


@pytest.mark.parametrize("card_id", ["card_does_not_exist", "card_1_0x"])
def test_a_made_up_card_id_is_refused(world: World, card_id: str) -> None:
    customer_id, _ = world.customer(1)

    with pytest.raises(NotYourCard):
        get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id), **world.kw)


def test_a_card_our_table_gives_the_customer_but_the_bank_gives_another_is_refused(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)
    world.core.cards_by_id[card_id] = world.core.cards_by_id[card_id].model_copy(update={"customer_id": "cus_2"})

    with pytest.raises(NotYourCard):
        block_card(BlockCardRequest(customer_id=customer_id, card_id=card_id, reason="stolen"), **world.kw)

    assert world.core.calls == []


def test_a_card_id_that_is_not_an_id_does_not_even_parse() -> None:
    with pytest.raises(ValidationError):
        GetBalanceRequest(customer_id="c_1", card_id="card_1/../../admin")


# --- block / unblock -------------------------------------------------------------------------------
def test_blocking_tells_the_bank_the_reason_and_keeps_our_copy_in_step(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)

    result = block_card(BlockCardRequest(customer_id=customer_id, card_id=card_id, reason="lost"), **world.kw)

    assert result.status == "blocked"
    assert ("block", f"{card_id}:lost") in world.core.calls
    assert [c.status for c in world.customers.cards(customer_id)] == ["blocked"]


def test_unblocking_a_blocked_card_makes_it_work_again(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)
    block_card(BlockCardRequest(customer_id=customer_id, card_id=card_id, reason="suspicious"), **world.kw)

    result = unblock_card(UnblockCardRequest(customer_id=customer_id, card_id=card_id), **world.kw)

    assert result.status == "active"
    assert [c.status for c in world.customers.cards(customer_id)] == ["active"]
    assert list_cards(ListCardsRequest(customer_id=customer_id), **world.kw).items[0].status == "active"


def test_a_reason_outside_the_list_is_refused() -> None:
    with pytest.raises(ValidationError):
        BlockCardRequest(customer_id="c_1", card_id="card_1", reason="bored")  # type: ignore[arg-type]


# --- requisites ------------------------------------------------------------------------------------
def test_the_requisites_come_as_the_iban_and_a_pdf_behind_a_presigned_link(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)

    result = get_requisites(
        GetRequisitesRequest(customer_id=customer_id, card_id=card_id, language="be"),
        settings=world.settings,
        s3_client=world.s3,
        **world.kw,
    )

    assert result.iban == IBAN
    assert BUCKET in result.document_url and "Signature" in result.document_url
    (stored,) = world.s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert stored["Key"].startswith("requisites/") and IBAN not in stored["Key"]
    assert world.s3.get_object(Bucket=BUCKET, Key=stored["Key"])["Body"].read().startswith(b"%PDF")


# --- history ---------------------------------------------------------------------------------------
def _entry(number: int, amount: int, kind: str, counterparty: str | None, minutes_ago: int) -> HistoryEntry:
    return HistoryEntry(
        operation_id=f"op_{number}",
        kind=kind,
        amount=amount,
        currency="BYN",
        counterparty=counterparty,
        created_at=datetime(2025, 11, 24, 12, 0, tzinfo=UTC) - timedelta(minutes=minutes_ago),
    )


def test_the_history_lists_the_newest_operations_first_with_counterparties_masked(world: World) -> None:
    customer_id, _ = world.customer(1)
    world.core.entries["acc_1_0"] = [
        _entry(1, 5_000, "bonus", None, minutes_ago=30),
        _entry(2, -1_050, "debit", "4111 1111 1111 1111", minutes_ago=10),
        _entry(3, -20_000, "payment", "MTS +375291234567", minutes_ago=20),
    ]

    result = get_history(
        GetHistoryRequest(customer_id=customer_id), settings=world.settings, s3_client=world.s3, **world.kw
    )

    assert result.count == 3
    assert result.lines.splitlines() == [
        f"24.11.2025 −10,50{NBSP}BYN · списание · •• 1111",
        f"24.11.2025 −200,00{NBSP}BYN · оплата · MTS •• 4567",
        f"24.11.2025 +50,00{NBSP}BYN · бонус",
    ]
    assert find_pans(result.lines) == []
    assert result.document_url is not None
    (stored,) = world.s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert world.s3.get_object(Bucket=BUCKET, Key=stored["Key"])["Body"].read().startswith(b"%PDF")


def test_a_customer_with_no_operations_is_told_so_without_a_document(world: World) -> None:
    customer_id, _ = world.customer(1)

    result = get_history(
        GetHistoryRequest(customer_id=customer_id, language="en"),
        settings=world.settings,
        s3_client=world.s3,
        **world.kw,
    )

    assert (result.lines, result.count, result.document_url) == ("No operations yet.", 0, None)


def test_the_history_never_shows_another_customers_operations(world: World) -> None:
    customer_id, _ = world.customer(1)
    world.customer(2)
    world.core.entries["acc_2_0"] = [_entry(9, -100, "debit", None, minutes_ago=1)]

    result = get_history(
        GetHistoryRequest(customer_id=customer_id), settings=world.settings, s3_client=world.s3, **world.kw
    )

    assert result.count == 0


@pytest.mark.parametrize(
    ("counterparty", "shown"),
    [
        ("4111111111111111", "•• 1111"),
        ("411111******1111", "•• 1111"),
        ("+375 29 123-45-67", "•• 4567"),
        ("Burger King", "Burger King"),
        ("Order 42", "Order 42"),
    ],
)
def test_counterparties_keep_no_more_than_four_digits_of_a_number(counterparty: str, shown: str) -> None:
    assert mask_counterparty(counterparty) == shown


# --- secure links ----------------------------------------------------------------------------------
def test_the_pin_link_is_a_one_time_signed_link_for_this_chat_and_card(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)

    result = create_secure_link(
        CreateSecureLinkRequest(
            customer_id=customer_id, card_id=card_id, purpose="pin", channel="telegram", chat_key="telegram:1"
        ),
        settings=world.settings,
        key=LINK_KEY,
        **world.kw,
    )

    assert result.url.startswith("https://bank.example.com/secure/pin?t=")  # the card is signed, not beside
    claims = links.inspect_link(links.token_of(result.url), key=LINK_KEY, chat_key="telegram:1")
    assert (claims.customer_id, claims.purpose) == (customer_id, "change_pin")
    assert (claims.channel, claims.card_id) == ("telegram", card_id)
    assert result.expires_in == 300
    with pytest.raises(links.LinkInvalid):
        links.inspect_link(links.token_of(result.url), key=LINK_KEY, chat_key="telegram:2")


def test_the_password_link_needs_no_card(world: World) -> None:
    customer_id, _ = world.customer(1)

    result = create_secure_link(
        CreateSecureLinkRequest(
            customer_id=customer_id, card_id="", purpose="password", channel="viber", chat_key="viber:abc=="
        ),
        settings=world.settings,
        key=LINK_KEY,
        **world.kw,
    )

    claims = links.inspect_link(links.token_of(result.url), key=LINK_KEY, chat_key="viber:abc==")
    assert claims.purpose == "change_password"
    assert result.url.startswith("https://bank.example.com/secure/password?t=")


def test_a_pin_link_without_a_card_is_refused(world: World) -> None:
    customer_id, _ = world.customer(1)

    with pytest.raises(NotYourCard):
        create_secure_link(
            CreateSecureLinkRequest(
                customer_id=customer_id, card_id="", purpose="pin", channel="telegram", chat_key="telegram:1"
            ),
            settings=world.settings,
            key=LINK_KEY,
            **world.kw,
        )


def _details_link(world: World, customer_id: str, card_id: str) -> str:
    return create_secure_link(
        CreateSecureLinkRequest(
            customer_id=customer_id, card_id=card_id, purpose="details", channel="viber", chat_key="viber:abc=="
        ),
        settings=world.settings,
        key=LINK_KEY,
        **world.kw,
    ).url


def test_the_card_details_link_is_signed_for_this_chat_and_card(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)

    url = _details_link(world, customer_id, card_id)

    assert url.startswith("https://bank.example.com/secure/details?t=")
    claims = links.inspect_link(links.token_of(url), key=LINK_KEY, chat_key="viber:abc==")
    assert (claims.customer_id, claims.purpose, claims.card_id) == (customer_id, "show_card_details", card_id)


def test_a_card_details_link_for_another_customers_card_is_refused(world: World) -> None:
    customer_id, _ = world.customer(1)
    _, (others,) = world.customer(2)

    with pytest.raises(NotYourCard):
        _details_link(world, customer_id, others)


def test_a_card_details_link_for_a_blocked_card_is_refused(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)
    world.core.block(card_id, "lost")

    with pytest.raises(CardBlocked):
        _details_link(world, customer_id, card_id)


def test_a_link_for_a_chat_of_another_messenger_is_refused(world: World) -> None:
    customer_id, _ = world.customer(1)

    with pytest.raises(NotYourCard):
        create_secure_link(
            CreateSecureLinkRequest(
                customer_id=customer_id, card_id="", purpose="password", channel="telegram", chat_key="viber:1"
            ),
            settings=world.settings,
            key=LINK_KEY,
            **world.kw,
        )


def test_the_balance_without_a_language_is_written_in_the_customers_own(world: World) -> None:
    customer_id, (card_id,) = world.customer(1, money=150)

    result = get_balance(GetBalanceRequest(customer_id=customer_id, card_id=card_id), **world.kw)

    assert result.balance == f"1,50{NBSP}BYN"  # the customer chose Russian at onboarding


# --- card limits ---------------------------------------------------------------------------------------
def test_the_limits_are_shown_per_day_in_the_customers_language(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)

    shown = get_card_limits(GetCardLimitsRequest(customer_id=customer_id, card_id=card_id, language="en"), **world.kw)

    assert [(i.kind, i.amount_minor) for i in shown.items] == [
        ("purchases", 200_000),
        ("cash", 100_000),
        ("online", 150_000),
    ]
    assert shown.lines.splitlines()[0] == "Purchases: 2,000.00\u00a0BYN"


def test_a_limit_is_changed_within_the_banks_maximum_and_not_above(world: World) -> None:
    customer_id, (card_id,) = world.customer(1)
    change = {"customer_id": customer_id, "card_id": card_id, "kind": "cash", "currency": "BYN"}

    changed = set_card_limit(SetCardLimitRequest.model_validate({**change, "amount_minor": 50_000}), **world.kw)
    with pytest.raises(CardLimitAboveMaximum) as too_high:
        set_card_limit(SetCardLimitRequest.model_validate({**change, "amount_minor": 500_001}), **world.kw)

    assert {i.kind: i.amount_minor for i in changed.items}["cash"] == 50_000
    assert too_high.value.details["maximum"] == 500_000
    assert world.core.calls == [("set_card_limit", card_id)]


def test_another_customers_card_limit_is_refused_and_the_bank_is_not_touched(world: World) -> None:
    mallory, _ = world.customer(1)
    _, (victims_card,) = world.customer(2)
    request = SetCardLimitRequest(
        customer_id=mallory, card_id=victims_card, kind="online", amount_minor=1, currency="BYN"
    )

    with pytest.raises(NotYourCard):
        set_card_limit(request, **world.kw)

    assert world.core.calls == [] and world.core.limits == {}
