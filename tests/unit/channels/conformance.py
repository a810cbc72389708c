"""Everything the adapters can send, rendered once: the conformance tests check each body against a spec."""

from __future__ import annotations

from messenger_bank.channels.base import PlatformRequest
from messenger_bank.types import Channel

from .conftest import ADAPTERS, BUTTON_EVENT, CHATS, OUTBOUND


def all_requests(channel: Channel) -> list[tuple[str, PlatformRequest]]:
    adapter, chat = ADAPTERS[channel], CHATS[channel]
    out: list[tuple[str, PlatformRequest]] = []
    for name, message in OUTBOUND.items():
        out += [(f"send:{name}#{i}", r) for i, r in enumerate(adapter.render_send(chat, message))]
        out += [(f"edit:{name}#{i}", r) for i, r in enumerate(adapter.render_edit(chat, "4242", message))]
    out += [(f"delete#{i}", r) for i, r in enumerate(adapter.render_delete(chat, "4242"))]
    out += [(f"typing#{i}", r) for i, r in enumerate(adapter.render_typing(chat, reply_to="wamid.HBgLMTY1MDM4"))]
    out += [(f"answer#{i}", r) for i, r in enumerate(adapter.render_answer_button(BUTTON_EVENT[channel], "Done"))]
    return out
