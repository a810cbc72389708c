"""Operation recommend: the customer recommends the bank to a contact's phone."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.recommend import recommend
from messenger_bank.programs.recommend_operations import RECOMMEND

lambda_handler = operation_lambda(RECOMMEND, recommend)
