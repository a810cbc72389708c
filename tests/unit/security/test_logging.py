from __future__ import annotations

import io
import json
import logging
import re
import uuid

import pytest
from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field

from messenger_bank.security.logging import (
    REDACTED,
    RedactingFormatter,
    install_redaction,
    is_secret_key,
    redact,
)
from tests.support.pan_oracle import card_numbers_in

PAN = "4111111111111111"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def unique_name() -> str:
    # Letters only: a digit run in a hex id could itself read as a card number to the oracle.
    return "test-" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))


def powertools_logger() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    logger = Logger(service=unique_name(), logger_handler=logging.StreamHandler(stream))
    return logger, stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("pin", True),
        ("new_pin", True),
        ("newPin", True),
        ("cvv", True),
        ("password", True),
        ("bank_password", True),
        ("passport_number", True),
        ("access_token", True),
        ("client_secret", True),
        ("Authorization", True),
        ("card_number", True),
        ("api-key", True),
        ("shipping_address", False),
        ("mapping", False),
        ("customer_id", False),
        ("amount", False),
        ("card_mask", False),
    ],
)
def test_secret_field_names(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_a_powertools_logger_never_writes_a_card_number_or_a_secret_field() -> None:
    logger, stream = powertools_logger()
    install_redaction(logger)
    logger.append_keys(session_token=JWT)

    logger.info(f"transfer from {PAN} to 5555 5555 5555 4444", extra={"pin": "1234", "amount": 1050})
    logger.info({"card": {"number": PAN, "cvv": "123"}, "note": f"bearer {JWT}"})
    logger.info("plain", extra={"headers": {"Authorization": f"Bearer {JWT}"}, "reference": int(PAN)})
    try:
        raise ValueError(f"bad card {PAN}")
    except ValueError:
        logger.exception("failed")

    output = stream.getvalue()
    records = lines(stream)
    assert len(records) == 4
    assert card_numbers_in(output) == []
    assert '"1234"' not in output and '"123"' not in output and JWT not in output
    assert records[0]["pin"] == REDACTED and records[0]["amount"] == 1050
    assert records[0]["session_token"] == REDACTED
    assert "411111******1111" in str(records[0]["message"])
    assert records[1]["message"] == {"card": {"number": "411111******1111", "cvv": REDACTED}, "note": "[redacted]"}
    assert records[2]["headers"] == {"Authorization": REDACTED}
    assert records[2]["reference"] == "411111******1111"
    assert "bad card 411111******1111" in str(records[3]["exception"])


def test_installing_twice_redacts_once_and_keeps_appended_keys() -> None:
    logger, stream = powertools_logger()
    logger.append_keys(customer_id="c-1")
    install_redaction(logger)
    install_redaction(logger)

    logger.info("ok")

    assert lines(stream)[0]["customer_id"] == "c-1"


def test_the_redacting_formatter_can_be_given_to_a_new_logger() -> None:
    stream = io.StringIO()
    logger = Logger(
        service=unique_name(),
        logger_handler=logging.StreamHandler(stream),
        logger_formatter=RedactingFormatter(),
    )

    logger.info(PAN, extra={"password": "hunter2"})

    assert card_numbers_in(stream.getvalue()) == [] and "hunter2" not in stream.getvalue()


def test_a_standard_logging_handler_gets_a_redacting_filter() -> None:
    stream = io.StringIO()
    std = logging.getLogger(unique_name())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s %(pin)s"))
    std.addHandler(handler)
    std.propagate = False
    install_redaction(std)

    std.warning("card %s", PAN, extra={"pin": "4321"})

    assert stream.getvalue().strip() == f"card 411111******1111 {REDACTED}"


def test_redact_leaves_ordinary_values_alone() -> None:
    value = {"amount": 1050, "when": 1733509682123, "ok": True, "items": [1, "two"]}

    assert redact(value) == value


# --- the leaks the oracle found: each case one way a card number or a secret reached a log line ---------------
class ExtrasFormatter(logging.Formatter):
    """A plain formatter that also writes the ``extra`` fields (as a handler configured for them would)."""

    STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in record.__dict__.items() if k not in self.STANDARD}
        return super().format(record) + "".join(f" {k}={v!r}" for k, v in extras.items())


def standard_logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    std = logging.getLogger(unique_name())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ExtrasFormatter("%(levelname)s %(message)s"))
    std.addHandler(handler)
    std.setLevel(logging.DEBUG)
    std.propagate = False
    install_redaction(std)
    return std, stream


def redacting_powertools_logger() -> tuple[Logger, io.StringIO]:
    logger, stream = powertools_logger()
    install_redaction(logger)
    return logger, stream


def both_loggers() -> list[tuple[logging.Logger | Logger, io.StringIO]]:
    return [redacting_powertools_logger(), standard_logger()]


LOGGERS = pytest.mark.parametrize("which", [0, 1], ids=["powertools", "standard logging"])


