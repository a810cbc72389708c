"""Operation get_recommendations: recommendations that became customers and the next milestone's bonus."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.referrals.models import GetRecommendationsRequest
from messenger_bank.referrals.operations import get_recommendations

lambda_handler = operation_lambda(GetRecommendationsRequest, get_recommendations, session="customer")
