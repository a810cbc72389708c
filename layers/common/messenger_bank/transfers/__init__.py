"""Card-to-card transfers: the quote the conversation shows, and the transfer journey's steps."""
