"""A card token lives its TTL to the second: found in its last second, not found at its expiry, even while
DynamoDB (which deletes expired items only eventually) still holds the item. The vault's clock is fixed here."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from messenger_bank.security import cards
from messenger_bank.security.cards import CardVault
from messenger_bank.security.errors import CardTokenNotFound
from tests.unit.security.conftest import CARD_TOKENS_TABLE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient

VISA = "4111111111111111"
MADE_AT = 1_765_000_000
TTL_SECONDS = 600


class FixedTime:
    def __init__(self, now: int) -> None:
        self.now = now

    def time(self) -> float:
        return float(self.now)


@pytest.mark.parametrize(
    ("after", "found"), [(TTL_SECONDS - 1, True), (TTL_SECONDS, False)], ids=["last-second", "at-expiry"]
)
def test_a_card_token_is_found_until_its_expiry_second(
    dynamodb: DynamoDBClient,
    kms: KMSClient,
    card_key_id: str,
    monkeypatch: pytest.MonkeyPatch,
    after: int,
    found: bool,
) -> None:
    clock = FixedTime(MADE_AT)
    monkeypatch.setattr(cards, "time", clock)
    vault = CardVault(
        key_id=card_key_id,
        table_name=CARD_TOKENS_TABLE,
        kms=kms,
        dynamodb=dynamodb,
        ttl=timedelta(seconds=TTL_SECONDS),
    )
    token = vault.tokenise(VISA).token
    clock.now = MADE_AT + after

    if found:
        assert vault.detokenise(token) == VISA
    else:
        with pytest.raises(CardTokenNotFound):
            vault.detokenise(token)
