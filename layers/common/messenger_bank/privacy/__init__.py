"""Data the customer controls: what the bot keeps about a customer ("My data"), the consents with their
dates, withdrawing the marketing consent, and forgetting the customer (the bot's copies erased, the bank's
records left to core banking)."""
