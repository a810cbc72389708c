"""/webhooks/messenger: GET answers Meta's hub.challenge; POST checks X-Hub-Signature-256 and queues each event once."""

from messenger_bank.webhooks.service import webhook_lambda

lambda_handler = webhook_lambda("messenger")
