"""Notices: what the bank tells a chat outside a conversation turn (a journey's end, money in, a money
request, a card's status, a new chat), and how it reaches the customer when the messenger's window
is closed: notices.yaml (the notices and their Messenger tags), templates.py (their WhatsApp
templates), service.py (the delivery policy)."""
