"""Bound chats (customers/bindings.py): the operations of this context that the conversation calls, each one's contract.

Declared beside the context's models (messenger_bank/operations.py says what a declaration holds), so that an
operation's function loads its own context's models and no other's."""

from __future__ import annotations

from messenger_bank.customers.errors import ChatNotFound, ChatTooNew
from messenger_bank.customers.models import (
    ChatDisowned,
    ChatList,
    ChatRemoved,
    DisownChatRequest,
    ListChatsRequest,
    RemoveChatRequest,
)
from messenger_bank.operations import Operation

LIST_CHATS = Operation("list_chats", ListChatsRequest, ChatList, session="customer")

REMOVE_CHAT = Operation(
    "remove_chat",
    RemoveChatRequest,
    ChatRemoved,
    errors=(ChatNotFound, ChatTooNew),
    session="customer",
    needs_confirmation=True,
)

# `ref` is what the "This wasn't me" button of an announcement carries: the new chat's binding id.
THIS_WASNT_ME = Operation("this_wasnt_me", DisownChatRequest, ChatDisowned, errors=(ChatNotFound,), session="customer")