@LOGGERS
@pytest.mark.parametrize(
    "separator",
    [" ", "\u00a0", "\u2009", "\u202f", "\u2007", "-", ".", "  ", " - ", "\t"],
    ids=["space", "no-break", "thin", "narrow no-break", "figure", "dash", "dot", "two spaces", "spaced dash", "tab"],
)
def test_a_card_number_in_the_message_is_masked_however_grouped(which: int, separator: str) -> None:
    logger, stream = both_loggers()[which]

    logger.info(f"paid with {separator.join(['4111', '1111', '1111', '1111'])}")
    logger.info("paid with %s", separator.join(["5555", "5555", "5555", "4444"]))

    assert card_numbers_in(stream.getvalue()) == []
    assert stream.getvalue().count("******") == 2


NUMBERS = {
    "13 digits": 4222222222222,
    "14 digits": 30569309025904,
    "15 digits": 378282246310005,
    "16 digits": 4111111111111111,
    "19 digits": 4000000000000000006,
}


@LOGGERS
@pytest.mark.parametrize("length", list(NUMBERS))
def test_a_card_number_logged_as_an_integer_is_masked(which: int, length: str) -> None:
    logger, stream = both_loggers()[which]
    number = NUMBERS[length]

    logger.info("refund", extra={"reference": number, "items": [number], "negative": -number})
    logger.info("refund %d", number)

    assert card_numbers_in(stream.getvalue()) == []


def test_a_card_number_as_a_dictionary_key_is_masked() -> None:
    logger, stream = redacting_powertools_logger()

    logger.info({"4111111111111111": "paid"})

    assert card_numbers_in(stream.getvalue()) == []


def test_a_card_number_held_in_a_float_is_masked_and_an_ordinary_float_kept() -> None:
    assert card_numbers_in(str(redact(4111111111111111.0))) == []
    assert redact(1050.25) == 1050.25


@LOGGERS
def test_exception_text_and_its_cause_are_masked(which: int) -> None:
    logger, stream = both_loggers()[which]

    try:
        try:
            raise KeyError("card 4111\u20091111\u20091111\u20091111")
        except KeyError as cause:
            raise ValueError("refused: pin=1234, card 5555 5555 5555 4444") from cause
    except ValueError:
        logger.exception("transfer failed")

    output = stream.getvalue()
    assert "transfer failed" in output and "Traceback" in output
    assert card_numbers_in(output) == []
    assert "1234" not in output


def test_stack_info_is_masked_in_the_standard_logging_path() -> None:
    logger, stream = standard_logger()
    card = "4111 1111 1111 1111"  # a local in the frame whose source line is shown

    logger.info("looking at %s", card[-4:], stack_info=True)

    assert "Stack (most recent call last)" in stream.getvalue()
    assert card_numbers_in(stream.getvalue()) == []


class CardForm(BaseModel):
    number: str
    cvv: str
    holder: str = Field(repr=False)
    amount: int


class Application(BaseModel):
    full_name: str = Field(repr=False)
    passport_number: str = Field(repr=False)
    card: CardForm


def application() -> Application:
    return Application(
        full_name="Иванов Иван",
        passport_number="MP1234567",
        card=CardForm(number="4111111111111111", cvv="737", holder="IVAN IVANOV", amount=1050),
    )


LOG_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}(?:[+-]\d{4})?")


@LOGGERS
@pytest.mark.parametrize("how", ["message", "extra", "argument", "in a list"])
def test_a_pydantic_model_logged_raw_shows_no_card_number_or_hidden_field(which: int, how: str) -> None:
    logger, stream = both_loggers()[which]
    model = application()

    if how == "message":
        logger.info(model)
    elif how == "extra":
        logger.info("application", extra={"application": model})
    elif how == "argument":
        logger.info("application %s", model)
    else:
        logger.info("applications", extra={"applications": [model]})

    # The line's own time is not the model's: its milliseconds were once 737, the hidden card code (a CI red).
    output = LOG_TIME.sub("", stream.getvalue())
    assert card_numbers_in(output) == []
    for hidden in ("737", "Иванов", "MP1234567", "IVAN IVANOV"):
        assert hidden not in output, hidden
    assert "1050" in output  # what a model does not hide is still logged


@LOGGERS
@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("pin=1234", "1234"),
        ("new_pin: 9876", "9876"),
        ("cvv='737'", "737"),
        ('password = "hunter2"', "hunter2"),
        ("otp=482913", "482913"),
        ("passport MP1234567", "MP1234567"),
        ("personal number 3170590A001PB5", "3170590A001PB5"),
    ],
)
def test_a_secret_named_in_free_text_is_masked(which: int, text: str, secret: str) -> None:
    logger, stream = both_loggers()[which]

    logger.info(f"refused: {text}")
    logger.info("refused: %s", text)

    assert secret not in stream.getvalue()
    assert stream.getvalue().count("refused") == 2


@LOGGERS
def test_ordinary_diagnostics_survive_redaction(which: int) -> None:
    logger, stream = both_loggers()[which]

    logger.info("operation refused", extra={"code": "insufficient_funds", "amount": 1050, "attempts": 3})
    logger.info("%d of %d, took %.2f s, at 2026-12-06 07:10:41", 2, 3, 0.25)

    output = stream.getvalue()
    assert "2 of 3, took 0.25 s, at 2026-12-06 07:10:41" in output
    if which == 0:
        first = lines(stream)[0]
        assert (first["code"], first["amount"], first["attempts"]) == ("insufficient_funds", 1050, 3)
