"""Changing the customer's path is editing a flow file: no code changes, the behaviour follows."""

from __future__ import annotations

import shutil
from pathlib import Path

from local.devtools.lint import lint_flows
from messenger_bank.conversation.flows import FLOWS_DIR, REGISTRY_FILE, load_flows
from tests.unit.conversation.chat import PAN, Chat, customer_deps


def copy_flows(tmp_path: Path) -> Path:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, flows)
    shutil.copy(REGISTRY_FILE, tmp_path / "registry.yaml")
    return flows


def edit(path: Path, old: str, new: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert old in source, old
    path.write_text(source.replace(old, new, 1), encoding="utf-8")


def transfer_of(amount: str, flows_dir: Path | None = None) -> Chat:
    chat = Chat(customer_deps(), flows=load_flows(flows_dir) if flows_dir else None)
    chat.start()
    chat.press("Перевод")
    chat.say(PAN)
    chat.say(amount)
    return chat


def test_lowering_the_transfer_limit_in_the_file_changes_what_is_accepted(tmp_path: Path) -> None:
    assert transfer_of("500").position == ("transfer", "confirm")
    flows = copy_flows(tmp_path)
    edit(flows / "transfer.yaml", 'params: {min: "0.01", max: "5000.00", currencies: [BYN]}',
         'params: {min: "0.01", max: "100.00", currencies: [BYN]}')  # fmt: skip
    chat = transfer_of("500", flows)
    assert chat.position == ("transfer", "amount")
    assert "Максимальная сумма — 100.00 BYN." in chat.text
    assert lint_flows(flows) == []


def test_asking_the_date_of_birth_before_the_name_is_a_reordering_of_steps(tmp_path: Path) -> None:
    flows = copy_flows(tmp_path)
    path = flows / "onboarding.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('cases: {"true": full_name}', 'cases: {"true": date_of_birth}'),
        encoding="utf-8",
    )
    edit(path, "    into: full_name\n    next: date_of_birth", "    into: full_name\n    next: passport_number")
    edit(path, "    into: date_of_birth\n    next: passport_number", "    into: date_of_birth\n    next: full_name")
    assert lint_flows(flows) == []
    chat = Chat(customer_deps(find_customer={}), flows=load_flows(flows))
    chat.start()
    chat.press("Получить карту")
    chat.press("Русский")
    chat.press("Согласен")
    chat.send("contact", phone="+375291234567", contact_user_id="1001")
    assert chat.position == ("onboarding", "date_of_birth")
    chat.say("17.05.1990")
    assert chat.position == ("onboarding", "full_name")
    chat.say("Иванов Иван")
    assert chat.position == ("onboarding", "passport_number")


def test_a_broken_edit_is_caught_by_the_linter_before_it_ships(tmp_path: Path) -> None:
    flows = copy_flows(tmp_path)
    edit(flows / "transfer.yaml", "start: recipient", "start: amount")
    edit(flows / "transfer.yaml", "  transfer: recipient", "  transfer: amount")
    problems = [p.message for p in lint_flows(flows)]
    # the amount question shows the card's mask, which is not known yet on the new path
    assert "$data.card.mask may be used before anything stores it" in problems


def test_a_new_menu_button_appears_from_the_file_alone(tmp_path: Path) -> None:
    flows = copy_flows(tmp_path)
    edit(flows / "menu.yaml", "      - [{label: menu.language, command: language}, {label: help.operator, command: "
         "person}]", "      - [{label: menu.language, command: language}, {label: card_services.history, "
         'goto: "card_services:history"}]')  # fmt: skip
    chat = Chat(customer_deps(), flows=load_flows(flows))
    chat.start()
    chat.press("История")
    assert "Последние операции" in chat.text
