"""Card services: the customer's cards, balance, block / unblock, requisites, history, secure links."""
