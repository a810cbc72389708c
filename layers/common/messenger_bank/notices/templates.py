"""The notices the bank starts (notices.yaml) as WhatsApp templates and Messenger tags.

A notice's WhatsApp template is its catalogue text in each language with the placeholders as named
parameters (``{amount}`` → ``{{amount}}``), category UTILITY, and quick-reply buttons whose labels come
from the catalogue and whose payloads are filled in at send time. Meta approves each template before it
can be sent, so the catalogue stays the one place for the words and ``submission()`` is what goes to
Meta (``make whatsapp-templates`` writes it to ``whatsapp_templates.json``; a test fails when the
catalogue changed and the file was not written again, that is: not resubmitted).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

from pydantic import BaseModel, ConfigDict, Field

from messenger_bank import shipped_data
from messenger_bank.channels.models import MessageTag, OutsideWindow
from messenger_bank.conversation.catalogue import catalogue, text
from messenger_bank.types import LANGUAGES, Language

REGISTRY: Final = Path(__file__).with_name("notices.yaml")
SUBMISSION: Final = Path(__file__).with_name("whatsapp_templates.json")
PREFIX: Final = "mb_"
# Meta's template language codes (its "supported languages" list): Belarusian is the regional be_BY.
WHATSAPP_LANGUAGES: Final[dict[Language, str]] = {"ru": "ru", "be": "be_BY", "en": "en"}
MAX_BODY: Final = 1024
MAX_BUTTON_TEXT: Final = 25
# What Meta's reviewers read for each parameter (the submission must carry an example per parameter).
EXAMPLES: Final[dict[str, str]] = {
    "account": "1234567890",
    "amount": "50.00 BYN",
    "amount_due": "300.00 BYN",
    "available": "1 200.00 BYN",
    "cashback": "3.50 BYN",
    "credit_line": "Credit line: 1,000.00 BYN, ready to spend.",
    "credit_used": "700.00 BYN",
    "due_date": "25.01.2027",
    "cashback_from": "2 %",
    "cashback_to": "33 %",
    "categories": "fast food: 0.87 BYN, groceries: 0.40 BYN",
    "expiry": "12/29",
    "fee": "0.50 BYN",
    "late_fee": "5.00 BYN",
    "mask": "•• 1234",
    "merchant": "Burger King",
    "messenger": "Viber",
    "minimum": "15.00 BYN",
    "month": "11.2026",
    "payee": "MTS",
    "payer": "+375 29 ••• •• 67",
    "period": "01.12.2026 – 31.12.2026",
    "rate": "24 %",
    "repaid": "300.00 BYN",
    "requester": "+375 29 ••• •• 67",
    "system": "card accounts (core banking)",
    "total": "50.50 BYN",
    "when": "06.12.2026 14:05 (UTC+03:00)",
}
# Parameters that say who someone is or which account: never kept beside a sent notice (notices/windows.py),
# even masked; the others are amounts, dates, a card's last digits, a biller's or a messenger's name.
PERSONAL: Final = frozenset({"account", "payer", "requester"})
_PARAMETER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_SPACES = re.compile(r"\s+")


class Notice(BaseModel):
    """One notice: its catalogue key, the Messenger tag of its use case, its template's buttons."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    key: str
    tag: MessageTag
    buttons: tuple[str, ...] = Field(default=("nav.menu",), description="catalogue keys of the quick replies")

    @property
    def template(self) -> str:
        return PREFIX + self.key.replace(".", "_")


class UnknownNotice(ValueError):
    """A key that is not in notices.yaml: it has no template, so it cannot reach a closed window."""


@cache
def notices() -> dict[str, Notice]:
    raw = cast(dict[str, dict[str, dict[str, Any]]], shipped_data.read(REGISTRY))
    found: dict[str, Notice] = {}
    for tag, entries in raw.items():
        for key, entry in entries.items():
            found[key] = Notice.model_validate({"key": key, "tag": tag, **(entry or {})})
    return found


def notice(key: str) -> Notice:
    try:
        return notices()[key]
    except KeyError:
        raise UnknownNotice(f"{key} is not a notice (notices.yaml)") from None


def body(key: str, language: Language) -> str:
    """The template body: the catalogue text with named parameters. Meta refuses a body that starts or
    ends with a parameter, so such a text opens with the bank's name or ends with a full stop."""
    source = catalogue()[language][key].strip()
    if source.startswith("{"):
        source = f"{text('notices.from_bank', language)} {source}"
    if source.endswith("}"):
        source += "."
    return _PARAMETER.sub(r"{{\1}}", source)


def parameter_names(key: str, language: Language) -> list[str]:
    """The named parameters in the order they appear (Meta's examples follow that order)."""
    return list(dict.fromkeys(_PARAMETER.findall(catalogue()[language][key])))


def submission() -> list[dict[str, Any]]:
    """Every notice template in every language, as POSTed to /{waba-id}/message_templates."""
    requests: list[dict[str, Any]] = []
    for found in sorted(notices().values(), key=lambda n: n.key):
        for language in LANGUAGES:
            names = parameter_names(found.key, language)
            body_component: dict[str, Any] = {"type": "BODY", "text": body(found.key, language)}
            if names:
                body_component["example"] = {
                    "body_text_named_params": [{"param_name": name, "example": EXAMPLES[name]} for name in names]
                }
            buttons = [{"type": "QUICK_REPLY", "text": text(label, language)} for label in found.buttons]
            requests.append(
                {
                    "name": found.template,
                    "category": "UTILITY",
                    "language": WHATSAPP_LANGUAGES[language],
                    "parameter_format": "NAMED",
                    "components": [body_component, {"type": "BUTTONS", "buttons": buttons}],
                }
            )
    return requests


def outside_window(
    key: str, language: Language, values: dict[str, str | int], button_payloads: tuple[str, ...]
) -> OutsideWindow:
    """How notice `key` goes out after the 24 h window; one payload per template button, in order."""
    found = notice(key)
    if len(button_payloads) != len(found.buttons):
        raise ValueError(f"{key}: its template has {len(found.buttons)} button(s), {len(button_payloads)} given")
    # A parameter value may not hold new lines, tabs or runs of spaces (Meta refuses the message).
    parameters = {name: _SPACES.sub(" ", str(values[name])).strip() for name in parameter_names(key, language)}
    return OutsideWindow(
        template=found.template,
        language=WHATSAPP_LANGUAGES[language],
        parameters=parameters,
        button_payloads=button_payloads,
        tag=found.tag,
    )


def write_submission(path: Path = SUBMISSION) -> None:
    path.write_text(json.dumps(submission(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_submission()
