"""Asking another bot user for money: the request, the Pay / Decline message it sends, and the answer."""
