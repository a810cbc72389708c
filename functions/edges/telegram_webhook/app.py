"""POST /webhooks/telegram: checks the secret-token header, queues the update once, answers 200 at once."""

from messenger_bank.webhooks.service import webhook_lambda

lambda_handler = webhook_lambda("telegram")
