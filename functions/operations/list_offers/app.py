"""Operation list_offers: the partners' current offers (GameArena, Twitch, Burger King, Grushovka)."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.offer_list import list_offers
from messenger_bank.programs.offer_operations import LIST_OFFERS

lambda_handler = operation_lambda(LIST_OFFERS, list_offers)
