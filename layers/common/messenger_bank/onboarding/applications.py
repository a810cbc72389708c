"""Applications, sealed: the applicant's personal data encrypted with the personal-data KMS key and
kept in the customers table for a day at most (TTL), so that a journey can pass the application id
instead of the data.

    pk APPLICATION#<id>   sk APPLICATION   sealed (KMS ciphertext)   expires_at (TTL)
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import boto3

from messenger_bank.errors import DomainError
from messenger_bank.ids import random_id
from messenger_bank.onboarding.models import ApplicationForm
from messenger_bank.onboarding.settings import onboarding_settings
from messenger_bank.tables import customers_table as _table

KEEP_SECONDS = 24 * 3600


class ApplicationNotFound(DomainError):
    """The application expired or was closed: the customer has to apply again."""


@cache
def _kms() -> Any:
    return boto3.client("kms")


def warm() -> None:
    """What sealing or opening an application first costs, ahead (a journey's warm-up): the KMS client, the table."""
    _kms()
    _table()


def _context(application_id: str) -> dict[str, str]:
    # Binds the ciphertext to its application: a sealed blob copied to another id will not open.
    return {"purpose": "card-application", "application_id": application_id}


def seal(form: ApplicationForm) -> str:
    application_id = f"app-{random_id(16)}"
    ciphertext = _kms().encrypt(
        KeyId=onboarding_settings().personal_data_key(),
        Plaintext=form.model_dump_json().encode(),
        EncryptionContext=_context(application_id),
    )["CiphertextBlob"]
    _table().put_item(
        Item={
            "pk": f"APPLICATION#{application_id}",
            "sk": "APPLICATION",
            "sealed": ciphertext,
            "expires_at": int(time.time()) + KEEP_SECONDS,
        }
    )
    return application_id


def unseal(application_id: str) -> ApplicationForm:
    item = _table().get_item(Key={"pk": f"APPLICATION#{application_id}", "sk": "APPLICATION"}).get("Item")
    if item is None or int(item["expires_at"]) < time.time():  # seal writes it with the data
        raise ApplicationNotFound(application_id)
    plaintext = _kms().decrypt(CiphertextBlob=bytes(item["sealed"]), EncryptionContext=_context(application_id))
    return ApplicationForm.model_validate_json(plaintext["Plaintext"])


def forget(application_id: str) -> None:
    _table().delete_item(Key={"pk": f"APPLICATION#{application_id}", "sk": "APPLICATION"})
