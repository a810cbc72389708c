"""What travels beside a request in every Lambda's event: the turn's correlation id and the chat's session.

Apart from the operations' declarations (operations.py) so that a function that declares none (a webhook,
a journey's step) does not import every context's models to read two keys.
"""

from __future__ import annotations

from typing import Literal

# The key under which a correlation id travels in every Lambda's event (see webhooks.correlation_id_of).
CORRELATION_KEY = "correlation_id"
# The key under which the conversation sends the chat's session (security.session_tokens.SessionEnvelope).
SESSION_KEY = "session"
# What an operation asks of the session: "customer" - a valid one, of the customer the request names;
# "sensitive" - also a card or bank password proven recently (else ReauthenticationRequired).
SessionCheck = Literal["customer", "sensitive"]
# A journey's warm-up (statemachines/card_issuance_warm_up.asl.yaml) invokes its functions with this key, true,
# and the turn's correlation id: each starts its execution environment (the init), pays what its first call
# would (handlers.lambda_entry's `warm`) and changes nothing.
WARM_UP_KEY = "warm_up"


def is_warm_up(event: object) -> bool:
    """A warm-up event and nothing more (handlers.lambda_entry answers it before any request is read)."""
    return isinstance(event, dict) and event.get(WARM_UP_KEY) is True and set(event) <= {WARM_UP_KEY, CORRELATION_KEY}
