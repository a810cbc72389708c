"""A sealed application opens under the encryption context the personal-data key's policy allows (template.yaml,
PersonalDataKey: cryptographic use is denied unless the context's purpose is the one it names), bound to its
application id; the code's own seal and unseal agreeing with each other could not show that."""

from __future__ import annotations

from typing import Any

import boto3

from messenger_bank.onboarding import applications
from tests.support.aws import template_resources

from .conftest import form


def purpose_the_key_policy_allows() -> str:
    statements = template_resources()["PersonalDataKey"]["Properties"]["KeyPolicy"]["Statement"]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    return str(deny["Condition"]["StringNotEquals"]["kms:EncryptionContext:purpose"])


def test_an_application_is_sealed_under_the_purpose_its_key_policy_allows(table: Any) -> None:
    application_id = applications.seal(form())
    item = table.get_item(Key={"pk": f"APPLICATION#{application_id}", "sk": "APPLICATION"})["Item"]

    opened = boto3.client("kms").decrypt(
        CiphertextBlob=bytes(item["sealed"]),
        EncryptionContext={"purpose": purpose_the_key_policy_allows(), "application_id": application_id},
    )

    assert b"MP1234567" in opened["Plaintext"]
