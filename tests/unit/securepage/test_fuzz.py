"""Property tests: whatever a browser (or an attacker) sends the secure page, the answer is a page with a
status below 500 and the page's security headers; nothing reaches the bank without a valid link."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messenger_bank.http import HttpAnswer
from messenger_bank.securepage.service import Collaborators, handle
from tests.unit.securepage.conftest import ALICE_CARD, event, link_token

pytestmark = pytest.mark.slow

FIELDS = st.sampled_from(["pin", "pin_confirm", "password", "password_confirm", "init_data", "t", "x"])
forms = st.dictionaries(FIELDS, st.text(max_size=80), max_size=6)


def assert_a_page(answer: HttpAnswer) -> None:
    assert 200 <= answer.status < 500
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST"]),
    purpose=st.sampled_from(["pin", "password", "", "../pin", "PIN"]),
    token=st.none() | st.text(max_size=200) | st.just("eyJhbGciOiJub25lIn0.e30."),
    card=st.none() | st.text(max_size=70),
    body=st.none() | st.text(max_size=300),
    base64_body=st.booleans(),
)
def test_any_request_without_a_valid_link_gets_a_page_and_reaches_no_bank(
    deps: Collaborators,
    method: str,
    purpose: str,
    token: str | None,
    card: str | None,
    body: str | None,
    base64_body: bool,
) -> None:
    built = event(method, purpose, token=token, card=card, body=body, base64_body=base64_body and body is not None)

    assert_a_page(handle(built, deps))
    assert deps.core.pins == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=forms, purpose=st.sampled_from(["pin", "password"]))
def test_any_form_with_a_valid_link_gets_a_page(deps: Collaborators, form: dict[str, str], purpose: str) -> None:
    token = link_token("change_pin" if purpose == "pin" else "change_password")

    answer = handle(event("POST", purpose, token=token, card=ALICE_CARD, form=form), deps)

    assert_a_page(answer)
