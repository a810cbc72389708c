"""Flows published as configuration: conversation tests as data and their runner, the checks the validator
Lambda runs on a bundle, and the conversation function's choice between the published and the packaged flows.

Each case changes one thing of the shipped bundle (which passes) and names the defect it must find.
"""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from messenger_bank.conversation import catalogue, published
from messenger_bank.conversation.checks import Conversation as ConversationTest
from messenger_bank.conversation.checks import check_bundle, play, read_conversations
from messenger_bank.conversation.flows import default_flows
from messenger_bank.conversation.published import PACKAGED, Bundle, BundleRefused, bundle_from, read_bundle
from messenger_bank.errors import FlowsRefused

ROOT = Path(__file__).resolve().parents[3]
TRANSFER_RU = "↗️ Перевод"


@pytest.fixture(scope="module")
def shipped() -> Bundle:
    return bundle_from(label="the shipped flows")


@pytest.fixture(autouse=True)
def packaged_catalogue() -> Any:
    published._quiet_until[0] = 0.0  # a failed fetch of an earlier case is not this one's
    published._spoken.clear()
    yield
    catalogue.install(None)


def with_catalogue(bundle: Bundle, language: str, old: str, new: str) -> Bundle:
    assert old in bundle.catalogue[f"{language}.yaml"]
    files = {**bundle.catalogue, f"{language}.yaml": bundle.catalogue[f"{language}.yaml"].replace(old, new, 1)}
    return bundle.model_copy(update={"catalogue": files})


def with_flow(bundle: Bundle, name: str, old: str, new: str) -> Bundle:
    assert old in bundle.flows[name]
    return bundle.model_copy(update={"flows": {**bundle.flows, name: bundle.flows[name].replace(old, new, 1)}})


def one(conversation: dict[str, Any]) -> list[str]:
    test = ConversationTest.model_validate(conversation)
    return [str(f) for f in play(test, default_flows(), catalogue.packaged(), "t.yaml")]


# ------------------------------------------------------------------ the shipped suite
def test_the_shipped_flows_pass_the_linter_and_every_shipped_conversation(shipped: Bundle) -> None:
    verdict = check_bundle(shipped)
    assert verdict.passed, verdict.report()
    assert verdict.conversations >= 15


def test_the_shipped_suite_covers_the_menu_onboarding_transfer_topup_payment_help_and_outage(shipped: Bundle) -> None:
    text = "\n".join(shipped.conversations.values())
    for needed in ("menu.main", "menu.get_card", "starts: transfer", "starts: topup", "list_payees", "help.topics"):
        assert needed in text
    assert "down: [core]" in text


# ------------------------------------------------------------------ the runner
def test_a_conversation_as_written_passes() -> None:
    assert one({"conversation": "menu", "turns": [{"opens": "chat", "bot": {"buttons": [TRANSFER_RU]}}]}) == []


def test_a_button_that_is_not_shown_fails_naming_the_conversation_the_turn_and_what_was_shown() -> None:
    [failure] = one({"conversation": "Menu words", "turns": [{"opens": "chat", "bot": {"buttons": ["↗️ Деньги"]}}]})
    assert "t.yaml: «Menu words», turn 1 (the customer opens the chat)" in failure
    assert "should show the button «↗️ Деньги»" in failure and TRANSFER_RU in failure


def test_words_the_bot_did_not_say_fail_with_what_it_said() -> None:
    [failure] = one(
        {"conversation": "c", "turns": [{"opens": "chat"}, {"presses": "menu.help", "bot": {"says": "topup.method"}}]}
    )
    assert "turn 2 (the customer presses menu.help)" in failure
    assert "should say topup.method «Как пополнить карту?»" in failure and "but said «" in failure


def test_a_placeholder_of_a_catalogue_text_matches_any_value() -> None:
    turns = [{"opens": "chat"}, {"presses": "menu.balance", "bot": {"says": "card_services.balance_is"}}]
    assert one({"conversation": "c", "turns": turns}) == []


def test_a_journey_that_did_not_start_fails() -> None:
    turns = [{"opens": "chat"}, {"presses": "menu.transfer", "bot": {"starts": "transfer"}}]
    [failure] = one({"conversation": "c", "turns": turns})
    assert "should start the journey transfer; it started none" in failure


def test_a_question_the_bot_does_not_wait_on_fails() -> None:
    [failure] = one({"conversation": "c", "turns": [{"opens": "chat", "bot": {"asks": "menu.main"}}]})
    assert "should wait for an answer to menu.main" in failure


