"""The sandbox bank's state in SQLite: customers, accounts, cards, and a double-entry ledger.

Balances are never stored: an account's balance is the sum of its postings. Every money movement is
one operation with exactly two postings (minus on one account, plus on another), written in one
SQLite transaction together with its idempotency record, so the sum over all accounts is always 0.
A customer account may go below zero down to minus its credit limit (``accounts.credit_limit``, set
when the card is issued after Cerberus's scoring; 0 for a debit card) and no further. The bank's
internal accounts (equity, transit, acquiring, billing, interbank, merchants, income) may go negative
without a bound and balance bonuses, top-ups from other banks, bill payments and transfers to other banks.

Holds: a card authorization reserves money on its account (table ``holds``) until it is cleared (then a
posted operation takes its place), reversed or expired. A hold is no posting: the ledger's totals never
see it. What a customer account can spend is balance + credit limit - active holds, and every debit,
purchase and authorization is checked against that, so it never goes below zero.

Idempotency: a write carries (scope, key); the request's hash and the answer are stored with it.
The same key and body gives the stored answer again; the same key and another body is a conflict.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from local.sandbox.common import ApiError
from local.sandbox.config import SandboxConfig

EQUITY = "BANK-EQUITY"
TRANSIT = "BANK-TRANSIT"
ACQUIRING = "BANK-ACQUIRING"
BILLING = "BANK-BILLING"
INTERBANK = "BANK-INTERBANK"
# What card purchases owe the merchants (their acquirers settle it through the card network).
MERCHANT_SETTLEMENT = "BANK-MERCHANTS"
# The bank's cashback expense: the month's cashback is paid into the card from here.
CASHBACK = "BANK-CASHBACK"
# The bank's income: interest and fees a card account's statement charges (local/sandbox/statements.py).
INCOME = "BANK-INCOME"
INTERNAL_ACCOUNTS = (EQUITY, TRANSIT, ACQUIRING, BILLING, INTERBANK, MERCHANT_SETTLEMENT, CASHBACK, INCOME)
CREDIT_SOURCES = {"bonus": EQUITY, "acquiring": ACQUIRING, "cashback": CASHBACK}

SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
  id TEXT PRIMARY KEY, personal_number TEXT NOT NULL UNIQUE, document_number TEXT NOT NULL,
  first_name TEXT NOT NULL, last_name TEXT NOT NULL, middle_name TEXT, birth_date TEXT NOT NULL,
  phone TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY, customer_id TEXT, kind TEXT NOT NULL, iban TEXT UNIQUE, currency TEXT NOT NULL,
  created_at TEXT NOT NULL, credit_limit INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS cards (
  id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, account_id TEXT NOT NULL, pan TEXT NOT NULL UNIQUE,
  expiry TEXT NOT NULL, product TEXT NOT NULL, form TEXT NOT NULL, status TEXT NOT NULL,
  pin_hash TEXT, cashback_category TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plastic_orders (
  id TEXT PRIMARY KEY, card_id TEXT NOT NULL, address TEXT NOT NULL, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, amount INTEGER NOT NULL, currency TEXT NOT NULL,
  debit_id TEXT, reference TEXT, meta TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS postings (
  id INTEGER PRIMARY KEY AUTOINCREMENT, operation_id TEXT NOT NULL, account_id TEXT NOT NULL,
  amount INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS postings_account ON postings(account_id);
CREATE INDEX IF NOT EXISTS operations_debit ON operations(debit_id);
CREATE TABLE IF NOT EXISTS idempotency (
  scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, status INTEGER NOT NULL,
  body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS otps (
  id TEXT PRIMARY KEY, phone TEXT NOT NULL, purpose TEXT NOT NULL, code_hash TEXT NOT NULL,
  expires_at TEXT NOT NULL, attempts_left INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS passwords (
  customer_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS card_limits (
  card_id TEXT NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (card_id, kind));
CREATE TABLE IF NOT EXISTS holds (
  id TEXT PRIMARY KEY, account_id TEXT NOT NULL, card_id TEXT NOT NULL, amount INTEGER NOT NULL,
  currency TEXT NOT NULL, mcc TEXT NOT NULL, merchant TEXT NOT NULL, channel TEXT NOT NULL DEFAULT 'pos',
  partner TEXT,
  status TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, released_at TEXT,
  operation_id TEXT);
CREATE INDEX IF NOT EXISTS holds_account ON holds(account_id, status);
"""

