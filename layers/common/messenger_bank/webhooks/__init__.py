"""WebhookAPI: a messenger's update in, checked and queued exactly once, 200 out at once."""
