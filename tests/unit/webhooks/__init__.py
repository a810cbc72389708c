"""WebhookAPI: authenticity, parsing, queueing exactly once."""
