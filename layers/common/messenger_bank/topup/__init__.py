"""Top-up from another bank's card: the acquirer's one-time payment page (3-D Secure there), its
signed callback, and the credit of the customer's card, once (the topup journey's steps)."""
