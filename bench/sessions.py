"""What the sign-in zone adds to every operation: issuing and checking the session JWT, in process.

Baseline in the same run: validating the operation's own request (pydantic), which every operation
does anyway. Medians over several rounds of many calls each.

Run from the repository root: PYTHONPATH=layers/common:. .venv/bin/python -m bench sessions
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from messenger_bank.cards.models import GetBalanceRequest
from messenger_bank.security.session_tokens import check_session, issue_session

KEY = b"k" * 48
CHAT = "telegram:100200300"
CALLS, ROUNDS = 2_000, 7


def _us_per_call(action: Callable[[], object]) -> float:
    """Median over ROUNDS of the mean µs per call in a round of CALLS calls."""
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(CALLS):
            action()
        rounds.append((time.perf_counter() - start) / CALLS * 1e6)
    return statistics.median(rounds)


def main() -> None:
    token = issue_session("c_bench", CHAT, key=KEY, auth_time=datetime.now(UTC) - timedelta(minutes=1))
    envelope = {"token": token, "chat_key": CHAT}
    request = {"customer_id": "c_bench", "card_id": "card_0001", "language": "ru"}

    baseline = _us_per_call(lambda: GetBalanceRequest.model_validate(request))
    issue = _us_per_call(lambda: issue_session("c_bench", CHAT, key=KEY))
    check = _us_per_call(lambda: check_session(envelope, "c_bench", chat_key=CHAT, key=KEY))
    sensitive = _us_per_call(lambda: check_session(envelope, "c_bench", chat_key=CHAT, key=KEY, sensitive=True))

    print(f"baseline: validate an operation's request     {baseline:8.1f} µs")
    print(f"issue a session (find_customer, sign_in)      {issue:8.1f} µs  ({issue / baseline:5.1f}× baseline)")
    print(f"check the session (every customer operation)  {check:8.1f} µs  ({check / baseline:5.1f}× baseline)")
    print(f"check + recent proof (sensitive operations)   {sensitive:8.1f} µs  ({sensitive / baseline:5.1f}× baseline)")
    print(f"token size: {len(token)} characters; medians of {ROUNDS} rounds × {CALLS} calls")
    print("(the key is read from SSM once per 5 minutes per warm function, not counted here)")
