"""Operation choose_cashback_category: a cashback category chosen for the next month (at most the programme's pick)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.cashback import choose_cashback_category
from messenger_bank.programs.cashback_operations import CHOOSE_CASHBACK_CATEGORY

lambda_handler = operation_lambda(CHOOSE_CASHBACK_CATEGORY, choose_cashback_category)
