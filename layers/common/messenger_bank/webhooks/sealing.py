"""A message's free text sealed before the inbound queue when it holds a card, passport or personal number,
so that neither the queue nor its dead-letter queue (14 days) keeps one readable; the conversation opens it.

Free text is what the customer (or the platform's profile) wrote: ``text`` (a caption too), ``user_name``,
``referral``. When any holds what ``security.documents.holds_personal_numbers`` finds, all of them are
sealed together into ``sealed_text`` (chat-data key, context {"purpose": "chat-text", "chat": <chat key>,
"update": <update id>}) and left out; ids, buttons, the phone of a shared contact stay clear (the
conversation orders and routes by them; the phone is kept as the customers table keeps it).

Sealed only when found, not always: at millions of customers a seal costs a KMS call on the way in and one
on the way out, and most updates are button presses and short answers with nothing personal in them.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Final

from messenger_bank.channels.models import InboundEvent
from messenger_bank.security.documents import holds_personal_numbers

if TYPE_CHECKING:
    from messenger_bank.security.sealing import Sealer

FREE_TEXT: Final = ("text", "user_name", "referral")


def _context(event: InboundEvent) -> dict[str, str]:
    return {"chat": event.chat.key, "update": event.update_id}


def seal_free_text(event: InboundEvent, *, sealer: Sealer | None = None) -> InboundEvent:
    """The event to queue: as it is, or with its free text sealed when any of it holds personal numbers."""
    free = {name: value for name in FREE_TEXT if isinstance(value := getattr(event, name), str)}
    if not any(holds_personal_numbers(value) for value in free.values()):
        return event
    # Imported here: the sealer (cryptography, KMS) is for the few updates that hold a number, not a webhook's init.
    from messenger_bank.security.sealing import TEXT_PURPOSE, chat_sealer

    plaintext = json.dumps(free, ensure_ascii=False, separators=(",", ":")).encode()
    blob = (sealer or chat_sealer()).seal(plaintext, purpose=TEXT_PURPOSE, context=_context(event))
    return event.model_copy(update={**dict.fromkeys(free), "sealed_text": base64.b64encode(blob).decode("ascii")})


def open_free_text(event: InboundEvent, *, sealer: Sealer | None = None) -> InboundEvent:
    """The event as the platform sent it: sealed free text opened (``SealBroken`` if it is not this update's)."""
    if event.sealed_text is None:
        return event
    from messenger_bank.security.sealing import TEXT_PURPOSE, chat_sealer

    blob = base64.b64decode(event.sealed_text, validate=True)
    opened = json.loads((sealer or chat_sealer()).unseal(blob, purpose=TEXT_PURPOSE, context=_context(event)))
    free = {name: opened[name] for name in FREE_TEXT if isinstance(opened.get(name), str)}
    return InboundEvent.model_validate({**event.model_dump(), **free, "sealed_text": None})
