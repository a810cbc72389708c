"""Operation save_delivery_address - keeps a delivery address under its customer, returns its id."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.plastic.operations import SAVE_DELIVERY_ADDRESS
from messenger_bank.plastic.service import save_delivery_address

lambda_handler = operation_lambda(SAVE_DELIVERY_ADDRESS, save_delivery_address)
