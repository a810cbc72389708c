"""Tables built from template.yaml itself, so a test's table is the table the stack deploys."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from local.cloud.template import load_template_text

ROOT = Path(__file__).resolve().parents[2]


@cache
def template_document() -> dict[str, Any]:
    """template.yaml, read once per process."""
    document: dict[str, Any] = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
    return document


def template_resources() -> dict[str, Any]:
    resources: dict[str, Any] = template_document()["Resources"]
    return resources


def create_table(dynamodb: Any, logical_id: str, name: str | None = None) -> str:
    """Create (in moto) the DynamoDB table template.yaml declares under `logical_id`; returns its name."""
    properties = template_resources()[logical_id]["Properties"]
    table_name = name or logical_id
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if "GlobalSecondaryIndexes" in properties:
        request["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    dynamodb.create_table(**request)
    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    return table_name


@contextmanager
def atomic_dynamodb_writes() -> Iterator[None]:
    """DynamoDB applies a conditional write or a transaction atomically and reads consistently; moto's
    in-process backend does neither when threads race. Concurrency tests run with this, so that they test our conditions
    under DynamoDB's guarantees rather than moto's thread-safety."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    # Reads too: moto iterates its dicts while another thread's write changes them.
    names = (
        "put_item",
        "update_item",
        "delete_item",
        "transact_write_items",
        "get_item",
        "query",
        "scan",
        "batch_get_item",
        "batch_write_item",
        "transact_get_items",
    )
    originals = {name: getattr(DynamoDBBackend, name) for name in names}

    def locked(original: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(*args, **kwargs)

        return call

    for name, original in originals.items():
        setattr(DynamoDBBackend, name, locked(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)


def kms_key_pairs_made_on_first_use() -> None:
    """moto makes an RSA-2048 key pair for every KMS key it creates, symmetric ones too (0.1-0.2 s of CPU a key),
    though only Sign, Verify and GetPublicKey read it. Here a key's pair is made the first time one of those asks
    for it: the same kind of pair, and a different one for every key, only later (or never, for a symmetric key)."""
    import moto.kms.models as kms_models
    from moto.kms.utils import AbstractPrivateKey, generate_private_key

    class KeyPairOnFirstUse(AbstractPrivateKey):
        def __init__(self, key_spec: str) -> None:
            self.key_spec = key_spec
            self._pair: AbstractPrivateKey | None = None

        def _made(self) -> AbstractPrivateKey:
            if self._pair is None:
                self._pair = generate_private_key(self.key_spec)
            return self._pair

        def sign(self, message: bytes, signing_algorithm: str) -> bytes:
            return self._made().sign(message, signing_algorithm)

        def verify(self, message: bytes, signature: bytes, signing_algorithm: str) -> bool:
            return self._made().verify(message, signature, signing_algorithm)

        def public_key(self) -> bytes:
            return self._made().public_key()

    # moto's one call site; setattr, because whether mypy sees moto's module typed depends on its cache.
    setattr(kms_models, "generate_private_key", KeyPairOnFirstUse)  # noqa: B010
