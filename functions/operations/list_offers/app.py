"""Operation list_offers: the partners' current offers (GameArena, Twitch, Burger King, Grushovka)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.offer_operations import LIST_OFFERS
from messenger_bank.programs.partner_offers import list_offers

lambda_handler = operation_lambda(LIST_OFFERS, list_offers)
