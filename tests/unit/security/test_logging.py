from __future__ import annotations

import io
import json
import logging
import uuid

import pytest
from aws_lambda_powertools import Logger

from messenger_bank.security.cards import find_pans
from messenger_bank.security.logging import (
    REDACTED,
    RedactingFormatter,
    install_redaction,
    is_secret_key,
    redact,
)

PAN = "4111111111111111"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


def powertools_logger() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    logger = Logger(service=f"test-{uuid.uuid4().hex}", logger_handler=logging.StreamHandler(stream))
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
    assert find_pans(output) == []
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
        service=f"test-{uuid.uuid4().hex}",
        logger_handler=logging.StreamHandler(stream),
        logger_formatter=RedactingFormatter(),
    )

    logger.info(PAN, extra={"password": "hunter2"})

    assert find_pans(stream.getvalue()) == [] and "hunter2" not in stream.getvalue()


def test_a_standard_logging_handler_gets_a_redacting_filter() -> None:
    stream = io.StringIO()
    std = logging.getLogger(f"std-{uuid.uuid4().hex}")
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
