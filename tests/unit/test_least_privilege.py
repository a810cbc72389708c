"""Least privilege as template.yaml grants it: each function reads only the bank credentials of the systems
it calls, and the internet-facing functions cannot touch the security records."""

from __future__ import annotations

import ast
import importlib
import json
from typing import Any

import pytest

from local.cloud.template import transform
from messenger_bank.banking.credentials import SYSTEM_SECRETS
from messenger_bank.onboarding import applications
from messenger_bank.operations import Operation
from messenger_bank.secrets import SECRET_PATHS
from messenger_bank.security import sealing
from messenger_bank.security.cards import CardVault
from messenger_bank.security.keys import KEY_PATHS
from tests.support.aws import template_resources
from tests.support.reach import reachable
from tests.unit.test_template import ROOT, of_type

# The bank systems each function's code calls (which of banking/service.py's factories it reaches:
# core banking and Cerberus through the Keycloak client). A function not listed calls none.
KEYCLOAK, PASSPORT, BILLING, ACQUIRER, PARTNERS = "keycloak", "passport", "billing", "acquirer", "partners"
SYSTEMS_CALLED: dict[str, set[str]] = {
    "SendOtpFunction": {KEYCLOAK},
    "VerifyOtpFunction": {KEYCLOAK},
    "ListCardsFunction": {KEYCLOAK},
    "GetBalanceFunction": {KEYCLOAK},
    "BlockCardFunction": {KEYCLOAK},
    "UnblockCardFunction": {KEYCLOAK},
    "GetRequisitesFunction": {KEYCLOAK},
    "GetHistoryFunction": {KEYCLOAK},
    "GetStatementFunction": {KEYCLOAK},
    "CreateSecureLinkFunction": {KEYCLOAK},
    "StartReauthenticationFunction": {KEYCLOAK},
    "GetCardLimitsFunction": {KEYCLOAK},
    "SetCardLimitFunction": {KEYCLOAK},
    "SecurePageFunction": {KEYCLOAK},
    "QuoteTransferFunction": {KEYCLOAK},
    "ListOffersFunction": {PARTNERS},
    "ActivateOfferFunction": {PARTNERS},
    "GetCashbackFunction": {KEYCLOAK},
    "VerifyApplicantFunction": {KEYCLOAK, PASSPORT},
    "RegisterCustomerFunction": {KEYCLOAK},
    "IssueVirtualCardFunction": {KEYCLOAK},
    "CreditReferralBonusesFunction": {KEYCLOAK},
    "TransferParkFunction": {KEYCLOAK},
    "TransferCheckCodeFunction": {KEYCLOAK},
    "StepUpAwaitCodeFunction": {KEYCLOAK},
    "StepUpCheckCodeFunction": {KEYCLOAK},
    "TransferDebitFunction": {KEYCLOAK},
    "TransferCreditFunction": {KEYCLOAK},
    "TransferRefundFunction": {KEYCLOAK},
    "TransferTellRecipientFunction": {KEYCLOAK},
    "PlasticOrderFunction": {KEYCLOAK},
    "ListPayeesFunction": {BILLING},
    "CheckPayeeAccountFunction": {BILLING},
    "QuotePaymentFunction": {KEYCLOAK, BILLING},
    "PaymentPayFunction": {BILLING},
    "TopUpStartFunction": {ACQUIRER},
    "TopUpCreditFunction": {KEYCLOAK, ACQUIRER},
    "AcquirerCallbackFunction": {ACQUIRER},
    "PayMoneyRequestFunction": {KEYCLOAK},
    "PayoutPayFunction": {KEYCLOAK},
    "StatementSendFunction": {KEYCLOAK},
}
WEBHOOKS = ("TelegramWebhookFunction", "ViberWebhookFunction", "WhatsAppWebhookFunction", "MessengerWebhookFunction")
PREFIX = "/messenger-bank/dev"


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    document = transform(ROOT / "template.yaml", {"Stage": "dev"}, region="eu-central-1", account="123456789012")
    return document.resources


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def bank_secrets_granted(role: dict[str, Any]) -> set[str]:
    """The SSM parameters under {prefix}/bank that the role may read, as names after `bank/`."""
    granted: set[str] = set()
    for statement in _statements(role):
        if not any(str(a).startswith("ssm:Get") for a in _as_list(statement["Action"])):
            continue
        for resource in _as_list(statement["Resource"]):
            text = json.dumps(resource)  # a resolved ARN or SAM's unresolved Sub: the path is in it either way
            for marker in (f"parameter{PREFIX}/bank", "${SecretsPrefix}/bank"):
                if marker in text:
                    granted.add(text.split(marker, 1)[1].split('"', 1)[0].lstrip("/") or "<the whole bank path>")
    return granted


