from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messenger_bank.cardnumbers import luhn_valid
from messenger_bank.security.cards import (
    CardVault,
    detokenise,
    find_pans,
    is_pan,
    mask_pan,
    normalise_pan,
    redact_pans,
    short_mask,
    tokenise,
)
from messenger_bank.security.errors import CardTokenNotFound, InvalidCardNumber, TokenisationFailed
from tests.unit.security.conftest import CARD_TOKENS_TABLE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kms import KMSClient

VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
MASTERCARD_2 = "2223003122003222"
BELKART = "9112000000000006"  # a Belkart-shaped test number with a valid check digit
AMEX = "378282246310005"


def with_check_digit(body: str) -> str:
    for digit in "0123456789":
        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError("unreachable")


# --- Luhn and masks --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (VISA, True),
        (MASTERCARD, True),
        (MASTERCARD_2, True),
        (AMEX, True),
        ("4111111111111112", False),
        ("79927398713", True),
        ("79927398710", False),
        ("", False),
        ("4111-1111", False),
        ("٤١١١", False),  # Arabic-Indic digits are not card digits
    ],
)
def test_luhn_check(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_the_belkart_sample_is_a_valid_number() -> None:
    assert with_check_digit(BELKART[:-1]) == BELKART


@pytest.mark.parametrize(
    ("typed", "digits"),
    [("4111 1111 1111 1111", VISA), ("4111-1111-1111-1111", VISA), ("4111\u00a01111\u00a01111\u00a01111", VISA)],
)
def test_a_typed_card_number_is_normalised(typed: str, digits: str) -> None:
    assert normalise_pan(typed) == digits


@pytest.mark.parametrize("typed", ["4111111111111112", "411111111111", "4111x1111111111111", "41111111111111111111"])
def test_a_bad_card_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidCardNumber):
        normalise_pan(typed)


@pytest.mark.parametrize(
    ("pan", "mask"),
    [
        (VISA, "411111******1111"),
        ("4111 1111 1111 1111", "411111******1111"),
        (AMEX, "378282*****0005"),
        ("6011000990139424", "601100******9424"),
        ("4000000000000000006", "400000*********0006"),
    ],
)
def test_mask_shows_first_six_and_last_four(pan: str, mask: str) -> None:
    assert mask_pan(pan) == mask


@pytest.mark.parametrize(("value", "short"), [(VISA, "•• 1111"), ("411111******4444", "•• 4444")])
def test_short_mask_shows_the_last_four(value: str, short: str) -> None:
    assert short_mask(value) == short


# --- finding card numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"card {VISA} please", [VISA]),
        ("pay 4111 1111 1111 1111 now", [VISA]),
        ("5555-5555-5555-4444, 2223003122003222", [MASTERCARD, MASTERCARD_2]),
        (f'{{"pan":"{BELKART}"}}', [BELKART]),
        (f"{VISA}{MASTERCARD}", []),  # 32 digits in a row: not a card number
        ("4111 1111 1111 1111 2024", [VISA]),  # grouped, followed by a year
        ("4111111111111112", []),  # Luhn fails
        ("timestamp 1733509682123", []),  # epoch milliseconds
        ("phone +375291234567 amount 10000", []),
        ("411111******1111 and •• 1111", []),
        ("", []),
    ],
)
def test_find_pans_in_text(text: str, found: list[str]) -> None:
    assert find_pans(text) == found


def test_redact_pans_masks_every_number_and_keeps_the_rest() -> None:
    text = f"from {VISA} to 5555 5555 5555 4444 amount 12.50"

    assert redact_pans(text) == "from 411111******1111 to 555555******4444 amount 12.50"


# Card-like numbers: a scheme's first digit, a body, a valid check digit.
# The schemes' ranges as find_pans knows them: 2-6 by the first digit, 9 only as Belkart's 9112.
pans = st.sampled_from(["2", "3", "4", "5", "6", "9112"]).flatmap(
    lambda first: st.integers(min_value=12 - len(first), max_value=18 - len(first)).flatmap(
        lambda n: st.text("0123456789", min_size=n, max_size=n).map(lambda body: with_check_digit(first + body))
    )
)


@settings(max_examples=300, deadline=None)
@given(pan=st.text("0123456789", min_size=13, max_size=19))
def test_a_mask_never_reveals_more_than_six_and_four_digits(pan: str) -> None:
    mask = mask_pan(pan)

    assert len(mask) == len(pan)
    assert sum(ch.isdigit() for ch in mask) <= 10
    assert mask[:6] == pan[:6] and mask[-4:] == pan[-4:]
    assert set(mask[6:-4]) <= {"*"}


