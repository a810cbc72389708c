"""The bot's menus outside any chat, set once when going live (`make webhooks`, local/go_live.py):
Telegram's command list (`setMyCommands`, per language) and Messenger's Get Started button and persistent
menu (per locale). Pure: the words come from commands.yaml (the command a customer types) and the catalogue
(what it is called), the payloads from the channels' own rules, so nothing here is said a second time.
WhatsApp has no such menu; Viber's welcome is the answer to `conversation_started`."""

from __future__ import annotations

import re
from typing import Any, Final

from messenger_bank.channels import rules
from messenger_bank.channels.messenger import GET_STARTED_PAYLOAD
from messenger_bank.conversation.catalogue import text
from messenger_bank.conversation.engine import default_settings
from messenger_bank.conversation.engine.routing import GLOBAL_COMMANDS, match_command
from messenger_bank.types import LANGUAGES, Language

# Telegram's rules for a bot command (Bot API, BotCommand).
TELEGRAM_COMMAND: Final = re.compile(r"[a-z0-9_]{1,32}")
TELEGRAM_MAX_DESCRIPTION: Final = 256
TELEGRAM_MAX_COMMANDS: Final = 100
# Messenger's rules for a persistent menu (Messenger Profile API).
MESSENGER_MAX_ITEMS: Final = 20
MESSENGER_MAX_TITLE: Final = 30
MESSENGER_MAX_PAYLOAD: Final = 1000
# The locale Messenger gives a person whose language is each of ours ("default" takes everyone else).
MESSENGER_LOCALES: Final[dict[Language, str]] = {"ru": "ru_RU", "be": "be_BY", "en": "en_US"}

# The commands offered in Telegram's menu, in its order: /start (a start, as the adapter reads it) and the
# global commands a customer most needs; `back` is left to the buttons, it means little out of a step.
TELEGRAM_COMMANDS: Final = ("start", "menu", "help", "language", "cancel")
# The persistent menu's items on Messenger: the global commands that make sense from anywhere.
MESSENGER_MENU: Final = ("menu", "help", "language")
# The catalogue's label of each command on a button (≤ 20 characters, a catalogue test checks).
_LABELS: Final = {"menu": "nav.menu", "help": "menu.help", "language": "menu.language"}


class MenuError(ValueError):
    """A menu the platform would refuse: a word or text out of its rules."""


def telegram_commands(language: Language) -> list[dict[str, str]]:
    """BotCommand objects for `setMyCommands` in one language: each command is a word of commands.yaml for
    the global command it names (so typing it works even without the menu), described in the catalogue."""
    commands: list[dict[str, str]] = []
    for command in TELEGRAM_COMMANDS:
        is_start = rules.parse_start(f"/{command}") == (True, None)  # the adapter reads it as a start
        if not is_start and (command not in GLOBAL_COMMANDS or match_command(command) != command):
            raise MenuError(f"/{command} is neither a start nor a global command word in commands.yaml")
        if not TELEGRAM_COMMAND.fullmatch(command):
            raise MenuError(f"/{command} is not a valid Telegram command")
        description = text(f"commands.{command}", language)
        if not 1 <= len(description) <= TELEGRAM_MAX_DESCRIPTION:
            raise MenuError(f"/{command}: description length {len(description)} out of 1-{TELEGRAM_MAX_DESCRIPTION}")
        commands.append({"command": command, "description": description})
    if len(commands) > TELEGRAM_MAX_COMMANDS:
        raise MenuError(f"{len(commands)} commands; Telegram takes at most {TELEGRAM_MAX_COMMANDS}")
    return commands


def telegram_command_sets(default: Language | None = None) -> list[tuple[str, list[dict[str, str]]]]:
    """(language_code, commands) for every `setMyCommands` call: the default ("": any other language) in
    the bank's default language, then each of the bank's languages."""
    fallback = default or default_settings().default_language
    return [("", telegram_commands(fallback))] + [(language, telegram_commands(language)) for language in LANGUAGES]


def _messenger_items(language: Language) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for command in MESSENGER_MENU:
        if command not in GLOBAL_COMMANDS:
            raise MenuError(f"{command} is not a global command the engine takes as g:{command}")
        title = text(_LABELS[command], language)
        payload = rules.encode_payload("g:" + command)  # what a button of the engine's own carries (replies.py)
        if not 1 <= len(title) <= MESSENGER_MAX_TITLE:
            raise MenuError(f"{command}: title length {len(title)} out of 1-{MESSENGER_MAX_TITLE}")
        if len(payload) > MESSENGER_MAX_PAYLOAD:
            raise MenuError(f"{command}: payload longer than {MESSENGER_MAX_PAYLOAD}")
        items.append({"type": "postback", "title": title, "payload": payload})
    if len(items) > MESSENGER_MAX_ITEMS:
        raise MenuError(f"{len(items)} menu items; Messenger takes at most {MESSENGER_MAX_ITEMS}")
    return items


def messenger_profile(default: Language | None = None) -> dict[str, Any]:
    """The body of `POST /{version}/me/messenger_profile`: Get Started (its postback is read as a start) and
    a persistent menu for the default locale (the bank's default language) and each of the bank's languages."""
    fallback = default or default_settings().default_language
    menus = [{"locale": "default", "composer_input_disabled": False, "call_to_actions": _messenger_items(fallback)}]
    menus += [
        {
            "locale": MESSENGER_LOCALES[language],
            "composer_input_disabled": False,
            "call_to_actions": _messenger_items(language),
        }
        for language in LANGUAGES
    ]
    return {"get_started": {"payload": GET_STARTED_PAYLOAD}, "persistent_menu": menus}