def roles_by_function(transformed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    roles = of_type(transformed, "AWS::IAM::Role")
    functions = of_type(transformed, "AWS::Lambda::Function")
    return {name: roles[f"{name}Role"] for name in functions if f"{name}Role" in roles}


def test_each_function_reads_exactly_the_credentials_of_the_bank_systems_it_calls(transformed: dict[str, Any]) -> None:
    for function, role in roles_by_function(transformed).items():
        needed = {name for system in SYSTEMS_CALLED.get(function, set()) for name in SYSTEM_SECRETS[system]}

        assert bank_secrets_granted(role) == needed, function


def test_the_table_names_only_functions_that_exist(transformed: dict[str, Any]) -> None:
    assert set(SYSTEMS_CALLED) <= set(roles_by_function(transformed))


def test_a_grant_of_the_whole_bank_path_is_seen() -> None:
    # The check above must see `bank/*` (what 38 functions had): the oracle is a hand-written role.
    arn = f"arn:aws:ssm:eu-central-1:123456789012:parameter{PREFIX}/bank"

    def role_reading(resource: str) -> dict[str, Any]:
        statement = {"Action": ["ssm:GetParameter"], "Resource": resource}
        return {"Properties": {"Policies": [{"PolicyDocument": {"Statement": [statement]}}]}}

    role, wildcard = role_reading(arn), role_reading(arn + "/*")

    assert bank_secrets_granted(role) == {"<the whole bank path>"}
    assert bank_secrets_granted(wildcard) == {"*"}


def _tables_touched(role: dict[str, Any]) -> set[str]:
    statements = [s for s in _statements(role) if any(str(a).startswith("dynamodb:") for a in _as_list(s["Action"]))]
    text = json.dumps(statements)
    return {
        table for table in ("SecurityTable", "IdempotencyTable", "CustomersTable", "SessionsTable") if table in text
    }


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_a_webhook_touches_only_the_idempotency_table_never_the_security_records(
    transformed: dict[str, Any], webhook: str
) -> None:
    assert _tables_touched(roles_by_function(transformed)[webhook]) == {"IdempotencyTable"}


def test_only_the_functions_that_keep_security_records_may_touch_them(transformed: dict[str, Any]) -> None:
    roles = roles_by_function(transformed)
    keepers = {name for name, role in roles.items() if "SecurityTable" in _tables_touched(role)}

    assert keepers == {"SendOtpFunction", "SignInFunction", "SecurePageFunction"}


def test_the_security_records_are_read_where_the_code_looks_for_them(transformed: dict[str, Any]) -> None:
    for name in ("SendOtpFunction", "SignInFunction", "SecurePageFunction"):
        variables = transformed[name]["Properties"]["Environment"]["Variables"]
        assert variables["SECURITY_TABLE"] == {"Ref": "SecurityTable"}, name
        assert "IDEMPOTENCY_TABLE" not in variables, name


@pytest.mark.parametrize(
    ("key", "context"),
    [
        ("CardTokenKey", CardVault._context("tok_x")),
        ("PersonalDataKey", applications._context("app-x")),
    ],
)
def test_each_key_works_only_with_the_encryption_context_its_code_passes(
    transformed: dict[str, Any], key: str, context: dict[str, str]
) -> None:
    statements = transformed[key]["Properties"]["KeyPolicy"]["Statement"]
    denials = [s for s in statements if s["Effect"] == "Deny"]

    assert len(denials) == 1
    assert {"kms:Encrypt", "kms:Decrypt"} <= set(denials[0]["Action"])
    assert denials[0]["Condition"] == {"StringNotEquals": {"kms:EncryptionContext:purpose": context["purpose"]}}


def test_the_chat_data_key_works_only_for_the_two_purposes_its_code_seals_with(transformed: dict[str, Any]) -> None:
    statements = transformed["ChatDataKey"]["Properties"]["KeyPolicy"]["Statement"]
    (denial,) = [s for s in statements if s["Effect"] == "Deny"]

    assert {"kms:GenerateDataKey*", "kms:Decrypt"} <= set(denial["Action"])
    purposes = denial["Condition"]["StringNotEquals"]["kms:EncryptionContext:purpose"]
    assert sorted(purposes) == sorted([sealing.SESSION_PURPOSE, sealing.TEXT_PURPOSE])


def chat_data_key_grants(role: dict[str, Any]) -> set[tuple[str, str]]:
    """(action, purpose) pairs the role may use the chat-data key for; purpose "*" when unconditioned."""
    granted: set[tuple[str, str]] = set()
    for statement in _statements(role):
        if "ChatDataKey" not in json.dumps(statement["Resource"]) or statement["Effect"] != "Allow":
            continue
        purpose = statement.get("Condition", {}).get("StringEquals", {}).get("kms:EncryptionContext:purpose", "*")
        granted |= {(action, purpose) for action in _as_list(statement["Action"])}
    return granted


def test_the_webhooks_may_seal_chat_text_but_never_open_it_and_only_the_conversation_opens_it(
    transformed: dict[str, Any],
) -> None:
    roles = roles_by_function(transformed)
    holders = {name: grants for name, role in roles.items() if (grants := chat_data_key_grants(role))}
    text, session = sealing.TEXT_PURPOSE, sealing.SESSION_PURPOSE

    assert holders == {
        **{webhook: {("kms:GenerateDataKey", text)} for webhook in WEBHOOKS},
        "ConversationFunction": {("kms:Decrypt", text), ("kms:GenerateDataKey", session), ("kms:Decrypt", session)},
    }
    for name in holders:
        variables = transformed[name]["Properties"]["Environment"]["Variables"]
        assert variables["CHAT_DATA_KEY_ID"] == {"Ref": "ChatDataKey"}, name


def test_the_media_bucket_refuses_requests_without_tls(transformed: dict[str, Any]) -> None:
    (policy,) = of_type(transformed, "AWS::S3::BucketPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]

    assert policy["Properties"]["Bucket"] == {"Ref": "MediaBucket"}
    assert (statement["Effect"], statement["Action"]) == ("Deny", "s3:*")
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# Which bank system each client factory of banking/service.py authenticates to (its secret() calls).
FACTORY_SYSTEM = {
    "keycloak_tokens": KEYCLOAK,
    "passport_client": PASSPORT,
    "billing_client": BILLING,
    "acquirer_client": ACQUIRER,
    "partners_client": PARTNERS,
}


def test_the_table_of_systems_called_is_what_each_functions_code_reaches() -> None:
    # An oracle from the code, not the template: the factories reachable from each handler (tests/support/reach).
    functions = {n: r for n, r in template_resources().items() if r["Type"] == "AWS::Serverless::Function"}
    for name, function in functions.items():
        reached = reachable(function["Properties"]["CodeUri"])
        systems = {s for f, s in FACTORY_SYSTEM.items() if f"messenger_bank.banking.service.{f}" in reached}

        assert systems == SYSTEMS_CALLED.get(name, set()), name


def test_the_factories_named_here_are_the_ones_that_read_secrets() -> None:
    source = (ROOT / "layers/common/messenger_bank/banking/service.py").read_text(encoding="utf-8")
    readers = {
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(c, ast.Call) and getattr(c.func, "id", "") == "secret" for c in ast.walk(node))
    }

    assert readers == set(FACTORY_SYSTEM)


def parameters_granted(role: dict[str, Any]) -> set[str]:
    """Every SSM parameter path (after the secrets prefix) the role may read."""
    granted: set[str] = set()
    for statement in _statements(role):
        if any(str(a).startswith("ssm:Get") for a in _as_list(statement["Action"])):
            for resource in _as_list(statement["Resource"]):
                text = json.dumps(resource)
                granted.add(
                    text.split("${SecretsPrefix}/", 1)[1].split('"', 1)[0] if "${SecretsPrefix}/" in text else text
                )
    return granted


def test_every_parameter_granted_is_one_secret_by_its_full_name_never_a_path(transformed: dict[str, Any]) -> None:
    # A grant on a path (`telegram`, `bank`) lets GetParametersByPath read everything under it, and does not
    # let GetParameter read one of them: the code reads secrets one by one, by name.
    known = (
        set(SECRET_PATHS.values())
        | set(KEY_PATHS.values())
        | {f"bank/{name}" for names in SYSTEM_SECRETS.values() for name in names}
    )
    for function, role in roles_by_function(transformed).items():
        assert parameters_granted(role) <= known, function


@pytest.mark.parametrize(
    ("webhook", "secrets"),
    [
        ("TelegramWebhookFunction", {"telegram/secret-token"}),
        ("ViberWebhookFunction", {"viber/auth-token"}),
        ("WhatsAppWebhookFunction", {"meta/app-secret", "meta/verify-token"}),
        ("MessengerWebhookFunction", {"meta/app-secret", "meta/verify-token"}),
    ],
)
def test_a_webhook_reads_only_its_platforms_inbound_secrets(
    transformed: dict[str, Any], webhook: str, secrets: set[str]
) -> None:
    assert parameters_granted(roles_by_function(transformed)[webhook]) == secrets


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_a_webhook_may_only_get_put_update_and_delete_single_update_ids(
    transformed: dict[str, Any], webhook: str
) -> None:
    statements = _statements(roles_by_function(transformed)[webhook])
    actions = {a for s in statements for a in _as_list(s["Action"]) if str(a).startswith("dynamodb:")}

    assert actions == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}