@settings(max_examples=300, deadline=None)
@given(
    noise=st.lists(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
            st.text("0123456789 -", max_size=30),
            pans,
            pans.map(lambda p: " ".join(p[i : i + 4] for i in range(0, len(p), 4))),
        ),
        max_size=8,
    )
)
def test_redact_pans_leaves_no_card_number(noise: list[str]) -> None:
    text = "".join(noise)

    redacted = redact_pans(text)

    assert find_pans(redacted) == []
    assert redacted.count("*") >= 3 * len(find_pans(text))


@settings(max_examples=200, deadline=None)
@given(pan=pans, before=st.sampled_from(["", "card ", "№", "{'pan': '"]), after=st.sampled_from(["", " ok", "'}"]))
def test_every_embedded_card_number_is_found(pan: str, before: str, after: str) -> None:
    assert is_pan(pan)
    assert find_pans(before + pan + after) == [pan]


# --- tokenisation --------------------------------------------------------------------------------------
@pytest.fixture
def vault(dynamodb: DynamoDBClient, kms: KMSClient, card_key_id: str) -> CardVault:
    return CardVault(key_id=card_key_id, table_name=CARD_TOKENS_TABLE, kms=kms, dynamodb=dynamodb)


def test_a_card_number_round_trips_through_a_token(vault: CardVault) -> None:
    card = tokenise("4111 1111 1111 1111", vault=vault)

    assert re.fullmatch(r"tok_[A-Za-z0-9_-]{22}", card.token)
    assert len(card.token.encode()) <= 64  # fits a Telegram button's callback_data with room
    assert card.mask == "411111******1111"
    assert card.short_mask == "•• 1111"
    assert detokenise(card.token, vault=vault) == VISA


def test_the_table_holds_ciphertext_and_mask_but_never_the_number(vault: CardVault, dynamodb: DynamoDBClient) -> None:
    card = vault.tokenise(VISA)

    items = dynamodb.scan(TableName=CARD_TOKENS_TABLE)["Items"]

    assert len(items) == 1
    assert set(items[0]) == {"token", "ciphertext", "mask", "created_at", "expires_at"}
    assert VISA not in repr(items) and VISA.encode() not in items[0]["ciphertext"]["B"]
    assert find_pans(repr(items)) == []
    assert vault.describe(card.token).mask == card.mask


def test_each_tokenisation_gets_a_new_token(vault: CardVault) -> None:
    assert vault.tokenise(VISA).token != vault.tokenise(VISA).token


def test_an_invalid_number_is_refused_before_kms_is_called(vault: CardVault, dynamodb: DynamoDBClient) -> None:
    with pytest.raises(InvalidCardNumber):
        vault.tokenise("4111111111111112")

    assert dynamodb.scan(TableName=CARD_TOKENS_TABLE)["Count"] == 0


@pytest.mark.parametrize("token", ["tok_unknownunknownunknow", "tok_../../etc", "", "4111111111111111"])
def test_an_unknown_token_is_not_found(vault: CardVault, token: str) -> None:
    with pytest.raises(CardTokenNotFound):
        vault.detokenise(token)


def test_an_expired_token_is_not_found_even_before_dynamodb_deletes_it(
    dynamodb: DynamoDBClient, kms: KMSClient, card_key_id: str
) -> None:
    vault = CardVault(
        key_id=card_key_id, table_name=CARD_TOKENS_TABLE, kms=kms, dynamodb=dynamodb, ttl=timedelta(seconds=-1)
    )
    card = vault.tokenise(VISA)

    with pytest.raises(CardTokenNotFound):
        vault.detokenise(card.token)


def test_a_ciphertext_moved_to_another_token_does_not_decrypt(vault: CardVault, dynamodb: DynamoDBClient) -> None:
    mine, theirs = vault.tokenise(VISA), vault.tokenise(MASTERCARD)
    stolen = dynamodb.get_item(TableName=CARD_TOKENS_TABLE, Key={"token": {"S": theirs.token}})["Item"]
    dynamodb.update_item(
        TableName=CARD_TOKENS_TABLE,
        Key={"token": {"S": mine.token}},
        UpdateExpression="SET ciphertext = :c",
        ExpressionAttributeValues={":c": stolen["ciphertext"]},
    )

    with pytest.raises(TokenisationFailed):
        vault.detokenise(mine.token)


def test_the_vault_reads_its_configuration_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, dynamodb: DynamoDBClient, card_key_id: str
) -> None:
    monkeypatch.setenv("CARD_TOKEN_KEY_ID", card_key_id)
    monkeypatch.setenv("CARD_TOKENS_TABLE", CARD_TOKENS_TABLE)

    vault = CardVault.from_env()

    assert vault.detokenise(vault.tokenise(MASTERCARD).token) == MASTERCARD
