"""The flow linter rejects each kind of broken flow, naming the file and the line; the real flows pass."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.devtools.lint import lint_flows, main
from messenger_bank.conversation.flows import FLOWS_DIR, REGISTRY_FILE, Problem

ROOT = Path(__file__).resolve().parents[3]


def test_the_shipped_flows_pass() -> None:
    assert lint_flows() == []


def test_the_command_line_exits_zero_on_the_shipped_flows() -> None:
    assert main([]) == 0


def broken(tmp_path: Path, file: str, old: str, new: str, at: str | None = None) -> tuple[list[Problem], Path, int]:
    """Copy the flows, make one edit; the problems found and the line where `at` (or `new`) starts."""
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    shutil.copy(REGISTRY_FILE, tmp_path / "registry.yaml")
    path = flows / file
    source = path.read_text(encoding="utf-8")
    assert old in source, old
    edited = source.replace(old, new, 1)
    path.write_text(edited, encoding="utf-8")
    line = edited[: edited.index(at or new)].count("\n") + 1
    return lint_flows(flows), path, line


def found(problems: list[Problem], path: Path, line: int, fragment: str) -> bool:
    return any(p.path == str(path) and p.line == line and fragment in p.message for p in problems)


CASES = [
    # (what, file, old, new, the text at the line to be reported ("" = where `new` starts), message fragment)
    ("unknown step", "transfer.yaml", "    next: request_amount", "    next: request_amout", "",
     "unknown step 'request_amout'"),
    ("unreachable", "help.yaml", "  - id: contact_centre",
     "  - id: orphan\n    type: end\n\n  - id: contact_centre", "", "'orphan' is unreachable"),
    ("dead end", "help.yaml", "  - id: contact_centre",
     "  - id: stuck\n    type: say\n    message: help.topics\n\n  - id: contact_centre", "", "dead end"),
    ("missing translation", "topup.yaml", "    message: topup.method", "    message: topup.methods", "",
     "'topup.methods' has no ru translation"),
    ("missing placeholder", "topup.yaml", "    values: {amount: $data.amount.text}\n", "", "    message: topup.confirm",
     "placeholder {amount} gets no value"),
    ("undefined operation", "money_request.yaml", "    operation: decline_money_request",
     "    operation: request_operator", "", "undefined operation 'request_operator'"),
    ("undefined journey", "topup.yaml", "    journey: topup\n    input:", "    journey: top_up\n    input:", "",
     "undefined journey 'top_up'"),
    # the fields an operation takes are its request model's (messenger_bank/operations.py)
    ("undeclared field", "programs.yaml", "    with: {customer_id: $customer_id, phone: $data.contact_phone}",
     "    with: {customer_id: $customer_id, phone: $data.contact_phone, card_id: $data.card}", "",
     "operation recommend: undeclared field 'card_id'"),
    ("missing field", "programs.yaml", "    with: {customer_id: $customer_id, phone: $data.contact_phone}",
     "    with: {customer_id: $customer_id}", "", "operation recommend: missing field 'phone'"),
    ("literal the model refuses", "card_services.yaml", "card_id: $data.card.card_id, purpose: pin,",
     "card_id: $data.card.card_id, purpose: pni,", "", "purpose='pni' is refused"),
    ("error the operation never raises", "payment.yaml", "    errors: {NoPaymentYet: no_saved}",
     "    errors: {NoPaymentsYet: no_saved}", "", "operation last_payment never fails with 'NoPaymentsYet'"),
    ("invalid validator", "topup.yaml", "    validator: amount", "    validator: shoe_size", "",
     "unknown validator 'shoe_size'"),
    ("invalid validator parameter", "topup.yaml", 'params: {min: "1.00", max: "3000.00", currencies: [BYN]}',
     'params: {minimum: "1.00"}', "", "has no parameter minimum"),
    ("duplicated step id", "help.yaml", "  - id: contact_centre", "  - id: topics", "",
     "duplicated step id 'topics'"),
    ("money without confirmation", "topup.yaml", "    entity: amount\n    next: confirm",
     "    entity: amount\n    next: start", "  - id: start", "can be reached without an explicit confirmation"),
    ("confirmation task never awaited", "transfer.yaml", "    into: transfer\n    next: confirm",
     "    into: transfer\n    next: declined", "  - id: start\n", "waits for task 'confirm'"),
    ("identity in journey input", "onboarding.yaml",
     "    input: {application_id: $data.application.application_id, chat_key: $chat_key, language: $language}",
     "    input: {application_id: $data.passport_number, chat_key: $chat_key, language: $language}", "",
     "carries personal data"),
    ("unknown data reference", "programs.yaml", "      code: $data.referral_info.code",
     "      code: $data.referal_info.code", "", "nothing in this flow stores 'referal_info'"),
    ("used before stored", "transfer.yaml", "start: recipient", "start: amount", "    values: {mask: $data.card.mask}",
     "$data.card.mask may be used before anything stores it"),
    ("prepares a journey it does not start", "onboarding.yaml", "prepares: [card_issuance]",
     "prepares: [card_issuance, topup]", "", "prepares 'topup', which the flow does not start"),
    ("prepares a journey no flow starts", "onboarding.yaml", "prepares: [card_issuance]", "prepares: [card_issuanse]",
     "", "prepares 'card_issuanse', which the flow does not start"),
    ("unknown flow", "topup.yaml", "    flow: transfer\n", "    flow: transfers\n", "", "unknown flow 'transfers'"),
    ("unknown intent", "help.yaml", "  help: topics", "  helpp: topics", "",
     "unknown intent 'helpp'"),
    ("intent routed twice", "help.yaml", "  help: topics", "  balance: topics", "",
     "intent 'balance' already routed"),
    ("schema error", "help.yaml", "    type: say", "    type: sya", "", "does not match any of the expected tags"),
    ("duplicated key", "help.yaml", "    message: help.contact_centre",
     "    message: help.contact_centre\n    message: help.title", "    message: help.title",
     "duplicated key 'message'"),
    ("invalid YAML", "help.yaml", "    type: say", "    type: [say", "    message: help.topics", "not valid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(("file", "old", "new", "at", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_flow_is_rejected_with_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, at: str, fragment: str
) -> None:
    problems, path, line = broken(tmp_path, file, old, new, at or None)
    assert found(problems, path, line, fragment), "\n".join(map(str, problems))


def test_a_bad_reference_is_reported_at_its_own_line(tmp_path: Path) -> None:
    problems, path, line = broken(
        tmp_path, "help.yaml", "  - id: contact_centre",
        "  - id: stuck\n    type: say\n    message: help.topics\n    next: stuck2\n\n  - id: contact_centre",
        at="    next: stuck2",
    )  # fmt: skip
    assert found(problems, path, line, "unknown step 'stuck2'")


def test_the_command_line_prints_file_line_message_and_exits_one(tmp_path: Path) -> None:
    _, path, line = broken(
        tmp_path, "transfer.yaml", "    next: request_amount", "    next: request_amout", "    next: request_amout"
    )
    result = subprocess.run(
        [sys.executable, "-m", "local.devtools.lint", str(path.parent)],
        capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "layers/common"), "PATH": ""},
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"{path}:{line}: " in result.stdout
