"""The secure page's contract beyond its outcomes: the form each page shows (what the phone's keyboard and password
manager are told), the metrics alarms count, the key the bank is told to open a password with, and the clock and
table the page is handed (a wrong attempt is counted on them, never on the wall clock or a default table)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser
from typing import Any

import boto3
import pytest

from messenger_bank.conversation.catalogue import text
from messenger_bank.securepage.html import Purpose, _hash, form_page
from messenger_bank.securepage.service import Collaborators, handle
from messenger_bank.security.links import SecuritySettings
from tests.unit.securepage.conftest import (
    ALICE_CARD,
    BOT_TOKEN,
    IDEMPOTENCY_TABLE,
    LINK_KEY,
    FakeCore,
    FakeCustomers,
    event,
    link_token,
)

Metrics = Callable[[], dict[str, tuple[str, float]]]
PIN_FORM = {"pin": "4829", "pin_confirm": "4829"}
PASSWORD_FORM = {"password": "Sup3r-secret", "password_confirm": "Sup3r-secret"}
LINKS = {"pin": "change_pin", "password": "change_password", "confirm": "confirm_password"}


class Inputs(HTMLParser):
    """The attributes of each <input> of a page, by its id."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input":
            found = dict(attrs)
            self.by_id[str(found.get("id"))] = found


def inputs_of(page: str) -> dict[str, dict[str, str | None]]:
    parser = Inputs()
    parser.feed(page)
    return parser.by_id


def shown(deps: Collaborators, purpose: str) -> str:
    card = ALICE_CARD if purpose == "pin" else None
    answer = handle(event("GET", purpose, token=link_token(LINKS[purpose]), card=card), deps)
    assert answer.status == 200
    return answer.body


# --- the form each page shows ---------------------------------------------------------------------------------------
PIN_FIELD = {
    "type": "password",
    "inputmode": "numeric",
    "pattern": "[0-9]{4}",
    "minlength": "4",
    "maxlength": "4",
    "autocomplete": "off",
    "required": None,
}
NEW_PASSWORD_FIELD = {
    "type": "password",
    "minlength": "8",
    "maxlength": "64",
    "autocomplete": "new-password",
    "required": None,
}
CURRENT_PASSWORD_FIELD = {
    "type": "password",
    "minlength": "1",
    "maxlength": "64",
    "autocomplete": "current-password",
    "required": None,
}


@pytest.mark.parametrize(
    ("purpose", "field", "asked_twice"),
    [("pin", PIN_FIELD, True), ("password", NEW_PASSWORD_FIELD, True), ("confirm", CURRENT_PASSWORD_FIELD, False)],
)
def test_each_page_asks_with_the_field_of_what_it_sets(
    deps: Collaborators, purpose: str, field: dict[str, str | None], asked_twice: bool
) -> None:
    inputs = inputs_of(shown(deps, purpose))

    assert inputs["first"] == {"id": "first", "name": purpose, **field, "data-first": None}
    if asked_twice:
        assert inputs["second"] == {"id": "second", "name": f"{purpose}_confirm", **field, "data-second": None}
    else:
        assert "second" not in inputs
    assert inputs["init_data"] == {"type": "hidden", "id": "init_data", "name": "init_data", "value": ""}


# --- metrics --------------------------------------------------------------------------------------------------------
def test_a_set_pin_is_counted_changed(deps: Collaborators, emitted_metrics: Metrics) -> None:
    answer = handle(event("POST", "pin", token=link_token(), card=ALICE_CARD, form=PIN_FORM), deps)

    assert answer.status == 200
    assert emitted_metrics() == {"SecurePageChanged": ("Count", 1.0)}


def test_a_bad_entry_is_counted_a_wrong_entry(deps: Collaborators, emitted_metrics: Metrics) -> None:
    mismatch = {"pin": "4829", "pin_confirm": "4820"}

    answer = handle(event("POST", "pin", token=link_token(), card=ALICE_CARD, form=mismatch), deps)

    assert answer.status == 422
    assert emitted_metrics() == {"SecurePageWrongEntry": ("Count", 1.0)}


def test_a_refused_link_is_counted_refused(deps: Collaborators, emitted_metrics: Metrics) -> None:
    answer = handle(event("GET", "pin", token="not-a-token", card=ALICE_CARD), deps)

    assert answer.status == 403
    assert emitted_metrics() == {"SecurePageRefused": ("Count", 1.0)}


def test_the_right_bank_password_is_counted_reauthenticated(deps: Collaborators, emitted_metrics: Metrics) -> None:
    deps.core.bank_passwords["bank_alice"] = "Sup3r-secret"

    answer = handle(
        event("POST", "confirm", token=link_token("confirm_password"), form={"confirm": "Sup3r-secret"}), deps
    )

    assert answer.status == 200
    assert emitted_metrics() == {"Reauthenticated": ("Count", 1.0), "SecurePageChanged": ("Count", 1.0)}


def test_a_wrong_bank_password_is_counted_a_wrong_entry(deps: Collaborators, emitted_metrics: Metrics) -> None:
    deps.core.bank_passwords["bank_alice"] = "Sup3r-secret"

    answer = handle(event("POST", "confirm", token=link_token("confirm_password"), form={"confirm": "guess1234"}), deps)

    assert answer.status == 422
    assert emitted_metrics() == {"SecurePageWrongEntry": ("Count", 1.0)}


