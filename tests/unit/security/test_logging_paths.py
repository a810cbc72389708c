"""Redaction on the paths the other logging tests do not take: values of types JSON does not know (turned into
text by the formatter's default first), a model's undeclared fields, %-style arguments given as a mapping or as
objects, and an exception text another handler formatted before ours.

Each case logs one such value with a card number or a secret in it and checks the whole line it became.
"""

from __future__ import annotations

import io
import json
import logging

import pytest
from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

from messenger_bank.security.logging import REDACTED, RedactingFormatter, install_redaction, redact
from tests.unit.security.test_logging import powertools_logger, unique_name

PAN = "4111111111111111"
MASK = "411111******1111"


class Receipt:
    """A value JSON cannot serialise: the formatter's default (``str``) turns it into text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Receipt({self.text})"


class Payment(BaseModel):
    receipt: Receipt
    amount: int

    model_config = ConfigDict(arbitrary_types_allowed=True)


class CallbackBody(BaseModel):
    """A partner's payload: fields we did not declare are kept (``extra="allow"``) and must be redacted too."""

    model_config = ConfigDict(extra="allow")

    event: str


def one_line(stream: io.StringIO) -> dict[str, object]:
    text = stream.getvalue().strip()
    assert "\n" not in text, text
    loaded: dict[str, object] = json.loads(text)
    return loaded


def test_the_redacting_formatter_writes_the_redacted_record() -> None:
    stream = io.StringIO()
    logger = Logger(
        service=unique_name(), logger_handler=logging.StreamHandler(stream), logger_formatter=RedactingFormatter()
    )

    logger.info("paid", extra={"password": "hunter2", "receipt": Receipt(f"card {PAN}"), "amount": 1050})

    line = one_line(stream)
    assert (line["message"], line["password"], line["receipt"], line["amount"]) == (
        "paid",
        REDACTED,
        f"card {MASK}",
        1050,
    )


def test_an_unserialisable_field_of_a_model_is_written_as_its_redacted_text() -> None:
    logger, stream = powertools_logger()
    install_redaction(logger)

    logger.info("paid", extra={"payment": Payment(receipt=Receipt(f"card {PAN}"), amount=1050)})

    assert one_line(stream)["payment"] == {"receipt": f"card {MASK}", "amount": 1050}


def test_the_undeclared_fields_of_a_model_are_redacted() -> None:
    body = CallbackBody(event="paid", card=f"card {PAN}", pin="1234", receipt=Receipt(f"card {PAN}"))

    assert redact(body) == {"event": "paid", "card": f"card {MASK}", "pin": REDACTED, "receipt": f"card {MASK}"}


def test_the_undeclared_fields_of_a_model_reach_the_log_redacted() -> None:
    logger, stream = powertools_logger()
    install_redaction(logger)

    logger.info("callback", extra={"body": CallbackBody(event="paid", note="ok", otp="482913")})

    assert one_line(stream)["body"] == {"event": "paid", "note": "ok", "otp": REDACTED}


def standard_logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    std = logging.getLogger(unique_name())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    std.addHandler(handler)
    std.setLevel(logging.DEBUG)
    std.propagate = False
    install_redaction(std)
    return std, stream


def test_mapping_arguments_redact_only_the_secret_named_ones() -> None:
    logger, stream = standard_logger()

    logger.info("account %(account)s pin %(pin)s", {"account": "BY-001", "pin": "1234"})

    assert stream.getvalue().strip() == f"account BY-001 pin {REDACTED}"


def test_a_model_given_as_a_mapping_argument_is_formatted_redacted() -> None:
    logger, stream = standard_logger()

    logger.info("seen %(payment)s", {"payment": Payment(receipt=Receipt("ok"), amount=1050)})

    assert stream.getvalue().strip() == "seen {'receipt': 'ok', 'amount': 1050}"


def test_an_object_argument_is_formatted_as_its_redacted_text() -> None:
    logger, stream = standard_logger()

    logger.info("seen %r", Receipt("pin=1234"))

    assert stream.getvalue().strip() == f"seen 'pin={REDACTED}'"


def test_a_card_number_in_an_object_argument_is_masked() -> None:
    logger, stream = standard_logger()

    logger.info("seen %s", Receipt(f"card {PAN}"))

    assert stream.getvalue().strip() == f"seen card {MASK}"


def test_a_none_argument_is_formatted_as_none() -> None:
    logger, stream = standard_logger()

    logger.info("seen %s and %r", None, None)

    assert stream.getvalue().strip() == "seen None and None"


def test_an_exception_text_another_handler_formatted_first_is_masked() -> None:
    # A child logger's own plain handler formats the traceback first (logging caches it on the record as
    # exc_text); the record then propagates to the parent, whose handler redacts.
    parent, stream = standard_logger()
    parent.propagate = False
    handler = parent.handlers[0]
    handler.setFormatter(logging.Formatter("%(message)s"))
    child = logging.getLogger(f"{parent.name}.child")
    child.propagate = True
    plain = io.StringIO()
    child.addHandler(logging.StreamHandler(plain))

    try:
        raise ValueError(f"refused card {PAN}")
    except ValueError:
        child.exception("transfer failed")

    assert PAN in plain.getvalue()  # the child's own handler is not ours
    assert "Traceback" in stream.getvalue()
    assert f"refused card {MASK}" in stream.getvalue()
    assert PAN not in stream.getvalue()


