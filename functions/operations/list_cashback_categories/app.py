"""Operation list_cashback_categories: the cashback categories to choose for the next month, those chosen marked."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.cashback import list_cashback_categories
from messenger_bank.programs.cashback_operations import LIST_CASHBACK_CATEGORIES

lambda_handler = operation_lambda(LIST_CASHBACK_CATEGORIES, list_cashback_categories)