# --- the password as the bank receives it ---------------------------------------------------------------------------
def test_the_password_names_the_banks_key_it_is_encrypted_for(deps: Collaborators) -> None:
    answer = handle(event("POST", "password", token=link_token("change_password"), form=PASSWORD_FORM), deps)

    assert answer.status == 200
    ((_customer, jwe, _key_id),) = deps.core.passwords
    protected = jwe.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4)))
    assert (header["kid"], header["alg"], header["enc"]) == ("pin-key-1", "RSA-OAEP-256", "A256GCM")


# --- the clock and the table the page is handed ---------------------------------------------------------------------
class RecordingDynamoDB:
    """The page's table client, noting every call it is asked to make (and making it)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        method = getattr(self._client, operation)

        def call(**kwargs: Any) -> Any:
            self.calls.append((operation, kwargs))
            return method(**kwargs)

        return call


@pytest.fixture
def own_table(aws: None) -> RecordingDynamoDB:
    """The page's table in a region of its own: a call that went to the default client would find no table."""
    client = boto3.client("dynamodb", region_name="eu-west-3")
    client.create_table(
        TableName=IDEMPOTENCY_TABLE,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return RecordingDynamoDB(client)


def page_with(table: RecordingDynamoDB, *, now: float | None = None) -> Collaborators:
    return Collaborators(
        core=FakeCore(),
        customers=FakeCustomers(),  # type: ignore[arg-type]
        dynamodb=table,  # type: ignore[arg-type]
        table_name=IDEMPOTENCY_TABLE,
        link_key=LINK_KEY,
        config=SecuritySettings(table_name=IDEMPOTENCY_TABLE, max_attempts=3, lock_minutes=60),
        bot_token=lambda: BOT_TOKEN,
        now=now,
    )


def test_every_read_and_write_goes_to_the_table_the_page_is_given(own_table: RecordingDynamoDB) -> None:
    deps = page_with(own_table)
    mismatch = {"pin": "4829", "pin_confirm": "4820"}
    token = link_token()

    answers = [
        handle(event("GET", "pin", token=token, card=ALICE_CARD), deps).status,
        handle(event("POST", "pin", token=token, card=ALICE_CARD, form=mismatch), deps).status,
        handle(event("POST", "pin", token=token, card=ALICE_CARD, form=PIN_FORM), deps).status,
        handle(event("GET", "pin", token=token, card=ALICE_CARD), deps).status,
    ]

    assert answers == [200, 422, 200, 410]
    assert deps.core.pins


def test_the_used_link_check_reads_the_latest_write(own_table: RecordingDynamoDB) -> None:
    # A link redeemed a moment ago from another tab must be seen: an eventually consistent read may miss it.
    handle(event("GET", "pin", token=link_token(), card=ALICE_CARD), page_with(own_table))

    reads = [kwargs for operation, kwargs in own_table.calls if operation == "get_item"]
    assert reads and all(kwargs.get("ConsistentRead") is True for kwargs in reads)


@pytest.mark.parametrize("offset_h", [2, -2], ids=["page-clock-ahead", "page-clock-behind"])
def test_wrong_entries_are_counted_and_the_lock_judged_on_the_pages_clock(
    own_table: RecordingDynamoDB, offset_h: int
) -> None:
    # The page's clock two hours off the wall clock, the lock lasting one: ahead, a lock counted on the wall clock
    # would be over by the page's time; behind, a lock judged on the wall clock would be over already.
    deps = page_with(own_table, now=time.time() + offset_h * 3600)
    mismatch = {"pin": "4829", "pin_confirm": "4820"}

    wrong = [
        handle(event("POST", "pin", token=link_token(), card=ALICE_CARD, form=mismatch), deps).status for _ in range(3)
    ]
    right = handle(event("POST", "pin", token=link_token(), card=ALICE_CARD, form=PIN_FORM), deps)

    assert wrong == [422, 422, 429]
    assert right.status == 429
    assert deps.core.pins == []


# --- the Content-Security-Policy's hash of an inline source -----------------------------------------------------------
def test_an_inline_source_is_named_by_its_sha256_in_base64_quoted() -> None:
    # The CSP Level 3 form, for a source whose SHA-256 is known: "abc" (FIPS 180-2, appendix B.1).
    assert _hash("abc") == "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"


# --- the words of each form, in the language asked for --------------------------------------------------------------
@pytest.mark.parametrize("purpose", ["pin", "password", "confirm"])
def test_each_form_says_its_own_words_and_nothing_else(purpose: Purpose) -> None:
    page = form_page(purpose, "en")

    def words(key: str) -> str:
        return escape(text(f"secure_page.{key}", "en"))

    intro = f"<p>{words(purpose + '_intro')}</p>"
    assert f"{intro}<form " in page  # no notice without an error
    assert f'<label for="first">{words(purpose)}</label>' in page
    submit = "confirm_submit" if purpose == "confirm" else "submit"
    assert f'<button type="submit" id="submit">{words(submit)}</button>' in page
    if purpose == "confirm":
        assert '<input type="hidden" id="init_data"' in page.split("data-first>", 1)[1][:40]
    else:
        assert f'<label for="second">{words(purpose + "_confirm")}</label>' in page


def test_an_error_without_a_count_says_only_the_error() -> None:
    page = form_page("pin", "en", error="mismatch")

    assert f'<p class="error" role="alert">{escape(text("secure_page.mismatch", "en"))}</p>' in page