# --- redact_text, exactly -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("refused: pin=1234", f"refused: pin={REDACTED}"),
        ("new_pin: 9876 kept", f"new_pin: {REDACTED} kept"),
        ("passport MP1234567 checked", "passport [redacted] checked"),
        ("personal number 3170590A001PB5.", "personal number [redacted]."),
        ("Bearer abcdefghijklmnop", "[redacted]"),
        # No digit, no space, no "=" or ":": a tab is the only thing between the scheme and the credential.
        ("Bearer\tabcdefghijklmnop", "[redacted]"),
        # A JWT-shaped value without a digit or a space.
        ("token-eyJhbGciOiJub25lIn.eyJzdWIiOiJhYmMifQ.abcdefgh", "token-[redacted]"),
        ("nothing-to-hide", "nothing-to-hide"),
    ],
)
def test_redact_text_replaces_exactly_the_secret(text: str, redacted: str) -> None:
    assert redact(text) == redacted


def test_none_and_small_numbers_are_kept() -> None:
    value = {"reason": None, "amount": 1050, "flag": False, "big": 10**12}

    assert redact(value) == value


# --- the formatter's default, at every depth ------------------------------------------------------------------
class Parcel:
    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


def test_an_unserialisable_value_becomes_its_redacted_text() -> None:
    assert redact(Receipt(f"card {PAN}")) == f"card {MASK}"


def test_a_default_that_makes_dicts_of_objects_is_applied_at_every_depth() -> None:
    parcel = Parcel(card=PAN, inner=Parcel(pin="1234", note="ok"))

    assert redact(parcel, vars) == {"card": MASK, "inner": {"pin": REDACTED, "note": "ok"}}


@pytest.mark.parametrize(
    "value",
    [
        {"receipt": Receipt("x")},
        [Receipt("x")],
        Payment(receipt=Receipt("x"), amount=1),
        CallbackBody(event="e", receipt=Receipt("x")),
    ],
    ids=["in a dict", "in a list", "a model's field", "a model's undeclared field"],
)
def test_the_given_default_is_used_inside_containers_and_models(value: object) -> None:
    assert "<a receipt>" in json.dumps(redact(value, lambda v: "<a receipt>"))


def test_a_powertools_formatter_with_its_own_default_keeps_it_when_redacting() -> None:
    stream = io.StringIO()
    logger = Logger(
        service=unique_name(),
        logger_handler=logging.StreamHandler(stream),
        json_default=lambda v: "<a receipt>",
    )
    install_redaction(logger)

    logger.info("paid", extra={"receipt": Receipt("x")})

    assert one_line(stream)["receipt"] == "<a receipt>"


def test_the_redacting_formatter_keeps_its_own_default() -> None:
    stream = io.StringIO()
    logger = Logger(
        service=unique_name(),
        logger_handler=logging.StreamHandler(stream),
        logger_formatter=RedactingFormatter(json_default=lambda v: "<a receipt>"),
    )

    logger.info("paid", extra={"receipt": Receipt("x")})

    assert one_line(stream)["receipt"] == "<a receipt>"


# --- installing ------------------------------------------------------------------------------------------------
def test_installing_twice_wraps_the_serialiser_once() -> None:
    logger, _ = powertools_logger()
    install_redaction(logger)
    formatter = logger.handlers[0].formatter
    wrapped = formatter.json_serializer  # type: ignore[union-attr]

    install_redaction(logger)

    assert formatter.json_serializer is wrapped  # type: ignore[union-attr]
    assert len(logger.handlers[0].filters) == 1


def test_a_redacting_formatter_is_not_wrapped_again() -> None:
    formatter = RedactingFormatter()
    serialiser = formatter.json_serializer
    logger = Logger(
        service=unique_name(), logger_handler=logging.StreamHandler(io.StringIO()), logger_formatter=formatter
    )

    install_redaction(logger)

    assert formatter.json_serializer is serialiser


def test_every_handler_after_a_redacting_one_gets_redaction_too() -> None:
    first, second = io.StringIO(), io.StringIO()
    std = logging.getLogger(unique_name())
    std.propagate = False
    redacting = logging.StreamHandler(first)
    redacting.setFormatter(RedactingFormatter())
    plain = logging.StreamHandler(second)
    plain.setFormatter(logging.Formatter("%(message)s"))
    std.addHandler(redacting)
    std.addHandler(plain)
    install_redaction(std)

    std.warning("card %s", PAN)

    assert second.getvalue().strip() == f"card {MASK}"


def test_something_without_handlers_is_left_alone() -> None:
    install_redaction(object())


class Credentials(BaseModel):
    client: str
    api_key: str


def test_a_model_argument_of_a_powertools_logger_is_redacted_before_it_is_formatted() -> None:
    logger, stream = powertools_logger()
    install_redaction(logger)

    logger.info("calling with %s", Credentials(client="bank", api_key="sk-live-abcdef"))

    assert one_line(stream)["message"] == f"calling with {{'client': 'bank', 'api_key': '{REDACTED}'}}"
