"""Conversation: flows, NLU, sessions and the message catalogue."""
