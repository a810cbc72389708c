"""Journey step - counts a refusal by its reason or money stuck, for the alarms (journeys/outcomes.py)."""

from messenger_bank.handlers import step_lambda
from messenger_bank.journeys.outcomes import JourneyOutcome, record_outcome

lambda_handler = step_lambda(JourneyOutcome, record_outcome)
