"""The hand-off in a test: its two tables on moto, a fake MessageAPI, the actions as an operator does them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from messenger_bank.channels.models import ChatRef, OutboundMessage
from messenger_bank.handoff import service
from messenger_bank.handoff.models import handoff_id
from messenger_bank.handoff.repository import HandoffsRepository
from messenger_bank.notices.windows import WindowsRepository

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
TELEGRAM = ChatRef(channel="telegram", chat_id="5001")
WHATSAPP = ChatRef(channel="whatsapp", chat_id="375290000001")


@dataclass
class FakeMessages:
    sent: list[tuple[ChatRef, str]] = field(default_factory=list)

    def send(self, chat: ChatRef, message: OutboundMessage) -> None:
        self.sent.append((chat, message.text))


@dataclass
class World:
    handoffs: HandoffsRepository
    windows: WindowsRepository
    messages: FakeMessages = field(default_factory=FakeMessages)

    def hand_over(self, chat: ChatRef = TELEGRAM, *said: str, at: datetime = NOW, language: Any = "ru") -> bool:
        return service.hand_over(
            chat, language=language, customer_id="cus_1", reason="asked", said=said, repository=self.handoffs, now=at
        )

    def answer(self, operator: str, chat: ChatRef = TELEGRAM, words: str = "Здравствуйте!", at: datetime = NOW) -> Any:
        return service.answer(
            operator,
            handoff_id(chat.key),
            words,
            messages=self.messages,  # type: ignore[arg-type]
            repository=self.handoffs,
            windows=self.windows,
            now=at,
        )

    def hand_back(self, operator: str, chat: ChatRef = TELEGRAM, at: datetime = NOW) -> Any:
        return service.hand_back(
            operator,
            handoff_id(chat.key),
            messages=self.messages,  # type: ignore[arg-type]
            repository=self.handoffs,
            windows=self.windows,
            now=at,
        )

    def take(self, operator: str, chat: ChatRef = TELEGRAM, at: datetime = NOW) -> Any:
        return service.take(operator, handoff_id(chat.key), repository=self.handoffs, now=at)
