"""Operation activate_offer: activates a partner offer for the customer, once."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.offer_operations import ACTIVATE_OFFER
from messenger_bank.programs.partner_offers import activate_offer

lambda_handler = operation_lambda(ACTIVATE_OFFER, activate_offer)
