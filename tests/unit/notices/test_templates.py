"""The notices' WhatsApp templates: every notice the journeys send has one, in every language, as Meta
would approve it; what goes out after the window fills exactly the template's parameters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from messenger_bank.channels.models import OutsideWindow
from messenger_bank.notices import templates
from messenger_bank.notices.templates import UnknownNotice, body, outside_window, submission

ROOT = Path(__file__).resolve().parents[3]
# Meta's rules for a template (its template guidelines), written here apart from the code they check.
NAME = re.compile(r"^[a-z0-9_]{1,512}$")
PARAMETER = re.compile(r"\{\{([^{}]*)\}\}")
NAMED = re.compile(r"^[a-z][a-z0-9_]*$")


def journey_notices() -> set[str]:
    """Every `message:` a state machine hands to a notify step, read from the ASL files themselves."""
    found: set[str] = set()
    for path in (ROOT / "statemachines").glob("*.asl.yaml"):
        for match in re.finditer(r"\bmessage: ([a-z_]+\.[a-z_.]+)", path.read_text(encoding="utf-8")):
            found.add(match.group(1))
    return found


def test_the_committed_submission_is_what_the_catalogue_says_now() -> None:
    """A notice's words changed without `make whatsapp-templates`: Meta would send the old words."""
    committed = json.loads(templates.SUBMISSION.read_text(encoding="utf-8"))
    assert committed == submission()


def test_every_notice_a_journey_sends_has_a_template() -> None:
    assert journey_notices() - set(templates.notices()) == set()


def test_every_notice_has_a_template_in_each_of_the_banks_languages() -> None:
    languages = {(t["name"], t["language"]) for t in submission()}
    assert len(languages) == 3 * len(templates.notices())
    assert {language for _, language in languages} == {"ru", "be_BY", "en"}


@pytest.mark.parametrize("template", submission(), ids=lambda t: f"{t['name']}-{t['language']}")
def test_each_template_is_one_meta_would_approve(template: dict[str, object]) -> None:
    assert NAME.fullmatch(str(template["name"]))
    assert template["category"] == "UTILITY"
    components = {c["type"]: c for c in template["components"]}  # type: ignore[attr-defined]
    text = components["BODY"]["text"]
    names = PARAMETER.findall(text)
    assert all(NAMED.fullmatch(name) for name in names), "named parameters: lower case, digits, underscores"
    assert not text.startswith("{{") and not text.endswith("}}"), "a body may not start or end with a parameter"
    assert len(text) <= 1024
    examples = components["BODY"].get("example", {}).get("body_text_named_params", [])
    assert [e["param_name"] for e in examples] == list(dict.fromkeys(names))
    assert all(e["example"] for e in examples)
    buttons = components["BUTTONS"]["buttons"]
    assert 1 <= len(buttons) <= 3
    assert all(b["type"] == "QUICK_REPLY" and 0 < len(b["text"]) <= 25 for b in buttons)


def test_a_text_starting_with_a_parameter_opens_with_the_banks_name() -> None:
    assert body("money_request.incoming", "en").startswith("Messenger Bank: {{requester}}")


def test_a_text_ending_with_a_parameter_ends_with_a_full_stop() -> None:
    assert body("transfer.done", "en").endswith("{{total}}.")


def test_after_the_window_the_parameters_are_exactly_the_texts_placeholders() -> None:
    outside = outside_window(
        "transfer.received", "ru", {"amount": "25.00 BYN", "mask": "•• 4242", "unused": "x"}, ("g:menu",)
    )
    assert outside == OutsideWindow(
        template="mb_transfer_received",
        language="ru",
        parameters={"amount": "25.00 BYN", "mask": "•• 4242"},
        button_payloads=("g:menu",),
        tag="ACCOUNT_UPDATE",
    )


def test_a_value_with_new_lines_is_flattened_because_meta_refuses_them_in_a_parameter() -> None:
    outside = outside_window("payment.account_refused", "en", {"payee": "MTS\n  mobile"}, ("g:menu",))
    assert outside.parameters == {"payee": "MTS mobile"}


def test_a_plastic_card_status_is_a_post_purchase_update() -> None:
    assert outside_window("plastic.sent", "en", {"mask": "•• 1"}, ("g:menu",)).tag == "POST_PURCHASE_UPDATE"


def test_a_payload_for_each_of_the_templates_buttons_and_no_other() -> None:
    with pytest.raises(ValueError, match="2 button"):
        outside_window("money_request.incoming", "en", {"requester": "x", "amount": "1"}, ("g:menu",))


def test_a_key_that_is_not_a_notice_has_no_template() -> None:
    with pytest.raises(UnknownNotice):
        outside_window("nav.menu", "en", {}, ())


def test_the_registry_names_only_tags_messenger_still_allows() -> None:
    raw = yaml.safe_load(templates.REGISTRY.read_text(encoding="utf-8"))
    assert set(raw) <= {"ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE", "CONFIRMED_EVENT_UPDATE"}
