"""How a phone is proven: by the messenger itself, or by a one-time code sent to it.

The messenger vouches for a number in two cases only: a Telegram contact whose ``user_id`` is the
sender's own (Telegram fills it from the account, and the "share my phone" button sends exactly that),
and a WhatsApp chat, whose id is the sender's number. Everything else names a number the sender may
not own - any Viber contact, a Messenger phone quick reply, a Telegram address-book card (no
``user_id``), a WhatsApp contact card of another number - and is proven by a code sent to it
(``send_otp`` / ``verify_otp`` from the same chat).
"""

from __future__ import annotations

from typing import Final

# The messengers whose contact can prove a phone without a code; the conversation checks who the
# contact belongs to, the operations check that the proof claimed is possible at all.
PROVEN_BY_PLATFORM: Final = frozenset({"telegram", "whatsapp"})


def contact_proves(channel: str, *, sender_id: str, chat_id: str, phone: str, contact_user_id: str | None) -> bool:
    """True when the platform vouches that `phone`, shared as a contact, is the sender's own."""
    if channel == "telegram":
        return contact_user_id is not None and contact_user_id == sender_id
    if channel == "whatsapp":
        return whatsapp_own_number(f"whatsapp:{chat_id}", phone)
    return False


def whatsapp_own_number(chat_key: str, phone: str) -> bool:
    """A WhatsApp chat is the sender's number: it proves that number and no other."""
    return chat_key.startswith("whatsapp:") and chat_key == f"whatsapp:{phone.removeprefix('+')}"


def contact_proof_possible(channel: str, chat_key: str, phone: str) -> bool:
    """What an operation can check of a ``contact`` proof: the messenger can give one at all, and a
    WhatsApp chat claims only its own number (a Telegram contact's owner was checked by the conversation,
    the only caller that sees it)."""
    if channel == "whatsapp":
        return whatsapp_own_number(chat_key, phone)
    return channel in PROVEN_BY_PLATFORM
