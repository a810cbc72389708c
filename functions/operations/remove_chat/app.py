"""Operation remove_chat: unbind one of the customer's chats (confirmed); this one becomes a stranger's."""

from messenger_bank.customers.bindings import remove_chat
from messenger_bank.customers.operations import REMOVE_CHAT
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(REMOVE_CHAT, remove_chat)
