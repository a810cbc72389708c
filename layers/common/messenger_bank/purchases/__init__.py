"""Card purchases as the bank hears of them: core banking's events (cleared, declined, refunded), the
cashback each one accrues, and the customer's notice."""
