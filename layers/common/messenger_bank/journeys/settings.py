"""The journeys' environment: ``JOURNEY_WAITS_TABLE`` (where parked task tokens wait), one
``<JOURNEY>_STATE_MACHINE_ARN`` per journey a function starts (only those its template entry sets), and
``<JOURNEY>_WARM_UP_STATE_MACHINE_ARN`` for a journey whose functions are woken ahead (service.prepare)."""

from __future__ import annotations

from messenger_bank.configuration import EnvironmentSettings, read_once


class JourneySettings(EnvironmentSettings):
    journey_waits_table: str = ""
    card_issuance_state_machine_arn: str = ""
    transfer_state_machine_arn: str = ""
    topup_state_machine_arn: str = ""
    bill_payment_state_machine_arn: str = ""
    plastic_card_order_state_machine_arn: str = ""
    card_issuance_warm_up_state_machine_arn: str = ""

    def state_machine_arn(self, journey: str) -> str:
        arn = getattr(self, f"{journey.lower()}_state_machine_arn", "")
        if not arn:
            raise KeyError(f"{journey.upper()}_STATE_MACHINE_ARN is not set for this function")
        return str(arn)

    def warm_up_arn(self, journey: str) -> str:
        """The machine that wakes `journey`'s functions; "" where none is deployed (nothing is woken)."""
        return str(getattr(self, f"{journey.lower()}_warm_up_state_machine_arn", ""))


journey_settings = read_once(JourneySettings)
