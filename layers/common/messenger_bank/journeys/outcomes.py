"""How a journey ended when that is neither a plain success nor a plain failure, counted for the alarms.

A refusal is the bank's answer, not a fault: under age, not enough money, a wrong code, a confirmation that
never came. Its execution still ends in the journey's Fail state (the customer was told, nothing moved),
so the journey's failure-rate alarm takes ``JourneysRefused`` (dimension ``journey``) off
``ExecutionsFailed``; the same count by ``journey`` and ``reason`` is there to look at, never alarmed.

Money stuck is the opposite: a state such as ``RefundStuck`` where a customer's money is between two
accounts until operations re-drive the execution. ``MoneyStuck`` (dimension ``journey``) pages at once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank.observability import count, logger

# The journey is the state machine's file name (statemachines/<journey>.asl.yaml), as the alarms name it.
JOURNEY_PATTERN = r"^[a-z][a-z_]{1,40}$"
# A refusal's reason is the error the journey caught (ApplicantUnderAge, States.Timeout); a stuck state its name.
REASON_PATTERN = r"^[A-Za-z][A-Za-z0-9.]{1,63}$"


class JourneyOutcome(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    journey: str = Field(pattern=JOURNEY_PATTERN)
    outcome: Literal["refused", "stuck"]
    reason: str = Field(pattern=REASON_PATTERN)


class OutcomeRecorded(BaseModel):
    journey: str
    outcome: Literal["refused", "stuck"]


def record_outcome(outcome: JourneyOutcome) -> OutcomeRecorded:
    """Count the outcome once per call (the state that calls this is not retried past a success)."""
    if outcome.outcome == "refused":
        # The alarm's series (by journey) and the one to read (by journey and reason).
        count("JourneysRefused", journey=outcome.journey)
        count("JourneysRefused", journey=outcome.journey, reason=outcome.reason)
        logger.info("journey refused", extra={"journey": outcome.journey, "reason": outcome.reason})
    else:
        count("MoneyStuck", journey=outcome.journey)
        logger.error("money stuck", extra={"journey": outcome.journey, "state": outcome.reason})
    return OutcomeRecorded(journey=outcome.journey, outcome=outcome.outcome)
