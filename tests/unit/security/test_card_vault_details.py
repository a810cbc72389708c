"""Card numbers at their limits, and the vault's promises one by one: a token never overwrites another card,
reads are consistent, the ciphertext is bound to its purpose and token and to the vault's key, tokens can be
forgotten, and the token lifetime comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from messenger_bank.security.cards import CardVault, is_pan, normalise_pan
from messenger_bank.security.errors import CardTokenNotFound, InvalidCardNumber, TokenisationFailed
from tests.unit.security.conftest import CARD_TOKENS_TABLE
from tests.unit.security.test_cards import MASTERCARD, VISA, with_check_digit

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient

SHORTEST = with_check_digit("4" + "0" * 11)  # 13 digits
LONGEST = with_check_digit("4" + "0" * 17)  # 19 digits
TOO_SHORT = with_check_digit("4" + "0" * 10)  # 12 digits, a valid check digit
TOO_LONG = with_check_digit("4" + "0" * 18)  # 20 digits, a valid check digit


@pytest.mark.parametrize("number", [SHORTEST, LONGEST])
def test_a_card_number_of_13_or_19_digits_is_one(number: str) -> None:
    assert is_pan(number) is True
    assert normalise_pan(number) == number


@pytest.mark.parametrize("number", [TOO_SHORT, TOO_LONG, "4111111111111112", "4111x11111111111"])
def test_a_number_too_short_too_long_with_a_wrong_check_digit_or_a_letter_is_not_one(number: str) -> None:
    assert is_pan(number) is False
    with pytest.raises(InvalidCardNumber):
        normalise_pan(number)


@pytest.fixture
def vault(dynamodb: DynamoDBClient, kms: KMSClient, card_key_id: str) -> CardVault:
    return CardVault(key_id=card_key_id, table_name=CARD_TOKENS_TABLE, kms=kms, dynamodb=dynamodb)


def test_a_token_that_comes_up_twice_never_overwrites_the_first_card(
    vault: CardVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("messenger_bank.security.cards.secrets.token_urlsafe", lambda n: "A" * 22)
    first = vault.tokenise(VISA)

    with pytest.raises(TokenisationFailed):
        vault.tokenise(MASTERCARD)

    assert vault.detokenise(first.token) == VISA


def test_the_vault_reads_a_token_consistently(vault: CardVault, dynamodb: DynamoDBClient) -> None:
    reads: list[dict[str, Any]] = []
    dynamodb.meta.events.register("provide-client-params.dynamodb.GetItem", lambda params, **_: reads.append(params))
    card = vault.tokenise(VISA)

    vault.describe(card.token)
    vault.detokenise(card.token)

    assert [read["ConsistentRead"] for read in reads] == [True, True]


def test_the_ciphertext_is_bound_to_its_purpose_and_token(vault: CardVault, kms: KMSClient) -> None:
    card = vault.tokenise(VISA)
    item = vault.dynamodb.get_item(TableName=CARD_TOKENS_TABLE, Key={"token": {"S": card.token}})["Item"]

    plaintext = kms.decrypt(
        CiphertextBlob=item["ciphertext"]["B"],
        EncryptionContext={"purpose": "card-number", "token": card.token},
    )["Plaintext"]

    assert plaintext == VISA.encode()


def test_a_vault_with_another_key_does_not_decrypt(vault: CardVault, kms: KMSClient, dynamodb: DynamoDBClient) -> None:
    card = vault.tokenise(VISA)
    other_key = kms.create_key(Description="another purpose")["KeyMetadata"]["KeyId"]
    other = CardVault(key_id=other_key, table_name=CARD_TOKENS_TABLE, kms=kms, dynamodb=dynamodb)

    with pytest.raises(TokenisationFailed):
        other.detokenise(card.token)


def test_a_forgotten_token_is_not_found(vault: CardVault) -> None:
    card = vault.tokenise(VISA)
    kept = vault.tokenise(MASTERCARD)

    vault.forget(card.token)

    with pytest.raises(CardTokenNotFound):
        vault.describe(card.token)
    assert vault.detokenise(kept.token) == MASTERCARD


def test_forgetting_something_that_is_not_a_token_deletes_nothing(vault: CardVault, dynamodb: DynamoDBClient) -> None:
    deletes: list[dict[str, Any]] = []
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.DeleteItem", lambda params, **_: deletes.append(params)
    )
    vault.tokenise(VISA)

    vault.forget("tok_../../etc")

    assert deletes == []
    assert dynamodb.scan(TableName=CARD_TOKENS_TABLE)["Count"] == 1


@pytest.mark.parametrize(
    ("setting", "ttl"),
    [(None, timedelta(days=1)), ("0", None), ("3600", timedelta(hours=1))],
    ids=["unset: a day", "0: for ever", "an hour"],
)
def test_the_token_lifetime_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, ttl: timedelta | None
) -> None:
    monkeypatch.setenv("CARD_TOKEN_KEY_ID", "alias/cards")
    monkeypatch.setenv("CARD_TOKENS_TABLE", CARD_TOKENS_TABLE)
    if setting is None:
        monkeypatch.delenv("CARD_TOKEN_TTL_SECONDS", raising=False)
    else:
        monkeypatch.setenv("CARD_TOKEN_TTL_SECONDS", setting)

    vault = CardVault.from_env()

    assert (vault.key_id, vault.table_name, vault.ttl) == ("alias/cards", CARD_TOKENS_TABLE, ttl)
