"""Card data hygiene: the Luhn check, masks, finding card numbers in any text, and tokenisation.

A card number (PAN) lives only between its arrival and ``tokenise``: after that the system holds the
token ``tok_<22 chars>`` (fits a Telegram button's 64-byte payload) and the mask. Only the operation
Lambdas that talk to the bank call ``detokenise``.

Token table (the template must create the same; env ``CARD_TOKENS_TABLE``):

    partition key   token       (S)   "tok_" + 22 URL-safe random characters
    TTL attribute   expires_at  (N)   epoch seconds (absent: the token does not expire)
    other attributes: ciphertext (B, the KMS ciphertext of the PAN), mask (S, "411111******1111"),
                      created_at (N)
    billing: on demand; SSE on; no index; no stream (nothing downstream needs the ciphertext).

KMS key (env ``CARD_TOKEN_KEY_ID``, a symmetric key's id, ARN or alias): the encryption context is
``{"purpose": "card-number", "token": <token>}``: the purpose lets a key policy allow only this use
(``kms:EncryptionContext:purpose``), the token binds each ciphertext to its row, so rows cannot be
swapped. Policies: ``kms:Encrypt`` + ``dynamodb:PutItem`` for the Lambdas that tokenise;
``kms:Decrypt`` + ``dynamodb:GetItem`` only for those that call the bank.

Finding card numbers (``find_pans``): a run of 13 to 19 digits, optionally grouped by up to three
spaces of any kind (no-break, thin...), dashes or dots, not part of a longer digit run, that passes the
Luhn check and starts like a payment card (first digit 2-6 or 9: Mastercard 2/5, Amex 3, Visa 4,
Maestro/UnionPay 6, the national scheme Belkart 9112). Epoch-millisecond timestamps (1...) and most ids
are thus not taken for cards.
"""

from __future__ import annotations

import re
import secrets
import time
from bisect import bisect_left, bisect_right
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict

from messenger_bank import cardnumbers
from messenger_bank.cardnumbers import CARD_DIGITS, in_card_range, luhn_valid
from messenger_bank.security.errors import CardTokenNotFound, InvalidCardNumber, TokenisationFailed
from messenger_bank.types import CardToken as CardTokenId
from messenger_bank.types import MaskedPan

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef
    from mypy_boto3_kms import KMSClient

MIN_PAN_DIGITS: Final = CARD_DIGITS.start
MAX_PAN_DIGITS: Final = CARD_DIGITS.stop - 1
_SEPARATORS: Final = " \u00a0\u202f-"
# What may group a card number's digits in text: any horizontal space (no-break, thin, narrow, figure...),
# a tab, a dash or a dot, up to three of them ("4111 - 1111"): wider than what a customer may type.
_TEXT_SEPARATORS: Final = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000.-"
# A maximal run of digits where separators may group them.
_DIGIT_RUN: Final = re.compile(f"[0-9](?:[{_TEXT_SEPARATORS}]{{0,3}}[0-9])*")
_TOKEN_SHAPE: Final = re.compile(r"^tok_[A-Za-z0-9_-]{22}$")
_ENCRYPTION_PURPOSE: Final = "card-number"
DEFAULT_TOKEN_TTL: Final = timedelta(days=1)


def digits_of(pan: str) -> str:
    """The digits of a card number typed with spaces or dashes; anything else makes it invalid."""
    stripped = "".join(ch for ch in pan if ch not in _SEPARATORS)
    if not stripped.isascii() or not stripped.isdigit():
        raise InvalidCardNumber("a card number has digits, spaces and dashes only")
    return stripped


def is_pan(candidate: str) -> bool:
    """True for a plausible card number: 13-19 digits (separators allowed) and a valid Luhn check."""
    try:
        number = digits_of(candidate)
    except InvalidCardNumber:
        return False
    return MIN_PAN_DIGITS <= len(number) <= MAX_PAN_DIGITS and luhn_valid(number)


def normalise_pan(pan: str) -> str:
    """The bare digits of a valid card number; raises ``InvalidCardNumber`` otherwise."""
    number = digits_of(pan)
    if not MIN_PAN_DIGITS <= len(number) <= MAX_PAN_DIGITS:
        raise InvalidCardNumber("a card number has 13 to 19 digits")
    if not luhn_valid(number):
        raise InvalidCardNumber("the card number's check digit is wrong")
    return number


