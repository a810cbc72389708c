"""What the customers table answers, read by the repository itself (the service and the bindings decide before it
in most cases, so a wrong reading here would pass their tests): a refused write is told apart from a failed one,
a removal that lost a race is not a removal, and a customer, a binding and a card read back as they were written."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from messenger_bank.customers.models import Binding, ChannelIdentity, Customer
from messenger_bank.customers.repository import CustomersRepository, UniquenessConflict

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
TELEGRAM = ChannelIdentity(channel="telegram", user_id="t-1", chat_id="t-1")
VIBER = ChannelIdentity(channel="viber", user_id="v-1", chat_id="v-1")


def customer(customer_id: str = "c_alice", **changes: object) -> Customer:
    fields: dict[str, object] = {
        "customer_id": customer_id,
        "bank_customer_id": f"BANK-{customer_id}",
        "phone": "+375291112233",
        "language": "ru",
        "referral_code": "ALICE22",
        "created_at": AT,
    }
    return Customer.model_validate(fields | changes)


def without_table(customers: CustomersRepository) -> CustomersRepository:
    """The table gone (a wrong name, a deleted stack): each call fails with a ClientError that is no refusal."""
    customers.table.delete()
    return customers


# --- creating a customer ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "taken",
    [
        {"customer_id": "c_alice"},  # the same customer twice (a retried step)
        {"phone": "+375291112233"},
        {"bank_customer_id": "BANK-c_alice"},
        {"referral_code": "ALICE22"},
    ],
)
def test_a_customer_whose_id_phone_bank_id_or_code_is_taken_is_a_uniqueness_conflict(
    customers: CustomersRepository, taken: dict[str, str]
) -> None:
    customers.create(customer(), TELEGRAM)
    other = {"customer_id": "c_bob", "phone": "+375292223344", "bank_customer_id": "BANK-c_bob"}
    other |= {"referral_code": "BOBBY22"} | taken

    with pytest.raises(UniquenessConflict):
        customers.create(customer(**other), VIBER)

    assert customers.by_identity(VIBER.key) is None


def test_a_table_that_fails_is_no_uniqueness_conflict(customers: CustomersRepository) -> None:
    with pytest.raises(ClientError) as failed:
        without_table(customers).create(customer(), TELEGRAM)

    assert failed.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_referred_customer_reads_back_with_their_referrer(customers: CustomersRepository) -> None:
    customers.create(customer(referred_by="c_bob"), TELEGRAM)

    assert customers.get("c_alice") == customer(referred_by="c_bob")
    assert customers.by_phone("+375291112233") == customer(referred_by="c_bob")


def test_a_customer_referred_by_nobody_reads_back_so(customers: CustomersRepository) -> None:
    customers.create(customer(), TELEGRAM)

    found = customers.get("c_alice")
    assert found == customer() and found is not None and found.referred_by is None


# --- binding a chat --------------------------------------------------------------------------------------------------
def test_a_binding_without_a_clock_is_stamped_now_in_utc(customers: CustomersRepository) -> None:
    before = datetime.now(UTC)

    binding = customers.link_identity("c_alice", TELEGRAM)

    assert binding is not None and binding.bound_at is not None
    assert binding.bound_at.utcoffset() == timedelta(0)
    assert before <= binding.bound_at <= datetime.now(UTC)
    [read] = customers.bindings("c_alice")
    assert read.bound_at == binding.bound_at


def test_binding_on_a_table_that_fails_is_no_binding_again(customers: CustomersRepository) -> None:
    with pytest.raises(ClientError) as failed:
        without_table(customers).link_identity("c_alice", TELEGRAM, AT)

    assert failed.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_chat_bound_before_bindings_had_ids_reads_back_with_its_derived_id(customers: CustomersRepository) -> None:
    customers.link_identity("c_alice", TELEGRAM, AT)
    customers.table.update_item(
        Key={"pk": "CUSTOMER#c_alice", "sk": f"IDENTITY#{TELEGRAM.key}"}, UpdateExpression="REMOVE binding_id, bound_at"
    )
    # The id such a chat was listed with: its customer and chat, hashed, hex digits moved to letters.
    digest = hashlib.sha256(b"binding:c_alice:telegram#t-1").hexdigest()[:20]
    derived = "b_" + "".join("abcdefghijklmnop"["0123456789abcdef".index(ch)] for ch in digest)

    [legacy] = customers.bindings("c_alice")

    assert legacy == Binding(binding_id=derived, customer_id="c_alice", identity=TELEGRAM, bound_at=None)
    assert customers.unbind(legacy) is True


# --- removing a binding ----------------------------------------------------------------------------------------------
def test_a_binding_is_removed_once_and_the_second_time_is_no_removal(customers: CustomersRepository) -> None:
    binding = customers.link_identity("c_alice", TELEGRAM, AT)
    assert binding is not None

    assert customers.unbind(binding) is True
    assert customers.unbind(binding) is False
    assert customers.bindings("c_alice") == []


def test_an_old_binding_never_removes_the_chat_bound_again_since(customers: CustomersRepository) -> None:
    old = customers.link_identity("c_alice", TELEGRAM, AT)
    assert old is not None and customers.unbind(old)
    new = customers.link_identity("c_alice", TELEGRAM, AT + timedelta(hours=1))
    assert new is not None and new.binding_id != old.binding_id

    assert customers.unbind(old) is False

    assert customers.bindings("c_alice") == [new]


def test_removing_on_a_table_that_fails_is_no_lost_race(customers: CustomersRepository) -> None:
    binding = customers.link_identity("c_alice", TELEGRAM, AT)
    assert binding is not None

    with pytest.raises(ClientError) as failed:
        without_table(customers).unbind(binding)

    assert failed.value.response["Error"]["Code"] == "ResourceNotFoundException"
