"""Onboarding: the applicant's data (sealed), and the steps of the card-issuance journey."""