# Card limits per day, in minor units: what a new card gets, and the most the bank allows.
CARD_LIMIT_DEFAULTS = {"purchases": 200_000, "cash": 100_000, "online": 150_000}
CARD_LIMIT_MAXIMUMS = {"purchases": 1_000_000, "cash": 500_000, "online": 1_000_000}
# The most credit core banking opens a card account with (minor units), whatever a scoring says.
CREDIT_LIMIT_MAXIMUM = 1_000_000

# A customer who exists from the first start: "already a customer" in test mode (see README.md).
SEEDED_CUSTOMER = {
    "id": "cus_existing0001",
    "personal_number": "3010180A001PB1",
    "document_number": "MP7777777",
    "first_name": "Ivan",
    "last_name": "Existing",
    "middle_name": None,
    "birth_date": "1980-01-01",
    "phone": "+375291111111",
}
SEEDED_BALANCE = 50_000


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# The sandbox stands for the bank, another system: it keeps its own Luhn and mask rather than import
# messenger_bank.cardnumbers, so a fault there cannot make the bank agree with the code under test.
def luhn_digit(partial: str) -> str:
    total = 0
    for index, char in enumerate(reversed(partial)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(pan: str) -> bool:
    return pan.isdigit() and 13 <= len(pan) <= 19 and luhn_digit(pan[:-1]) == pan[-1]


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{98 - number % 97:02d}"


def iban_valid(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
    except ValueError:
        return False


def mask_pan(pan: str) -> str:
    return f"{pan[:6]}{'*' * (len(pan) - 10)}{pan[-4:]}"


@dataclass(frozen=True)
class Stored:
    """An answer kept under an idempotency key."""

    status: int
    body: dict[str, Any]


class Bank:
    """All state of the sandbox bank. Thread-safe: one connection per thread, one writer at a time."""

    def __init__(self, path: Path, config: SandboxConfig) -> None:
        self.path = path
        self.config = config
        self._local = threading.local()
        self._write_lock = threading.RLock()
        with self._write_lock:
            db = self._connection()
            db.executescript(SCHEMA)
            # A database kept from before credit lines gets the column (its accounts: debit, limit 0).
            if "credit_limit" not in {row["name"] for row in db.execute("PRAGMA table_info(accounts)")}:
                db.execute("ALTER TABLE accounts ADD COLUMN credit_limit INTEGER NOT NULL DEFAULT 0")
            # ... and before card limits were enforced, the holds' channel (its holds: at a terminal).
            if "channel" not in {row["name"] for row in db.execute("PRAGMA table_info(holds)")}:
                db.execute("ALTER TABLE holds ADD COLUMN channel TEXT NOT NULL DEFAULT 'pos'")
        self._seed()
        # The texts Cerberus "sent" (phone, code), newest last: a test reads a code as the phone's
        # owner would. Codes are config.test_otp_code unless random_otp_codes is set (then nobody but
        # the phone's owner can know one, as with the real Cerberus).
        self.texts: list[tuple[str, str]] = []
        self.random_otp_codes = False

    # --- connections and transactions ---------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; committed when the block ends, rolled back on any exception."""
        with self._write_lock:
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        return self._connection()

    def idempotent(
        self, scope: str, key: str, body: dict[str, Any], work: Callable[[sqlite3.Connection], dict[str, Any]]
    ) -> Stored:
        """Run ``work`` once per (scope, key); business refusals (4xx) are kept and replayed too."""
        if not key or len(key) > 255:
            raise ApiError(400, "idempotency_key_required", "an Idempotency-Key of 1-255 characters is required")
        digest = request_hash(body)
        with self.write() as db:
            row = db.execute(
                "SELECT request_hash, status, body FROM idempotency WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
            if row is not None:
                if row["request_hash"] != digest:
                    raise ApiError(409, "idempotency_conflict", "this Idempotency-Key was used with another request")
                return Stored(row["status"], json.loads(row["body"]))
            db.execute("SAVEPOINT work")
            try:
                result, status = work(db), 200
            except ApiError as error:
                if error.status >= 500:
                    raise
                db.execute("ROLLBACK TO work")
                result = {"error": {"code": error.code, "message": error.message, **error.extra}}
                status = error.status
            db.execute("RELEASE work")
            db.execute(
                "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at) VALUES (?,?,?,?,?,?)",
                (scope, key, digest, status, json.dumps(result), iso(now())),
            )
            return Stored(status, result)

    def _next(self, db: sqlite3.Connection, name: str) -> int:
        db.execute(
            "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
            (name,),
        )
        value: int = db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()[0]
        return value

    def _seed(self) -> None:
        with self.write() as db:
            for account in INTERNAL_ACCOUNTS:
                db.execute(
                    "INSERT OR IGNORE INTO accounts (id, customer_id, kind, iban, currency, created_at) "
                    "VALUES (?, NULL, 'internal', NULL, ?, ?)",
                    (account, self.config.currency, iso(now())),
                )
            if db.execute("SELECT 1 FROM customers WHERE id = ?", (SEEDED_CUSTOMER["id"],)).fetchone() is None:
                self._insert_customer(db, dict(SEEDED_CUSTOMER))
                card = self._issue_card(db, str(SEEDED_CUSTOMER["id"]), "visa-digital", "groceries")
                self.post(
                    db,
                    "bonus",
                    [(EQUITY, -SEEDED_BALANCE), (card["account_id"], SEEDED_BALANCE)],
                    SEEDED_BALANCE,
                )

    # --- customers, accounts, cards ---------------------------------------------------------------
    def _insert_customer(self, db: sqlite3.Connection, data: dict[str, Any]) -> None:
        db.execute(
            "INSERT INTO customers (id, personal_number, document_number, first_name, last_name, "
            "middle_name, "
            "birth_date, phone, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                data["id"],
                data["personal_number"],
                data["document_number"],
                data["first_name"],
                data["last_name"],
                data.get("middle_name"),
                data["birth_date"],
                data.get("phone"),
                iso(now()),
            ),
        )

    def find_customer_by_personal_number(self, personal_number: str) -> dict[str, Any] | None:
        row = self.read().execute("SELECT * FROM customers WHERE personal_number = ?", (personal_number,)).fetchone()
        return dict(row) if row else None

    def find_customer_by_phone(self, phone: str) -> dict[str, Any] | None:
        row = self.read().execute("SELECT * FROM customers WHERE phone = ?", (phone,)).fetchone()
        return dict(row) if row else None

    def customer(self, customer_id: str) -> dict[str, Any]:
        row = self.read().execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
        if row is None:
            raise ApiError(404, "customer_not_found", "no such customer")
        return dict(row)

    def create_customer(self, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The customer with this personal number, created if new; the flag says whether it was created."""
        with self.write() as db:
            row = db.execute("SELECT * FROM customers WHERE personal_number = ?", (data["personal_number"],)).fetchone()
            if row is not None:
                return dict(row), False
            record = {**data, "id": new_id("cus")}
            self._insert_customer(db, record)
            created = db.execute("SELECT * FROM customers WHERE id = ?", (record["id"],)).fetchone()
            return dict(created), True

    def _open_account(self, db: sqlite3.Connection, customer_id: str, credit_limit: int = 0) -> str:
        number = self._next(db, "account")
        bban = f"{self.config.bank_code}3014{number:016d}"
        iban = f"BY{iban_check_digits('BY', bban)}{bban}"
        account_id = f"acc_{number:010d}"
        db.execute(
            "INSERT INTO accounts (id, customer_id, kind, iban, currency, created_at, credit_limit) "
            "VALUES (?,?,?,?,?,?,?)",
            (account_id, customer_id, "customer", iban, self.config.currency, iso(now()), credit_limit),
        )
        return account_id

    def _issue_card(
        self,
        db: sqlite3.Connection,
        customer_id: str,
        product: str,
        cashback: str,
        account_id: str | None = None,
        credit_limit: int = 0,
    ) -> dict[str, Any]:
        account_id = account_id or self._open_account(db, customer_id, credit_limit)
        bin_ = "911200" if product.startswith("belkart") else "427683"
        partial = f"{bin_}{self._next(db, 'card'):09d}"
        pan = partial + luhn_digit(partial)
        expiry_date = now() + timedelta(days=5 * 365)
        card_id = new_id("card")
        db.execute(
            "INSERT INTO cards (id, customer_id, account_id, pan, expiry, product, form, status, pin_hash, "
            "cashback_category, created_at) VALUES (?,?,?,?,?,?,?,?,NULL,?,?)",
            (
                card_id,
                customer_id,
                account_id,
                pan,
                expiry_date.strftime("%m/%y"),
                product,
                "virtual",
                "active",
                cashback,
                iso(now()),
            ),
        )
        return self._card_row(db, card_id)

    def _card_row(self, db: sqlite3.Connection, card_id: str) -> dict[str, Any]:
        row = db.execute("SELECT * FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            raise ApiError(404, "card_not_found", "no such card")
        return dict(row)

    def issue_virtual_card(
        self, db: sqlite3.Connection, customer_id: str, product: str, cashback: str, credit_limit: int = 0
    ) -> dict[str, Any]:
        """A card on a new account with ``credit_limit`` (minor units, as the scoring granted; 0: debit)."""
        if db.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is None:
            raise ApiError(404, "customer_not_found", "no such customer")
        first = db.execute("SELECT 1 FROM cards WHERE customer_id = ?", (customer_id,)).fetchone() is None
        card = self._issue_card(db, customer_id, product, cashback, credit_limit=credit_limit)
        if first and self.config.welcome_bonus > 0:
            bonus = self.config.welcome_bonus
            self.post(db, "bonus", [(EQUITY, -bonus), (card["account_id"], bonus)], bonus, reference="welcome bonus")
        return card

    def card(self, card_id: str) -> dict[str, Any]:
        return self._card_row(self.read(), card_id)

    def card_by_pan(self, pan: str) -> dict[str, Any] | None:
        row = self.read().execute("SELECT * FROM cards WHERE pan = ?", (pan,)).fetchone()
        return dict(row) if row else None

    def cards_of(self, customer_id: str) -> list[dict[str, Any]]:
        rows = self.read().execute("SELECT * FROM cards WHERE customer_id = ? ORDER BY created_at", (customer_id,))
        return [dict(r) for r in rows]

    def set_card_status(self, card_id: str, status: str) -> dict[str, Any]:
        with self.write() as db:
            self._card_row(db, card_id)
            db.execute("UPDATE cards SET status = ? WHERE id = ?", (status, card_id))
            return self._card_row(db, card_id)

    def set_pin_hash(self, card_id: str, pin_hash: str) -> None:
        with self.write() as db:
            self._card_row(db, card_id)
            db.execute("UPDATE cards SET pin_hash = ? WHERE id = ?", (pin_hash, card_id))

    def card_limits(self, card_id: str, db: sqlite3.Connection | None = None) -> dict[str, int]:
        db = db or self.read()
        self._card_row(db, card_id)
        rows = db.execute("SELECT kind, amount FROM card_limits WHERE card_id = ?", (card_id,)).fetchall()
        return {**CARD_LIMIT_DEFAULTS, **{row["kind"]: int(row["amount"]) for row in rows}}

    def set_card_limit(self, card_id: str, kind: str, amount: int) -> dict[str, int]:
        with self.write() as db:
            self._card_row(db, card_id)
            db.execute(
                "INSERT INTO card_limits (card_id, kind, amount) VALUES (?, ?, ?) "
                "ON CONFLICT(card_id, kind) DO UPDATE SET amount = excluded.amount",
                (card_id, kind, amount),
            )
        return self.card_limits(card_id)

    def password_hash(self, customer_id: str) -> str | None:
        row = (
            self.read().execute("SELECT password_hash FROM passwords WHERE customer_id = ?", (customer_id,)).fetchone()
        )
        return str(row["password_hash"]) if row else None

    def set_password_hash(self, customer_id: str, password_hash: str) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO passwords (customer_id, password_hash, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(customer_id) DO UPDATE SET password_hash = excluded.password_hash, "
                "updated_at = excluded.updated_at",
                (customer_id, password_hash, iso(now())),
            )

    def order_plastic(self, db: sqlite3.Connection, card_id: str, address: dict[str, Any]) -> dict[str, Any]:
        card = self._card_row(db, card_id)
        order_id = new_id("ord")
        stamp = iso(now())
        db.execute(
            "INSERT INTO plastic_orders (id, card_id, address, status, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (order_id, card["id"], json.dumps(address), "ordered", stamp, stamp),
        )
        return self.plastic_order(order_id, db)

    def plastic_order(self, order_id: str, db: sqlite3.Connection | None = None) -> dict[str, Any]:
        row = (db or self.read()).execute("SELECT * FROM plastic_orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            raise ApiError(404, "order_not_found", "no such plastic card order")
        order = dict(row)
        order["address"] = json.loads(order["address"])
        return order

    def advance_plastic_order(self, order_id: str) -> dict[str, Any]:
        steps = ["ordered", "produced", "sent", "delivered"]
        with self.write() as db:
            order = self.plastic_order(order_id, db)
            index = steps.index(order["status"])
            status = steps[min(index + 1, len(steps) - 1)]
            db.execute(
                "UPDATE plastic_orders SET status = ?, updated_at = ? WHERE id = ?",
                (status, iso(now()), order_id),
            )
            return self.plastic_order(order_id, db)

    def account(self, account_id: str, db: sqlite3.Connection | None = None) -> dict[str, Any]:
        row = (db or self.read()).execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            raise ApiError(404, "account_not_found", "no such account")
        return dict(row)

    def account_by_iban(self, iban: str) -> dict[str, Any] | None:
        row = self.read().execute("SELECT * FROM accounts WHERE iban = ?", (iban,)).fetchone()
        return dict(row) if row else None

    # --- the ledger --------------------------------------------------------------------------------
    def balance(self, account_id: str, db: sqlite3.Connection | None = None) -> int:
        value = (
            (db or self.read())
            .execute("SELECT COALESCE(SUM(amount), 0) FROM postings WHERE account_id = ?", (account_id,))
            .fetchone()[0]
        )
        return int(value)

    def credit_limit(self, account_id: str, db: sqlite3.Connection | None = None) -> int:
        """How far below zero a customer account may go (0 for a debit card or an unknown account)."""
        row = (db or self.read()).execute("SELECT credit_limit FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return int(row["credit_limit"]) if row else 0

    def holds(self, account_id: str, db: sqlite3.Connection | None = None) -> int:
        """The money reserved by the account's authorizations that are neither cleared, reversed nor expired
        (one past its expiry reserves nothing, whether or not the network has marked it yet)."""
        value = (
            (db or self.read())
            .execute(
                "SELECT COALESCE(SUM(amount), 0) FROM holds "
                "WHERE account_id = ? AND status = 'held' AND expires_at > ?",
                (account_id, iso(now())),
            )
            .fetchone()[0]
        )
        return int(value)

    def spent_today(self, db: sqlite3.Connection, account_id: str) -> int:
        """Taken from the account today: debits posted, and authorizations still held (as a card scheme
        counts them against the day's limit)."""
        start = iso(now().replace(hour=0, minute=0, second=0, microsecond=0))
        value = db.execute(
            "SELECT COALESCE(-SUM(amount), 0) FROM postings WHERE account_id = ? AND amount < 0 AND created_at >= ?",
            (account_id, start),
        ).fetchone()[0]
        held = db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM holds WHERE account_id = ? AND status = 'held' AND created_at >= ?",
            (account_id, start),
        ).fetchone()[0]
        return int(value) + int(held)

    def post(
        self,
        db: sqlite3.Connection,
        kind: str,
        legs: list[tuple[str, int]],
        amount: int,
        *,
        debit_id: str | None = None,
        reference: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write one operation: exactly two postings summing to zero; no customer account below minus its
        credit limit."""
        if len(legs) != 2 or sum(leg[1] for leg in legs) != 0 or amount <= 0:
            raise ApiError(500, "ledger_invariant", "an operation is exactly two postings summing to zero")
        operation_id = new_id("op")
        stamp = iso(now())
        db.execute(
            "INSERT INTO operations (id, kind, amount, currency, debit_id, reference, meta, created_at) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (
                operation_id,
                kind,
                amount,
                self.config.currency,
                debit_id,
                reference,
                json.dumps(meta or {}),
                stamp,
            ),
        )
        for account_id, value in legs:
            db.execute(
                "INSERT INTO postings (operation_id, account_id, amount, created_at) VALUES (?,?,?,?)",
                (operation_id, account_id, value, stamp),
            )
            if account_id in INTERNAL_ACCOUNTS:
                continue
            if self.balance(account_id, db) < -self.credit_limit(account_id, db):
                raise ApiError(422, "insufficient_funds", "the available balance does not cover the amount")
        return {
            "operation_id": operation_id,
            "kind": kind,
            "amount": amount,
            "currency": self.config.currency,
            "status": "completed",
            "created_at": stamp,
        }

    def check_debit(self, db: sqlite3.Connection, account_id: str, amount: int) -> None:
        """Limits and funds for taking (or holding) ``amount`` from a customer account: own funds and unused
        credit, less what authorizations hold."""
        if amount > self.config.limit_per_operation:
            raise ApiError(422, "limit_exceeded", "the per-operation limit would be exceeded", limit="per_operation")
        if self.spent_today(db, account_id) + amount > self.config.limit_per_day:
            raise ApiError(422, "limit_exceeded", "the daily limit would be exceeded", limit="per_day")
        self.check_funds(db, account_id, amount)

    def check_funds(self, db: sqlite3.Connection, account_id: str, amount: int) -> None:
        """Funds alone (a clearing's check: its authorization passed the limits already)."""
        if self.available_to_spend(account_id, db) - amount < 0:
            raise ApiError(422, "insufficient_funds", "the available balance does not cover the amount")

    def available_to_spend(self, account_id: str, db: sqlite3.Connection | None = None) -> int:
        """What a card on the account can spend now, as the card network is told after a purchase: own funds
        and the unused credit line, less the holds."""
        return self.balance(account_id, db) + self.credit_limit(account_id, db) - self.holds(account_id, db)

    def settled(self, db: sqlite3.Connection, debit_id: str) -> int:
        """How much of a debit has been credited onwards or refunded already."""
        value = db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM operations WHERE debit_id = ? AND kind IN ('credit', 'refund')",
            (debit_id,),
        ).fetchone()[0]
        return int(value)

    def operation(self, db: sqlite3.Connection, operation_id: str) -> dict[str, Any]:
        row = db.execute("SELECT * FROM operations WHERE id = ?", (operation_id,)).fetchone()
        if row is None:
            raise ApiError(404, "operation_not_found", "no such operation")
        return dict(row)

    def history(self, account_id: str, limit: int) -> list[dict[str, Any]]:
        rows = self.read().execute(
            "SELECT o.id, o.kind, o.currency, o.reference, o.meta, o.created_at, p.amount FROM postings p "
            "JOIN operations o ON o.id = p.operation_id WHERE p.account_id = ? ORDER BY p.id DESC LIMIT ?",
            (account_id, limit),
        )
        return [
            {
                "operation_id": r["id"],
                "kind": r["kind"],
                "amount": r["amount"],
                "currency": r["currency"],
                "reference": r["reference"],
                "counterparty": json.loads(r["meta"]).get("counterparty"),
                "created_at": r["created_at"],
            }
            for r in rows
        ]

    def totals(self) -> dict[str, Any]:
        """The ledger's figures: the invariants are ``total == 0``, every operation two postings summing to
        zero, and no customer account below minus its credit limit (``accounts_over_limit`` empty);
        ``negative_customer_accounts`` are those using their credit; ``holds`` is what authorizations
        reserve (no posting), ``accounts_over_available`` those whose holds exceed what they could spend
        (always empty). Read in one snapshot, so a sample never mixes a write's before and after."""
        db = self.read()
        db.execute("BEGIN")
        try:
            return self._figures(db)
        finally:
            db.execute("COMMIT")

    def _figures(self, db: sqlite3.Connection) -> dict[str, Any]:
        total = int(db.execute("SELECT COALESCE(SUM(amount), 0) FROM postings").fetchone()[0])
        rows = db.execute(
            "SELECT a.id, a.credit_limit, COALESCE(SUM(p.amount), 0) AS balance FROM accounts a "
            "LEFT JOIN postings p ON p.account_id = a.id GROUP BY a.id"
        ).fetchall()
        balances = {r["id"]: int(r["balance"]) for r in rows}
        limits = {r["id"]: int(r["credit_limit"]) for r in rows}
        bad = db.execute(
            "SELECT COUNT(*) FROM (SELECT operation_id FROM postings GROUP BY operation_id "
            "HAVING COUNT(*) != 2 OR SUM(amount) != 0)"
        ).fetchone()[0]
        customers = {k: v for k, v in balances.items() if k not in INTERNAL_ACCOUNTS}
        held = {
            r["account_id"]: int(r["held"])
            for r in db.execute(
                "SELECT account_id, SUM(amount) AS held FROM holds WHERE status = 'held' AND expires_at > ? "
                "GROUP BY account_id",
                (iso(now()),),
            )
        }
        return {
            "total": total,
            "customer_total": sum(customers.values()),
            "internal": {k: balances.get(k, 0) for k in INTERNAL_ACCOUNTS},
            "negative_customer_accounts": sorted(k for k, v in customers.items() if v < 0),
            "accounts_over_limit": sorted(k for k, v in customers.items() if v < -limits[k]),
            # Holds reserve, they move nothing: they are beside the totals, never in them.
            "holds": sum(held.values()),
            "accounts_over_available": sorted(k for k, v in customers.items() if v + limits[k] - held.get(k, 0) < 0),
            "unbalanced_operations": int(bad),
            "operations": int(db.execute("SELECT COUNT(*) FROM operations").fetchone()[0]),
        }

    # --- one-time codes (Cerberus) ---------------------------------------------------------------
    def text_a_code(self, phone: str, purpose: str) -> dict[str, Any]:
        """A new one-time code for `phone`, "sent" by SMS (kept in ``texts``)."""
        code = f"{secrets.randbelow(10**6):06d}" if self.random_otp_codes else self.config.test_otp_code
        otp = self.create_otp(phone, purpose, code)
        with self._write_lock:
            self.texts.append((phone, code))
        return otp

    def codes_sent_to(self, phone: str) -> list[str]:
        with self._write_lock:
            return [code for to, code in self.texts if to == phone]

    def create_otp(self, phone: str, purpose: str, code: str, ttl_seconds: int = 300) -> dict[str, Any]:
        otp_id = new_id("otp")
        expires = now() + timedelta(seconds=ttl_seconds)
        with self.write() as db:
            db.execute(
                "INSERT INTO otps (id, phone, purpose, code_hash, expires_at, attempts_left) VALUES (?,?,?,?,?,3)",
                (
                    otp_id,
                    phone,
                    purpose,
                    hashlib.sha256(f"{otp_id}:{code}".encode()).hexdigest(),
                    iso(expires),
                ),
            )
        return {"otp_id": otp_id, "expires_at": iso(expires)}

    def check_otp(self, otp_id: str, code: str) -> dict[str, Any]:
        with self.write() as db:
            row = db.execute("SELECT * FROM otps WHERE id = ?", (otp_id,)).fetchone()
            if row is None:
                raise ApiError(404, "otp_not_found", "no such one-time code")
            expired = row["expires_at"] < iso(now()) or row["used"] or row["attempts_left"] <= 0
            good = hashlib.sha256(f"{otp_id}:{code}".encode()).hexdigest() == row["code_hash"]
            if expired:
                return {"valid": False, "attempts_left": 0, "reason": "expired"}
            if good:
                db.execute("UPDATE otps SET used = 1 WHERE id = ?", (otp_id,))
                return {"valid": True, "attempts_left": row["attempts_left"]}
            db.execute("UPDATE otps SET attempts_left = attempts_left - 1 WHERE id = ?", (otp_id,))
            return {"valid": False, "attempts_left": row["attempts_left"] - 1, "reason": "wrong_code"}


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