def mask_pan(pan: str) -> str:
    """First six and last four digits, the rest as ``*``: ``411111******1111`` (``cardnumbers.mask_pan``).

    Does not require a valid Luhn check, so that a mistyped number is never shown whole either.
    """
    number = digits_of(pan)
    if not MIN_PAN_DIGITS <= len(number) <= MAX_PAN_DIGITS:
        raise InvalidCardNumber("a card number has 13 to 19 digits")
    return cardnumbers.mask_pan(number)


def short_mask(pan_or_mask: str) -> str:
    """The last four digits only: ``•• 1111``; takes a card number or a mask."""
    try:
        return cardnumbers.short_mask(pan_or_mask)
    except ValueError:
        raise InvalidCardNumber("need at least four digits to mask") from None


def _card_prefix(digits: str) -> bool:
    """A scheme's number range (``cardnumbers.in_card_range``: 9 only as Belkart's 9112)."""
    return in_card_range(digits)


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every card number in `text`, left to right, not overlapping.

    Linear in the text: for each place a number may start, only the few ends 13 to 19 digits later
    are tried, so a long run of separated digits cannot make logging slow.
    """
    found: list[tuple[int, int, str]] = []
    for run in _DIGIT_RUN.finditer(text):
        if len(run.group()) < MIN_PAN_DIGITS:
            continue
        # Digits of the run, with their positions; a PAN starts at the run's start or after a
        # separator, and ends at the run's end or before a separator.
        positions = [run.start() + i for i, ch in enumerate(run.group()) if ch.isdigit()]
        breaks = [k for k in range(1, len(positions)) if positions[k] - positions[k - 1] > 1]
        starts = [0, *breaks]
        ends = [*breaks, len(positions)]
        digits = "".join(text[p] for p in positions)
        next_free = 0
        for s in starts:
            if s < next_free:
                continue
            low = bisect_left(ends, s + MIN_PAN_DIGITS)
            high = bisect_right(ends, s + MAX_PAN_DIGITS)
            for e in reversed(ends[low:high]):
                candidate = digits[s:e]
                if _card_prefix(candidate) and luhn_valid(candidate):
                    found.append((positions[s], positions[e - 1] + 1, candidate))
                    next_free = e
                    break
    return found


def find_pans(text: str) -> list[str]:
    """Every card number in `text` as bare digits, in order (see the module doc for what counts)."""
    return [digits for _, _, digits in _spans(text)]


def redact_pans(text: str) -> str:
    """`text` with every card number replaced by its mask (``411111******1111``).

    Repeated until nothing is found: a mask's visible digits next to other digits could otherwise form
    a new Luhn-valid run (each pass hides digits, so this ends, in one pass almost always).
    """
    spans = _spans(text)
    while spans:
        parts: list[str] = []
        cursor = 0
        for start, end, digits in spans:
            parts.append(text[cursor:start])
            parts.append(mask_pan(digits))
            cursor = end
        parts.append(text[cursor:])
        text = "".join(parts)
        spans = _spans(text)
    return text


# --- tokenisation ----------------------------------------------------------------------------------
class CardToken(BaseModel):
    """A tokenised card: the opaque token to store and pass around, and the mask to show."""

    # Built on first use: every function imports this module (its logs are scrubbed of card numbers), few tokenise.
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    token: CardTokenId
    mask: MaskedPan

    @property
    def short_mask(self) -> str:
        return short_mask(self.mask)


@lru_cache(maxsize=1)
def kms_client() -> KMSClient:
    """The KMS client, created on first use (one per cold start), never at import."""
    import boto3

    return boto3.client("kms")


@lru_cache(maxsize=1)
def dynamodb_client() -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb")


class CardVault:
    """Tokenises card numbers: KMS encrypts, DynamoDB keeps the ciphertext under a random token."""

    def __init__(
        self,
        *,
        key_id: str,
        table_name: str,
        kms: KMSClient | None = None,
        dynamodb: DynamoDBClient | None = None,
        ttl: timedelta | None = DEFAULT_TOKEN_TTL,
    ) -> None:
        self.key_id = key_id
        self.table_name = table_name
        self._kms = kms
        self._dynamodb = dynamodb
        self.ttl = ttl

    @classmethod
    def from_env(cls) -> CardVault:
        from messenger_bank.security.settings import security_environment

        env = security_environment()
        ttl_s = env.card_token_ttl_seconds
        return cls(
            key_id=env.required("card_token_key_id"),
            table_name=env.required("card_tokens_table"),
            ttl=DEFAULT_TOKEN_TTL if ttl_s is None else (timedelta(seconds=ttl_s) if ttl_s else None),
        )

    @property
    def kms(self) -> KMSClient:
        return self._kms or kms_client()

    @property
    def dynamodb(self) -> DynamoDBClient:
        return self._dynamodb or dynamodb_client()

    def tokenise(self, pan: str) -> CardToken:
        """Encrypt and store `pan`; return its token and mask. Raises ``InvalidCardNumber`` first."""
        from botocore.exceptions import BotoCoreError, ClientError

        number = normalise_pan(pan)
        token = "tok_" + secrets.token_urlsafe(16)  # 16 random bytes: 22 URL-safe characters
        mask = mask_pan(number)
        now = int(time.time())
        try:
            ciphertext = self.kms.encrypt(
                KeyId=self.key_id,
                Plaintext=number.encode("ascii"),
                EncryptionContext=self._context(token),
            )["CiphertextBlob"]
            item: dict[str, AttributeValueTypeDef] = {
                "token": {"S": token},
                "ciphertext": {"B": ciphertext},
                "mask": {"S": mask},
                "created_at": {"N": str(now)},
            }
            if self.ttl is not None:
                item["expires_at"] = {"N": str(now + int(self.ttl.total_seconds()))}
            self.dynamodb.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#t)",
                ExpressionAttributeNames={"#t": "token"},
            )
        except (BotoCoreError, ClientError) as exc:
            # The message names the service and the error code, never the number.
            raise TokenisationFailed(f"card tokenisation failed: {type(exc).__name__}") from None
        return CardToken(token=token, mask=mask)

    def describe(self, token: str) -> CardToken:
        """The token and its mask, without decrypting anything."""
        item = self._item(token, attributes="mask, expires_at")
        return CardToken(token=token, mask=item["mask"]["S"])

    def detokenise(self, token: str) -> str:
        """The card number behind `token`. Only for the Lambdas that send it to the bank."""
        from botocore.exceptions import BotoCoreError, ClientError

        item = self._item(token, attributes="ciphertext, expires_at")
        try:
            plaintext = self.kms.decrypt(
                KeyId=self.key_id,
                CiphertextBlob=item["ciphertext"]["B"],
                EncryptionContext=self._context(token),
            )["Plaintext"]
        except (BotoCoreError, ClientError) as exc:
            raise TokenisationFailed(f"card detokenisation failed: {type(exc).__name__}") from None
        return plaintext.decode("ascii")

    def forget(self, token: str) -> None:
        """Delete the token (e.g. once a transfer has completed); unknown tokens are ignored."""
        if _TOKEN_SHAPE.match(token):
            self.dynamodb.delete_item(TableName=self.table_name, Key={"token": {"S": token}})

    def _item(self, token: str, *, attributes: str) -> dict[str, AttributeValueTypeDef]:
        from botocore.exceptions import BotoCoreError, ClientError

        if not _TOKEN_SHAPE.match(token):
            raise CardTokenNotFound("not a card token")
        try:
            response = self.dynamodb.get_item(
                TableName=self.table_name,
                Key={"token": {"S": token}},
                ConsistentRead=True,
                ProjectionExpression=attributes,
            )
        except (BotoCoreError, ClientError) as exc:
            raise TokenisationFailed(f"card token look-up failed: {type(exc).__name__}") from None
        item = response.get("Item")
        if item is None:
            raise CardTokenNotFound("no such card token")
        expires_at = item.get("expires_at", {}).get("N")
        # DynamoDB deletes expired items lazily: an item past its TTL may still be read.
        if expires_at is not None and int(expires_at) <= int(time.time()):
            raise CardTokenNotFound("the card token has expired")
        return item

    @staticmethod
    def _context(token: str) -> dict[str, str]:
        return {"purpose": _ENCRYPTION_PURPOSE, "token": token}


@lru_cache(maxsize=1)
def card_vault() -> CardVault:
    """The vault configured from ``CARD_TOKEN_KEY_ID`` / ``CARD_TOKENS_TABLE`` (once per cold start)."""
    return CardVault.from_env()


def tokenise(pan: str, *, vault: CardVault | None = None) -> CardToken:
    """Tokenise a card number: ``CardToken(token="tok_...", mask="411111******1111")``."""
    return (vault or card_vault()).tokenise(pan)


def detokenise(token: str, *, vault: CardVault | None = None) -> str:
    """The card number behind a token; raises ``CardTokenNotFound`` for an unknown or expired one."""
    return (vault or card_vault()).detokenise(token)
