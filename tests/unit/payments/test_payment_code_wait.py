"""How long the bill_payment journey waits for the one-time code: the prepared state carries the payment
settings' wait (the state machine's TimeoutSecondsPath reads it), not the state's default."""

from __future__ import annotations

from messenger_bank.payments.models import BillPaymentState
from messenger_bank.payments.service import prepare_payment
from messenger_bank.payments.settings import PaymentSettings
from tests.unit.payments.conftest import CUSTOMER, NOW, World
from tests.unit.payments.test_payment_rules import quote

DEFAULT_WAIT = BillPaymentState.model_fields["confirm_timeout_seconds"].default


def test_the_prepared_state_waits_for_the_code_as_long_as_the_settings_say(world: World) -> None:
    state = BillPaymentState(
        quote_id=quote(world, 1_500).quote_id, customer_id=CUSTOMER, chat_key="telegram:1", payment_id="bill-1"
    )

    prepared = prepare_payment(
        state, settings=PaymentSettings(code_timeout_seconds=600), payments=world.payments, clock=lambda: NOW
    )

    assert DEFAULT_WAIT != 600
    assert prepared.confirm_timeout_seconds == 600
