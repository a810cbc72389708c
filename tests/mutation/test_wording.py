"""Which mutants count as wording (tests/mutation/wording.py): each case one change from a real mutant's shape."""

from __future__ import annotations

import pytest

from tests.mutation.wording import ARGUMENT_ONLY_WORDED, EXCEPTION_MESSAGE, LOG, Package, Where, wording

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


# An argument only worded: a banking client's `operation=` name, passed at a call site and read, down the calls it is
# passed on to, only in a log call and in the message of the exception raised.
PACKAGE = {
    "messenger_bank.errors": """
class DomainError(Exception):
    def __init__(self, message: str = "", **details):
        super().__init__(message or self.__class__.__name__)
        self.details = details


class BankSystemUnavailable(DomainError):
    transient = True


class Refused(DomainError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
""",
    "messenger_bank.http": """
from messenger_bank.errors import BankSystemUnavailable, Refused
from messenger_bank.observability import logger, metrics


def with_retries(system, operation, call, *, retryable=False):
    try:
        return call()
    except TimeoutError:
        logger.warning("bank call failed", extra={"system": system, "operation": operation})
        raise BankSystemUnavailable(f"{system} {operation}: timed out", system=system)
""",
    "messenger_bank.rest": """
from messenger_bank.http import with_retries


class RestClient:
    def __init__(self, system: str) -> None:
        self.system = system

    def call(self, method, path, *, operation: str, json=None, tag: str = "") -> dict:
        def attempt() -> dict:
            return {"method": method, "path": path, "json": json}

        logger.info(f"calling {operation!r}", extra={"tag": tag})
        return with_retries(self.system, operation, attempt, retryable=method == "GET")
""",
    "messenger_bank.core": """
from messenger_bank.rest import RestClient


class CoreClient:
    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    def create(self, body):
        return self.rest.call("POST", "/api/v1/things", operation="create", json=body)
""",
}

CALLER = """
def f(self, body):
    return self.rest.call("POST", "/api/v1/things", operation="create", json=body)
"""


def _package(module: str = "messenger_bank.rest", before: str = "", after: str = "") -> Package:
    assert before in PACKAGE[module]
    return Package({**PACKAGE, module: PACKAGE[module].replace(before, after, 1)})


def _worded(mutant: str, package: Package, caller: str = CALLER) -> str | None:
    return wording(caller, mutant, Where(package, "messenger_bank.core", "CoreClient"))


@pytest.mark.parametrize(
    "after",
    [
        'operation="XXcreateXX"',
        'operation="CREATE"',
        "operation=None",
    ],
)
def test_an_argument_read_only_in_a_log_call_and_an_exception_message_is_wording(after: str) -> None:
    assert _worded(CALLER.replace('operation="create"', after), _package()) == ARGUMENT_ONLY_WORDED


def test_a_dropped_argument_with_a_default_read_only_as_wording_is_wording() -> None:
    caller = CALLER.replace("json=body)", 'json=body, tag="mine")')
    assert _worded(caller.replace(', tag="mine"', ""), _package(), caller) == ARGUMENT_ONLY_WORDED


@pytest.mark.parametrize(
    ("module", "before", "after"),
    [
        # the parameter returned, stored, compared, measured, sent
        ("messenger_bank.rest", "return with_retries(", "return operation or with_retries("),
        (
            "messenger_bank.rest",
            '        logger.info(f"calling',
            '        self.last = operation\n        logger.info(f"calling',
        ),
        ("messenger_bank.rest", 'extra={"tag": tag}', 'extra={"tag": tag, "long": operation == "create"}'),
        ("messenger_bank.rest", '"json": json}', '"json": json, "name": operation}'),
        ("messenger_bank.rest", '"path": path', '"path": f"{path}/{operation}"'),
        (
            "messenger_bank.http",
            "return call()",
            'metrics.add_metric(name=operation, unit="Count", value=1)\n        return call()',
        ),
        # passed on to a function that does more with it, or as a field of the exception
        ("messenger_bank.http", "system=system)", "system=system, operation=operation)"),
        (
            "messenger_bank.http",
            'raise BankSystemUnavailable(f"{system} {operation}: timed out", system=system)',
            'raise Refused(f"{operation}")',
        ),
        (
            "messenger_bank.http",
            'extra={"system": system, "operation": operation}',
            'extra={"operation": operation.upper()}',
        ),
        ("messenger_bank.rest", 'logger.info(f"calling {operation!r}"', 'logger.info(f"calling {operation:>12}"'),
        ("messenger_bank.rest", "self.system, operation, attempt", "self.system, f'{operation}', attempt"),
        # the call cannot be followed for sure
        ("messenger_bank.rest", "def call(self,", "@cached\n    def call(self,"),
        ("messenger_bank.rest", "return with_retries(", "return outside(operation) or with_retries("),
    ],
)
def test_an_argument_the_called_function_also_uses_otherwise_is_behaviour(module: str, before: str, after: str) -> None:
    mutant = CALLER.replace('operation="create"', 'operation="XXcreateXX"')
    assert _worded(mutant, _package(module, before, after)) is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('operation="create", ', ""),  # a required argument dropped: a TypeError
        ("json=body", "json=None"),  # the body sent
        ('"POST"', '"XXPOSTXX"'),  # the method, read by `retryable=`
        ("self.rest.call(", "self.rest.send("),  # another method
    ],
)
def test_another_change_at_the_call_site_is_behaviour(before: str, after: str) -> None:
    assert _worded(CALLER.replace(before, after, 1), _package()) is None


@pytest.mark.parametrize(
    ("module", "before", "after"),
    [
        ("messenger_bank.core", "rest: RestClient", "rest"),  # the receiver's class not declared
        ("messenger_bank.core", "rest: RestClient", "rest: RestClient | None"),
        ("messenger_bank.core", "self.rest = rest", "self.rest = rest\n        self.rest = make_rest()"),
        ("messenger_bank.rest", "class RestClient:", "class RestClient(Outside):"),  # `call` may be inherited
    ],
)
def test_an_argument_to_an_object_of_an_unsure_class_is_behaviour(module: str, before: str, after: str) -> None:
    mutant = CALLER.replace('operation="create"', "operation=None")
    assert _worded(mutant, _package(module, before, after)) is None


def test_an_override_in_a_subclass_that_uses_the_argument_otherwise_is_behaviour() -> None:
    override = """

class AuditedRestClient(RestClient):
    def call(self, method, path, *, operation: str, json=None, tag: str = "") -> dict:
        return {"operation": operation}
"""
    mutant = CALLER.replace('operation="create"', "operation=None")
    package = Package({**PACKAGE, "messenger_bank.rest": PACKAGE["messenger_bank.rest"] + override})
    assert _worded(mutant, package) is None


def test_without_knowing_where_the_function_is_an_argument_is_behaviour() -> None:
    assert wording(CALLER, CALLER.replace('operation="create"', "operation=None")) is None
