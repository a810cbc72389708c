"""The onboarding context: applications, the card-issuance steps and the phone proof."""
