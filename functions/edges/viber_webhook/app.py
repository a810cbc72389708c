"""POST /webhooks/viber: checks X-Viber-Content-Signature, queues the callback once, answers 200 at once."""

from messenger_bank.webhooks.service import webhook_lambda

lambda_handler = webhook_lambda("viber")
