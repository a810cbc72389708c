"""Card issuance step: both invite bonuses and the recommend milestones, credited once each."""

from messenger_bank.handlers import operation_lambda
from messenger_bank.referrals.models import CreditReferralBonusesRequest
from messenger_bank.referrals.operations import credit_referral_bonuses

lambda_handler = operation_lambda(CreditReferralBonusesRequest, credit_referral_bonuses)
