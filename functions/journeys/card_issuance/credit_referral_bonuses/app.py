"""Card issuance step: both invite bonuses and the recommend milestones, credited once each."""

from messenger_bank.handlers import step_lambda
from messenger_bank.programs.card_issuance import credit_referral_bonuses
from messenger_bank.programs.referral_operations import CreditReferralBonusesRequest

lambda_handler = step_lambda(CreditReferralBonusesRequest, credit_referral_bonuses)