def test_the_functions_granted_the_security_table_are_those_whose_code_keeps_security_records() -> None:
    # Oracle from the code: the two places that read SECURITY_TABLE (links.settings, phone.take_a_send).
    readers = {"messenger_bank.security.links.settings", "messenger_bank.onboarding.phone.take_a_send"}
    functions = {n: r for n, r in template_resources().items() if r["Type"] == "AWS::Serverless::Function"}
    keeping = {name for name, f in functions.items() if readers & reachable(f["Properties"]["CodeUri"])}

    assert keeping == {"SendOtpFunction", "SignInFunction", "SecurePageFunction"}


IDENTITY_DIGEST = "messenger_bank.security.digests.identity_digest"
# A handler built by `operation_lambda` checks a session only when its contract names one (handlers.py).
SESSION_CHECK = "messenger_bank.handlers._check_session"


def _operation_contract(code_uri: str) -> Operation[Any, Any] | None:
    """The contract an operation's app.py passes to `operation_lambda`, or None for another handler."""
    tree = ast.parse((ROOT / code_uri / "app.py").read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "operation_lambda":
            first = node.args[0]
            assert isinstance(first, ast.Name), code_uri
            contract = getattr(importlib.import_module(imported[first.id]), first.id)
            assert isinstance(contract, Operation), code_uri
            return contract
    return None


def functions_that_digest_identity() -> set[str]:
    """Oracle from the code: functions whose handler reaches the keyed digest (tests/support/reach), the
    session check counted only where the operation's contract asks for one."""
    functions = {n: r for n, r in template_resources().items() if r["Type"] == "AWS::Serverless::Function"}
    needing: set[str] = set()
    for name, function in functions.items():
        code = function["Properties"]["CodeUri"]
        contract = _operation_contract(code)
        if IDENTITY_DIGEST in reachable(code, without=frozenset({SESSION_CHECK})) or (
            contract is not None and contract.session is not None
        ):
            needing.add(name)
    return needing


def test_the_functions_that_read_the_identity_key_are_those_whose_code_digests_a_phone_or_a_chat(
    transformed: dict[str, Any],
) -> None:
    # Both ways: a function missing the grant fails only on AWS; one granted it without need reads a key it
    # should not hold.
    granted = {
        name
        for name, role in roles_by_function(transformed).items()
        if KEY_PATHS["identity"] in parameters_granted(role)
    }

    assert granted == functions_that_digest_identity()


def test_the_oracle_sees_a_session_check_and_a_digest_reached_directly() -> None:
    # One function of each kind, named here from their app.py: block_card checks a customer session (a token's
    # chat binding), send_otp digests the phone and the chat of its send limits, verify_otp does neither.
    needing = functions_that_digest_identity()

    assert {"BlockCardFunction", "SendOtpFunction"} <= needing
    assert "VerifyOtpFunction" not in needing
