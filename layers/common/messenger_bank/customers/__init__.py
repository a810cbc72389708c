"""CustomerAPI: customers, their messenger identities, cards (token + mask) and referral codes."""
