"""Card numbers at the edges of how they are read: the digits a customer may type, where a number starts and ends
in a run of grouped digits, the redaction's passes, and what the vault asks of KMS and DynamoDB."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from messenger_bank.security import cards
from messenger_bank.security.cards import CardVault, digits_of, find_pans, redact_pans
from messenger_bank.security.errors import InvalidCardNumber
from tests.unit.security.conftest import CARD_TOKENS_TABLE, REGION

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"


# --- the digits typed -------------------------------------------------------------------------------------------
def test_a_card_number_typed_with_spaces_and_dashes_is_its_digits() -> None:
    assert digits_of("4111 1111-1111 1111") == VISA


@pytest.mark.parametrize(
    "typed",
    ["4111 1111 1111 111a", "4111 1111 1111 111\u0661", "4111 1111 1111 111\uff11"],
    ids=["a letter", "an Arabic-Indic digit", "a full-width digit"],
)
def test_a_card_number_with_one_character_other_than_an_ascii_digit_is_refused(typed: str) -> None:
    with pytest.raises(InvalidCardNumber):
        digits_of(typed)


# --- where a number starts and ends in a run of digits ----------------------------------------------------------
def test_a_card_number_after_a_lone_digit_in_the_same_run_is_found() -> None:
    assert find_pans(f"item 7 {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]}") == [VISA]


def test_two_card_numbers_in_one_run_of_grouped_digits_are_both_found() -> None:
    grouped = " ".join(n[i : i + 4] for n in (VISA, MASTERCARD) for i in range(0, 16, 4))

    assert find_pans(grouped) == [VISA, MASTERCARD]


def test_a_redacted_card_number_is_masked_and_the_text_around_it_kept() -> None:
    assert redact_pans(f"pay {VISA} now") == "pay 411111******1111 now"


def test_redaction_ends_after_the_pass_that_finds_nothing_more(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = cards._spans
    passes: list[str] = []

    def counted(text: str) -> list[tuple[int, int, str]]:
        passes.append(text)
        if len(passes) > 3:
            raise AssertionError("redaction keeps finding card numbers in what it wrote")
        return spans(text)

    monkeypatch.setattr(cards, "_spans", counted)

    assert redact_pans(f"pay {VISA} now") == "pay 411111******1111 now"
    assert passes == [f"pay {VISA} now", "pay 411111******1111 now"]


# --- the vault's clients and reads ------------------------------------------------------------------------------
def test_the_vault_encrypts_with_the_kms_client_it_is_given(dynamodb: DynamoDBClient) -> None:
    # The key lives in another region than the default client's, so only the given client finds it.
    elsewhere = boto3.client("kms", region_name="eu-west-1")
    key_id = elsewhere.create_key(KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    cards.kms_client.cache_clear()
    assert cards.kms_client().meta.region_name == REGION != "eu-west-1"
    vault = CardVault(key_id=key_id, table_name=CARD_TOKENS_TABLE, kms=elsewhere, dynamodb=dynamodb)

    assert vault.detokenise(vault.tokenise(VISA).token) == VISA
    cards.kms_client.cache_clear()


def test_a_token_of_a_vault_without_expiry_is_read_back(
    dynamodb: DynamoDBClient, kms: KMSClient, card_key_id: str
) -> None:
    vault = CardVault(key_id=card_key_id, table_name=CARD_TOKENS_TABLE, kms=kms, dynamodb=dynamodb, ttl=None)
    card = vault.tokenise(VISA)

    assert "expires_at" not in dynamodb.get_item(TableName=CARD_TOKENS_TABLE, Key={"token": {"S": card.token}})["Item"]
    assert vault.detokenise(card.token) == VISA
    assert vault.describe(card.token).mask == "411111******1111"


def items_read(client: DynamoDBClient) -> list[set[str]]:
    """The attribute names of every item GetItem brings back to `client` (botocore's parsed answers)."""
    read: list[set[str]] = []

    def after_get_item(parsed: dict[str, Any], **_: Any) -> None:
        read.append(set(parsed.get("Item", {})))

    handler: Callable[..., None] = after_get_item
    client.meta.events.register("after-call.dynamodb.GetItem", handler)
    return read


def test_describing_a_token_reads_no_ciphertext(dynamodb: DynamoDBClient, kms: KMSClient, card_key_id: str) -> None:
    vault = CardVault(key_id=card_key_id, table_name=CARD_TOKENS_TABLE, kms=kms, dynamodb=dynamodb)
    card = vault.tokenise(VISA)
    read = items_read(dynamodb)

    vault.describe(card.token)

    assert read == [{"mask", "expires_at"}]
