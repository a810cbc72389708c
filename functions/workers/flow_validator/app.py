"""The flows' AppConfig validator: a bundle (conversation/published.py) is published only when its flows pass the
linter and its conversation tests pass (conversation/checks.py). Raising refuses the deployment; AppConfig shows
the message (each lint problem and each failed conversation, with what differed) to whoever published."""

import base64
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from messenger_bank.conversation.checks import check_bundle
from messenger_bank.conversation.published import BundleRefused, read_bundle
from messenger_bank.errors import FlowsRefused
from messenger_bank.handlers import lambda_entry
from messenger_bank.observability import logger


def handle(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
    # AppConfig's validator event: applicationId, configurationProfileId, configurationVersion, content (base64), uri
    try:
        bundle = read_bundle(base64.b64decode(str(event.get("content", ""))))
    except (BundleRefused, ValueError) as error:
        raise FlowsRefused(str(error)) from None
    verdict = check_bundle(bundle)
    logger.info(
        "flows checked",
        extra={
            "flows_version": bundle.digest,
            "configuration_version": event.get("configurationVersion"),
            "lint_problems": len(verdict.lint),
            "failed_conversations": len(verdict.failures),
            "conversations": verdict.conversations,
        },
    )
    if not verdict.passed:
        raise FlowsRefused(verdict.report())
    return {"valid": True, "flows_version": bundle.digest, "conversations": verdict.conversations}


lambda_handler = lambda_entry(handle)
