"""/webhooks/whatsapp: GET answers Meta's hub.challenge; POST checks X-Hub-Signature-256, queues each message once."""

from messenger_bank.webhooks.service import webhook_lambda

lambda_handler = webhook_lambda("whatsapp")
