"""Card issuance step: both invite bonuses and the recommend milestones, credited once each."""

from messenger_bank.handlers import step_lambda
from messenger_bank.referrals.models import CreditReferralBonusesRequest
from messenger_bank.referrals.operations import credit_referral_bonuses

lambda_handler = step_lambda(CreditReferralBonusesRequest, credit_referral_bonuses)
