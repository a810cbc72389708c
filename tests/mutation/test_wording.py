"""Which mutants count as wording (tests/mutation/wording.py): each case one change from a real mutant's shape."""

from __future__ import annotations

import pytest

from tests.mutation.wording import EXCEPTION_MESSAGE, LOG, wording

ORIGINAL = """
def f(payment, settings=None):
    if payment.status != "paid":
        logger.info("top-up not paid", extra={"status": payment.status})
        raise TopUpNotPaid(f"the payment is {payment.status}", status=payment.status)
    metrics.add_metric(name="TopUpsCompleted", unit="Count", value=1)
    return short_answer(200, "ok")
"""


def _mutant(before: str, after: str) -> str:
    assert before in ORIGINAL
    return ORIGINAL.replace(before, after, 1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('"top-up not paid", ', '"XXtop-up not paidXX", '),
        ('"top-up not paid", ', "None, "),
        ('extra={"status": payment.status}', "extra=None"),
        ('"status": payment', '"STATUS": payment'),
        ('"top-up not paid", extra={"status": payment.status}', '"top-up not paid", '),
    ],
)
def test_a_change_inside_a_log_call_is_log_wording(before: str, after: str) -> None:
    assert wording(ORIGINAL, _mutant(before, after)) == LOG


@pytest.mark.parametrize(
    "after",
    ['TopUpNotPaid("XXthe paymentXX", status', "TopUpNotPaid(None, status", "TopUpNotPaid(status"],
)
def test_the_message_of_a_raised_exception_is_wording(after: str) -> None:
    assert wording(ORIGINAL, _mutant('TopUpNotPaid(f"the payment is {payment.status}", status', after)) == (
        EXCEPTION_MESSAGE
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("status=payment.status)", "status=None)"),  # a field the code that catches it reads
        ("raise TopUpNotPaid(", "raise ValueError("),  # another exception type
        ('name="TopUpsCompleted"', 'name="XXTopUpsCompletedXX"'),  # a metric an alarm watches
        ("value=1", "value=2"),
        ('short_answer(200, "ok")', 'short_answer(200, "XXokXX")'),  # what the acquirer reads
        ('!= "paid"', '== "paid"'),  # the condition around the log call
        ("settings=None", "settings=1"),  # the def's own default
    ],
)
def test_a_change_outside_log_and_exception_text_is_behaviour(before: str, after: str) -> None:
    assert wording(ORIGINAL, _mutant(before, after)) is None


def test_a_log_change_together_with_a_behaviour_change_is_behaviour() -> None:
    mutant = _mutant('"top-up not paid"', '"XX"').replace("value=1", "value=2")
    assert wording(ORIGINAL, mutant) is None


def test_an_unchanged_function_is_not_wording() -> None:
    assert wording(ORIGINAL, ORIGINAL) is None
