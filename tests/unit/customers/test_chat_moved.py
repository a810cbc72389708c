"""A messenger user bound again from a new chat (the same user id, another chat id) is the same binding: only its
chat id is brought up to date, so notices reach the new chat; its binding id and time stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from messenger_bank.customers.models import ChannelIdentity
from messenger_bank.customers.repository import CustomersRepository

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
OLD_CHAT = ChannelIdentity(channel="viber", user_id="v-1", chat_id="chat-old")
NEW_CHAT = ChannelIdentity(channel="viber", user_id="v-1", chat_id="chat-new")


def test_a_user_bound_again_from_a_new_chat_keeps_the_binding_with_the_new_chat_id(
    customers: CustomersRepository,
) -> None:
    first = customers.link_identity("c_1", OLD_CHAT, AT)

    again = customers.link_identity("c_1", NEW_CHAT, AT + timedelta(days=1))

    assert first is not None and again is None
    [binding] = customers.bindings("c_1")
    assert binding.identity == NEW_CHAT
    assert (binding.binding_id, binding.bound_at) == (first.binding_id, AT)
