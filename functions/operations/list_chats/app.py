"""Operation list_chats: the chats bound to the customer ("My chats"), this one marked."""

from messenger_bank.customers.bindings import list_chats
from messenger_bank.customers.operations import LIST_CHATS
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(LIST_CHATS, list_chats)
