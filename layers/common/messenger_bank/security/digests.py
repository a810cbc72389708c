"""Keyed digests of identity data: the one place a phone, a chat or a passport is turned into a digest.

HMAC-SHA256 under the ``identity`` key (SSM ``<prefix>/security/identity-key``, see
``messenger_bank.security.keys``; Powertools caches it five minutes), never a plain hash: there are few
enough phone numbers, chat ids and passport numbers to hash them all, so a plain digest gives the value
back to anyone who reads a table or a token. The message is ``<kind>:<value>``, so a phone and a chat with
the same characters never share a digest. A Lambda that reaches ``identity_digest`` needs
``ssm:GetParameter`` on the key (tests/unit/test_least_privilege.py checks the template grants it).

Before keyed digests, the chat binding and the lockout / code-send subjects were plain SHA-256: the
``unkeyed_*`` functions below compute those old values for the 24 hours their counters can still be
live after the deploy (README, "Lockouts and code limits"); delete them with ``READ_UNKEYED_COUNTERS``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from messenger_bank.security.keys import signing_key

# 128 bits: far beyond a collision by chance, and short, because the chat binding rides in every session
# token and link (each URL a messenger must carry) and in record keys.
SHORT_DIGEST_CHARS: Final = 32
# The counters kept under the unkeyed subjects are read (and carried over) while this is True. Their longest
# window is a day (10 codes a day), so set it to False and delete the ``unkeyed_*`` functions one day
# after the deploy that introduced keyed subjects; until then, reading them costs one GetItem per counter.
READ_UNKEYED_COUNTERS: Final = True


def _identity_key() -> bytes:
    return signing_key("identity")


def identity_digest(kind: str, value: str) -> str:
    """Hex HMAC-SHA256 of ``<kind>:<value>`` under the identity key (64 characters)."""
    return hmac.new(_identity_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def chat_digest(chat_key: str) -> str:
    """The chat ``<channel>:<chat id>`` as tokens, links and records name it (the chat binding)."""
    return identity_digest("chat", chat_key)[:SHORT_DIGEST_CHARS]


def phone_digest(phone: str) -> str:
    """A phone as the security records name it (lockouts and code-send limits)."""
    return identity_digest("phone", phone)[:SHORT_DIGEST_CHARS]


def unkeyed_chat_digest(chat_key: str) -> str:
    """What ``chat_digest`` was before keyed digests (only to read counters kept under it)."""
    return hashlib.sha256(chat_key.encode("utf-8")).hexdigest()[:SHORT_DIGEST_CHARS]


def unkeyed_phone_digest(phone: str) -> str:
    """What ``phone_digest`` was before keyed digests (only to read counters kept under it)."""
    return hashlib.sha256(phone.encode()).hexdigest()[:SHORT_DIGEST_CHARS]
