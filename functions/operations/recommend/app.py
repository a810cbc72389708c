"""Operation recommend: the customer recommends the bank to a contact's phone."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.operations import RECOMMEND
from messenger_bank.programs.recommend import recommend

lambda_handler = operation_lambda(RECOMMEND, recommend)
