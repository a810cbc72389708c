"""Telling a customer, once, that the bank system that failed them is back.

A chat asks (the "Tell me when it's back" button under the outage message: ``tell_when_back``); the
scheduled check (``check_systems``, every minute) looks at each guarded system whose breaker is not clean
or that chats wait for, probes it when its breaker allows (``banking.service.probe``), records the outcome
on the breaker, reports each breaker's state as the ``BankCircuitOpen`` metric (the alarm's), and once a
system answers again tells each waiting chat. A subscription is deleted before its chat is told, by a
conditional delete that only one checker wins: told once, never twice (a notice the messenger refuses is
counted undelivered by notices, like any other).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from messenger_bank.banking import service as bank
from messenger_bank.banking.breaker import GUARDED_SYSTEMS, BreakerBoard, breaker_board
from messenger_bank.banking.settings import System
from messenger_bank.conversation.catalogue import text
from messenger_bank.notices.models import Notified, NotifyRequest
from messenger_bank.notices.service import chat_of, notify, tell_each_chat
from messenger_bank.observability import count, logger
from messenger_bank.outages.models import BankSystem, SystemChecked, TellWhenBackRequest, WillTell
from messenger_bank.outages.repository import SubscriptionsRepository
from messenger_bank.types import LANGUAGES, Language

BACK = "outage.back"  # the notice


def system_name(system: str, language: Language) -> str:
    """What the customer reads for a bank system ("card accounts", "payments for services")."""
    return text(f"outage.system.{system}", language)


def tell_when_back(
    request: TellWhenBackRequest, *, repository: SubscriptionsRepository | None = None, now: datetime | None = None
) -> WillTell:
    subscriptions = repository or SubscriptionsRepository()
    for system in request.systems:
        subscriptions.subscribe(system, request.chat_key, request.language, now or datetime.now(UTC))
    logger.info("told when back: asked", extra={"systems": request.systems})
    return WillTell(systems=request.systems)


def check_systems(
    *,
    board: BreakerBoard | None = None,
    probe: Callable[[System], bool] = bank.probe,
    tell: Callable[[NotifyRequest], Notified] = notify,
    repository: SubscriptionsRepository | None = None,
    now: datetime | None = None,
) -> list[SystemChecked]:
    board = board or breaker_board()
    if board is None:
        raise RuntimeError("BANK_BREAKERS_TABLE is not set for this function")
    subscriptions = repository or SubscriptionsRepository()
    at = now or datetime.now(UTC)
    checked = []
    for system in GUARDED_SYSTEMS:
        breaker = board.read(system)
        waiting = subscriptions.waiting(system, at)
        back = False
        if not breaker.clean or waiting:
            # A closed breaker with chats waiting is probed as it is; an open one only when its cool-down allows.
            allowed = breaker.status == "closed" or board.admit(system, at.timestamp()) == "probe"
            back = allowed and probe(system)
            if back:
                board.record_success(system)
            elif allowed:
                board.record_failure(system, at.timestamp())
        down = board.read(system).status != "closed"
        count("BankCircuitOpen", value=1 if down else 0, system=system)
        told = _tell(system, waiting, subscriptions, tell) if back else 0
        checked.append(SystemChecked(system=_guarded(system), down=down, told=told))
    return checked


def _tell(
    system: str,
    waiting: list[tuple[str, str]],
    subscriptions: SubscriptionsRepository,
    tell: Callable[[NotifyRequest], Notified],
) -> int:
    languages = {chat_key: language for chat_key, language in waiting if subscriptions.take(system, chat_key)}

    def notice_for(chat_key: str) -> NotifyRequest:
        language: Language = next((lang for lang in LANGUAGES if lang == languages[chat_key]), "ru")
        return NotifyRequest(
            chat_key=chat_key, language=language, message=BACK, values={"system": system_name(system, language)}
        )

    told = tell_each_chat(
        [chat_of(key) for key in languages], lambda chat: notice_for(chat.key), tell=tell, about={"system": system}
    )
    logger.info("told when back: system back", extra={"system": system, "chats": len(languages)})
    return told.delivered


def _guarded(system: str) -> BankSystem:
    for known in ("core", "passport", "cerberus", "billing"):
        if known == system:
            return known
    raise ValueError(f"{system} has no breaker")
