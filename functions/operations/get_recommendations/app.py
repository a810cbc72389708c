"""Operation get_recommendations: recommendations that became customers and the next milestone's bonus."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.programs.recommend import get_recommendations
from messenger_bank.programs.recommend_operations import GET_RECOMMENDATIONS

lambda_handler = operation_lambda(GET_RECOMMENDATIONS, get_recommendations)
