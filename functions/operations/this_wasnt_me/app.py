"""Operation this_wasnt_me: the newer chat an announcement names is unbound at once, its session forgotten."""

from messenger_bank.customers.bindings import this_wasnt_me
from messenger_bank.customers.operations import THIS_WASNT_ME
from messenger_bank.handlers import operation_lambda

lambda_handler = operation_lambda(THIS_WASNT_ME, this_wasnt_me)
