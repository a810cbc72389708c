"""The step-up policy a transfer step is given is the one it applies (the environment's, in these tests 10 000.00 a
day and 1 000.00 free of a code, would let 51.00 through without a code); a debit that never reached the bank gives
today's count back when the refund finds nothing debited, and a refund gives it back at the step's time; a recipient
told is counted once for the alarms."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from messenger_bank.banking.models.core import DebitRequest, Operation
from messenger_bank.errors import BankSystemUnavailable, CardNotFound
from messenger_bank.spending.errors import CodeRequired
from messenger_bank.spending.settings import SpendingSettings
from messenger_bank.transfers import service
from messenger_bank.transfers.models import QuoteTransferRequest
from tests.unit.transfers.conftest import CUSTOMER, NOW, RECIPIENT_PAN, REFUSED_PAN, SETTINGS, World
from tests.unit.transfers.test_journey_steps import credit, prepared
from tests.unit.transfers.test_tell_recipient import Chats, completed, recipient_banks_with_us, tell
from tests.unit.transfers.test_transfer_step_up import debit, refund, spent

Metrics = Callable[[], dict[str, tuple[str, float]]]
# 10.00 a day free of a code: a 50.00 transfer (51.00 with its fee) needs one under this policy only.
STRICT = SpendingSettings(free_per_day_minor=1_000, limit_per_day_minor=1_000_000)


def quoted(world: World, request: QuoteTransferRequest, policy: SpendingSettings | None) -> bool:
    answer = service.quote_transfer(
        request, settings=SETTINGS, quotes=world.quotes, customers_repository=world.customers,
        vault=world.vault, core=world.core, policy=policy, clock=lambda: NOW,  # type: ignore[arg-type]
    )  # fmt: skip
    return answer.otp_required


def test_the_quote_asks_for_a_code_by_the_policy_it_is_given(world: World) -> None:
    request = QuoteTransferRequest(
        customer_id=CUSTOMER, card_token=world.vault.add(RECIPIENT_PAN), amount_minor=5_000, currency="BYN"
    )

    assert (quoted(world, request, STRICT), quoted(world, request, None)) == (True, False)


def test_the_debit_is_held_to_the_policy_it_is_given(world: World) -> None:
    state = prepared(world, amount=5_000)  # quoted under the environment's policy: no code asked

    with pytest.raises(CodeRequired):
        service.debit_transfer(state, quotes=world.quotes, core=world.core, policy=STRICT, clock=lambda: NOW)  # type: ignore[arg-type]
    assert (world.core.operations, spent(world)) == (0, 0)


def test_a_debit_that_never_reached_the_bank_gives_its_count_back_when_nothing_was_debited(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = prepared(world, amount=5_000)

    def unreachable(request: DebitRequest) -> Operation:
        raise BankSystemUnavailable("the bank did not answer", system="core")

    with monkeypatch.context() as bank_down:
        bank_down.setattr(world.core, "debit", unreachable)
        with pytest.raises(BankSystemUnavailable):
            debit(world, state)
    assert spent(world) == 5_100  # counted: the money might have left
    world.core.balance_minor = 1_000  # the refund's replay of the debit is refused: nothing was debited

    assert refund(world, state).outcome == "not_debited"
    assert spent(world) == 0
    marker = world.quotes.table.get_item(Key={"pk": f"SPENDING#{CUSTOMER}", "sk": "OP#transfer:transfer-abc-1"})
    assert marker["Item"]["released_at"] == int(NOW.timestamp())  # at the step's time, not the machine's


def test_a_recipient_told_is_counted_once(world: World, emitted_metrics: Metrics) -> None:
    recipient_banks_with_us(world)
    state = completed(world)

    tell(world, state, Chats())

    assert emitted_metrics().get("TransferRecipientsTold") == ("Count", 1.0)


def test_a_recipient_not_reached_is_not_counted_as_told(world: World, emitted_metrics: Metrics) -> None:
    recipient_banks_with_us(world)
    state = completed(world)

    tell(world, state, Chats(blocked_the_bot={"telegram:555", "viber:vb555"}))

    assert "TransferRecipientsTold" not in emitted_metrics()


def test_a_refunded_transfers_count_is_given_back_at_the_steps_time(world: World) -> None:
    state = debit(world, prepared(world, pan=REFUSED_PAN, amount=5_000))
    with pytest.raises(CardNotFound):
        credit(world, state)

    assert refund(world, state).outcome == "refunded"

    marker = world.quotes.table.get_item(Key={"pk": f"SPENDING#{CUSTOMER}", "sk": "OP#transfer:transfer-abc-1"})
    assert marker["Item"]["released_at"] == int(NOW.timestamp())


def test_the_credited_state_names_the_banks_credit_operation(world: World) -> None:
    debited = debit(world, prepared(world, amount=5_000))

    credited = credit(world, debited)

    assert (credited.outcome, credited.debit_id, credited.credit_id) == ("completed", "op-1", "op-2")
