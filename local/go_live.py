"""`make webhooks`: register the deployed stack's webhook URLs with the platforms.

Reads the stack's WebhookBaseUrl output (CloudFormation) and the secrets from SSM under the stack's
SecretsPrefix parameter, then calls Telegram `setWebhook` (with `secret_token`) and Viber
`set_webhook`. Meta (WhatsApp, Messenger) subscribes from the app dashboard: the steps are printed.
API base URLs can be pointed elsewhere with TELEGRAM_API_BASE_URL / VIBER_API_BASE_URL.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import boto3
import httpx

from messenger_bank.secrets import SecretName, parameter_name


def stack_facts(stack_name: str) -> tuple[str, str]:
    stack = boto3.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}
    return outputs["WebhookBaseUrl"].rstrip("/"), parameters["SecretsPrefix"]


def read_secret(ssm: Any, prefix: str, name: SecretName) -> str:
    return str(ssm.get_parameter(Name=parameter_name(name, prefix), WithDecryption=True)["Parameter"]["Value"])


def register_telegram(base_url: str, token: str, secret_token: str, webhook: str) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/bot{token}/setWebhook",
        json={
            "url": webhook,
            "secret_token": secret_token,
            "allowed_updates": ["message", "callback_query", "my_chat_member"],
            "max_connections": 40,
        },
        timeout=10,
    )
    result: dict[str, Any] = response.json()
    return result


def register_viber(base_url: str, auth_token: str, webhook: str) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/pa/set_webhook",
        headers={"X-Viber-Auth-Token": auth_token},
        json={
            "url": webhook,
            "event_types": ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"],
            "send_name": True,
            "send_photo": False,
        },
        timeout=10,
    )
    result: dict[str, Any] = response.json()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack-name", required=True)
    args = parser.parse_args(argv)
    webhook_base, prefix = stack_facts(args.stack_name)
    ssm = boto3.client("ssm")
    telegram = register_telegram(
        os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org"),
        read_secret(ssm, prefix, "TELEGRAM_BOT_TOKEN"),
        read_secret(ssm, prefix, "TELEGRAM_SECRET_TOKEN"),
        f"{webhook_base}/webhooks/telegram",
    )
    print(f"Telegram setWebhook: {telegram.get('ok')} {telegram.get('description', '')}")
    viber = register_viber(
        os.environ.get("VIBER_API_BASE_URL", "https://chatapi.viber.com"),
        read_secret(ssm, prefix, "VIBER_AUTH_TOKEN"),
        f"{webhook_base}/webhooks/viber",
    )
    print(f"Viber set_webhook: status {viber.get('status')} {viber.get('status_message', '')}")
    print(
        "Meta (WhatsApp and Messenger): in the app dashboard, Webhooks → subscribe\n"
        f"  WhatsApp Business Account: callback {webhook_base}/webhooks/whatsapp, field `messages`\n"
        f"  Page: callback {webhook_base}/webhooks/messenger, fields `messages`, `messaging_postbacks`,"
        " `messaging_referrals`\n"
        f"  verify token: the value of {parameter_name('META_VERIFY_TOKEN', prefix)} (SSM)"
    )
    return 0 if telegram.get("ok") and viber.get("status") == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