def test_a_button_that_is_not_there_cannot_be_pressed() -> None:
    [failure] = one({"conversation": "c", "turns": [{"opens": "chat"}, {"presses": "topup.by_card"}]})
    assert "there is no button topup.by_card" in failure


def test_the_fake_bank_refuses_as_the_conversation_says() -> None:
    turns = [
        {"opens": "chat"},
        {"presses": "menu.transfer"},
        {"says": "4111 1111 1111 1111"},
        {"says": "5000", "bot": {"says": "transfer.insufficient_funds"}},
    ]
    assert one({"conversation": "c", "refuses": {"quote_transfer": "InsufficientFunds"}, "turns": turns}) == []
    assert one({"conversation": "c", "turns": turns}) != []


def test_a_file_that_is_not_a_conversation_test_says_why(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("- conversation: c\n  turns:\n    - opens: chat\n      presses: menu.help\n")
    conversations, failures = read_conversations(tmp_path / "x.yaml")
    assert conversations == []
    assert "a turn is one of" in str(failures[0])


# ------------------------------------------------------------------ the checks of a bundle
def test_a_changed_menu_word_is_refused_by_the_conversation_that_pins_it(shipped: Bundle) -> None:
    verdict = check_bundle(with_catalogue(shipped, "ru", TRANSFER_RU, "↗️ Перевести деньги"))
    assert verdict.lint == ()
    assert [f.conversation for f in verdict.failures] == ["The main menu's transfer button reads «Перевод» in Russian"]


def test_a_flow_with_a_dangling_step_is_refused_by_the_linter(shipped: Bundle) -> None:
    verdict = check_bundle(with_flow(shipped, "help.yaml", "next: contact_centre", "next: nowhere"))
    assert any("help.yaml" in problem and "nowhere" in problem for problem in verdict.lint), verdict.lint


def test_a_catalogue_text_missing_a_language_is_refused_by_the_linter(shipped: Bundle) -> None:
    verdict = check_bundle(with_catalogue(shipped, "be", "  by_card:", "  by_card_gone:"))
    assert any("topup.by_card" in problem for problem in verdict.lint), verdict.lint


def test_a_bundle_without_conversation_tests_is_refused(shipped: Bundle) -> None:
    verdict = check_bundle(shipped.model_copy(update={"conversations": {}}))
    assert not verdict.passed and "without conversation tests" in verdict.report()


@pytest.mark.parametrize("name", ["../menu.yaml", "Menu.yaml", "menu.yml", "a/b.yaml"])
def test_a_bundle_file_name_that_could_leave_its_folder_is_refused(shipped: Bundle, name: str) -> None:
    raw = json.loads(shipped.to_bytes())
    raw["flows"][name] = "flow: x"
    with pytest.raises(BundleRefused):
        read_bundle(json.dumps(raw))


def test_a_catalogue_without_every_language_is_refused(shipped: Bundle) -> None:
    raw = json.loads(shipped.to_bytes())
    del raw["catalogue"]["be.yaml"]
    with pytest.raises(BundleRefused, match=r"be\.yaml"):
        read_bundle(json.dumps(raw))


def test_the_version_is_the_files_not_the_label(shipped: Bundle) -> None:
    assert shipped.model_copy(update={"label": "someone else"}).digest == shipped.digest
    assert with_catalogue(shipped, "en", "Transfer", "Send").digest != shipped.digest


# ------------------------------------------------------------------ the validator Lambda
def validator() -> Any:
    path = ROOT / "functions" / "workers" / "flow_validator" / "app.py"
    spec = importlib.util.spec_from_file_location("flow_validator_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def appconfig_event(content: bytes) -> dict[str, Any]:
    return {
        "applicationId": "abc1234",
        "configurationProfileId": "def5678",
        "configurationVersion": "3",
        "uri": "hosted",
        "content": base64.b64encode(content).decode(),
    }


def test_the_validator_accepts_the_shipped_bundle(shipped: Bundle) -> None:
    answer = validator().handle(appconfig_event(shipped.to_bytes()), None)
    assert answer["valid"] is True and answer["flows_version"] == shipped.digest


def test_the_validator_refuses_a_failing_conversation_with_its_name_and_what_differed(shipped: Bundle) -> None:
    broken = with_catalogue(shipped, "ru", TRANSFER_RU, "↗️ Перевести деньги")
    with pytest.raises(FlowsRefused) as refused:
        validator().handle(appconfig_event(broken.to_bytes()), None)
    assert "«The main menu's transfer button reads «Перевод» in Russian»" in str(refused.value)
    assert "↗️ Перевести деньги" in str(refused.value)


def test_the_validator_refuses_a_broken_flow(shipped: Bundle) -> None:
    broken = with_flow(shipped, "help.yaml", "next: contact_centre", "next: x")
    with pytest.raises(FlowsRefused, match=r"lint: flows/help\.yaml"):
        validator().handle(appconfig_event(broken.to_bytes()), None)


def test_the_validator_refuses_what_is_not_a_bundle() -> None:
    with pytest.raises(FlowsRefused, match="not a flows bundle"):
        validator().handle(appconfig_event(b"flows: yes"), None)


# ------------------------------------------------------------------ what the conversation function speaks
def configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWS_APPCONFIG_APPLICATION", "app")
    monkeypatch.setenv("FLOWS_APPCONFIG_ENVIRONMENT", "dev")
    monkeypatch.setenv("FLOWS_APPCONFIG_PROFILE", "flows")


def test_without_a_configuration_the_packaged_flows_are_spoken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(published, "_fetch", lambda: pytest.fail("no AppConfig call without a configuration"))
    assert published.live().version == PACKAGED
    assert catalogue.text("menu.transfer", "ru") == TRANSFER_RU


def test_with_nothing_deployed_the_packaged_flows_are_spoken(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    configure(monkeypatch)

    def nothing_deployed(**_: Any) -> bytes:
        raise GetParameterError("ResourceNotFoundException: Deployed configuration not found")

    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_app_config", nothing_deployed)
    content = published.live()
    assert content.version == PACKAGED and content.flows is default_flows()


def test_after_a_failed_fetch_the_next_turns_within_max_age_do_not_ask_again(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch)
    asked: list[str] = []

    def nothing_deployed(**_: Any) -> bytes:
        asked.append("asked")
        raise RuntimeError("ResourceNotFoundException: Deployed configuration not found")

    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_app_config", nothing_deployed)
    assert published.live().version == PACKAGED
    assert published.live().version == PACKAGED
    assert asked == ["asked"]


def test_a_deployed_bundle_is_spoken_with_its_catalogue_through_the_cached_provider(
    monkeypatch: pytest.MonkeyPatch, shipped: Bundle
) -> None:
    configure(monkeypatch)
    monkeypatch.setenv("FLOWS_MAX_AGE_S", "7")
    changed = with_catalogue(shipped, "ru", TRANSFER_RU, "↗️ Перевести деньги")
    asked: list[dict[str, Any]] = []

    def deployed(**kwargs: Any) -> bytes:
        asked.append(kwargs)
        return changed.to_bytes()

    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_app_config", deployed)
    content = published.live()
    assert content.version == changed.digest
    assert catalogue.text("menu.transfer", "ru") == "↗️ Перевести деньги"
    assert asked == [{"name": "flows", "environment": "dev", "application": "app", "max_age": 7}]
    assert published.live() is not None and published._content_of(changed.to_bytes()) is content  # loaded once


def test_while_appconfig_cannot_be_asked_the_version_spoken_last_goes_on(
    monkeypatch: pytest.MonkeyPatch, shipped: Bundle
) -> None:
    configure(monkeypatch)
    changed = with_catalogue(shipped, "ru", TRANSFER_RU, "↗️ Перевести деньги")
    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_app_config", lambda **_: changed.to_bytes())
    assert published.live().version == changed.digest

    def unreachable(**_: Any) -> bytes:
        raise ConnectionError("appconfigdata unreachable")

    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_app_config", unreachable)
    assert published.live().version == changed.digest
    assert published.live().version == changed.digest  # within max age: not asked, still the same
    assert catalogue.text("menu.transfer", "ru") == "↗️ Перевести деньги"


def test_a_deployed_bundle_that_does_not_load_falls_back_to_the_packaged_flows(
    monkeypatch: pytest.MonkeyPatch, shipped: Bundle
) -> None:
    configure(monkeypatch)
    broken = with_flow(shipped, "help.yaml", "type: say", "type: shout")
    monkeypatch.setattr("aws_lambda_powertools.utilities.parameters.get_app_config", lambda **_: broken.to_bytes())
    assert published.live().version == PACKAGED
    assert catalogue.text("menu.transfer", "ru") == TRANSFER_RU
