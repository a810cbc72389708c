"""`make webhooks`: register the deployed stack's webhook URLs with the platforms.

Reads the stack's WebhookBaseUrl output (CloudFormation) and the secrets from SSM under the stack's
SecretsPrefix parameter, then calls Telegram `setWebhook` (with `secret_token`) and Viber
`set_webhook`. Meta (WhatsApp, Messenger) subscribes from the app dashboard: the steps are printed.
It also sets the bot's menus (conversation/menus.py): Telegram `setMyCommands` per language and Messenger's
Get Started and persistent menu. Each call's outcome is printed; the exit code is 0 only if all succeeded.
API base URLs can be pointed elsewhere with TELEGRAM_API_BASE_URL / VIBER_API_BASE_URL / META_GRAPH_API_BASE_URL
(and the Graph API version with META_GRAPH_API_VERSION).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import boto3
import httpx

from messenger_bank.channels.settings import ChannelSettings
from messenger_bank.conversation.menus import messenger_profile, telegram_command_sets
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


def register_telegram_commands(base_url: str, token: str) -> list[tuple[str, bool, str]]:
    """`setMyCommands` for the default list and each of the bank's languages: (language, ok, description)."""
    outcomes: list[tuple[str, bool, str]] = []
    for language, commands in telegram_command_sets():
        body: dict[str, Any] = {"commands": commands}
        if language:
            body["language_code"] = language
        answer = httpx.post(f"{base_url}/bot{token}/setMyCommands", json=body, timeout=10).json()
        outcomes.append((language or "default", answer.get("ok") is True, str(answer.get("description", ""))))
    return outcomes


def register_messenger_profile(graph_base_url: str, version: str, page_token: str) -> tuple[bool, str]:
    """Messenger's Get Started button and persistent menu, in one `messenger_profile` call: (ok, detail)."""
    response = httpx.post(
        f"{graph_base_url}/{version}/me/messenger_profile",
        headers={"Authorization": f"Bearer {page_token}"},
        json=messenger_profile(),
        timeout=10,
    )
    answer: dict[str, Any] = response.json()
    if response.status_code == 200 and answer.get("result") == "success":
        return True, "success"
    error = answer.get("error") or {}
    return False, f"{error.get('message', response.status_code)} {error.get('error_data', '')}".strip()


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
    command_outcomes = register_telegram_commands(
        os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org"),
        read_secret(ssm, prefix, "TELEGRAM_BOT_TOKEN"),
    )
    for language, done, description in command_outcomes:
        print(f"Telegram setMyCommands ({language}): {done} {description}")
    defaults = ChannelSettings.model_fields  # the adapters' own defaults, not a deployment's settings
    profile_set, profile_detail = register_messenger_profile(
        os.environ.get("META_GRAPH_API_BASE_URL", str(defaults["meta_graph_api_base_url"].default)),
        os.environ.get("META_GRAPH_API_VERSION", str(defaults["meta_graph_api_version"].default)),
        read_secret(ssm, prefix, "MESSENGER_PAGE_ACCESS_TOKEN"),
    )
    print(f"Messenger messenger_profile (Get Started, persistent menu): {profile_set} {profile_detail}")
    print("Viber: the welcome is the bot's answer to conversation_started; no menu to set.")
    print("WhatsApp: the Cloud API has no bot menu to set.")
    print(
        "Meta (WhatsApp and Messenger): in the app dashboard, Webhooks → subscribe\n"
        f"  WhatsApp Business Account: callback {webhook_base}/webhooks/whatsapp, field `messages`\n"
        f"  Page: callback {webhook_base}/webhooks/messenger, fields `messages`, `messaging_postbacks`,"
        " `messaging_referrals`\n"
        f"  verify token: the value of {parameter_name('META_VERIFY_TOKEN', prefix)} (SSM)"
    )
    all_set = (
        telegram.get("ok") is True
        and viber.get("status") == 0
        and all(done for _, done, _ in command_outcomes)
        and profile_set
    )
    return 0 if all_set else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
