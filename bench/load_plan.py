"""The load test's pure parts (`python -m bench load`): the open-loop schedule and its mix, what each turn
must answer, the exactly-once check of the replies and of the money, and the figures. Nothing here talks
to the local cloud, so each part is unit tested on its own (tests/unit/test_bench_load.py)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bench.stats import percentile

Visit = Literal["menu", "balance", "transfer", "issuance"]
CHANNELS = ("telegram", "viber", "whatsapp", "messenger")

# Share of visits (a customer's reason to write): mostly the menu and the balance, some transfers between
# the test customers, a few card issuances (each an applicant prepared up to the summary beforehand).
MIX: dict[Visit, float] = {"menu": 0.45, "balance": 0.40, "transfer": 0.12, "issuance": 0.03}

# A transfer is four messages at a person's pace (asked, card number, amount, "да"): seconds after its start.
TRANSFER_STEPS: tuple[tuple[str, float], ...] = (
    ("transfer_ask", 0.0),
    ("transfer_card", 2.0),
    ("transfer_amount", 4.0),
    ("transfer_confirm", 6.0),
)
# After a transfer's "да" its chat gets no other visit for so long: the journey's receipt is on its way, and
# a menu typed meanwhile would be a customer leaving the flow (still fine, but not what this test counts).
TRANSFER_REST_S = 5.0
# One chat's two single messages at least so far apart: the chat's messages are posted in order, and the
# platforms' per-chat send rates (Telegram about 1/s, WhatsApp 45 in 6 s) are the bank's to keep, not ours to
# exceed on purpose.
CHAT_REST_S = 2.0

AMOUNT_MINOR = 500  # 5.00 BYN a transfer
FEE_MINOR = 100  # the tariff: 1 %, at least 1.00 BYN (TRANSFER_FEE_PERCENT, TRANSFER_FEE_MIN_MINOR)

PICTURE = "<picture>"

# What each turn must answer, in the order it answers: catalogue keys (Russian texts) or PICTURE; per messenger
# where they differ. Telegram puts a picture and its words in one message (a caption); the others send the
# picture, then the words.
_MEANT: dict[str, tuple[str, ...]] = {
    "menu": ("menu.main",),
    "balance": ("card_services.balance_is", "menu.main"),
    "transfer_ask": ("transfer.recipient",),
    "transfer_card": ("transfer.amount",),
    "transfer_amount": ("transfer.confirm",),
    "transfer_confirm": ("transfer.sent", PICTURE, "transfer.done"),
    "issuance_confirm": ("onboarding.issuing", PICTURE, "issuance.card_issued"),
    "transfer_received": ("transfer.received",),  # not a turn: the recipient's notice
}
_MEANT_PER_CHANNEL: dict[tuple[str, str], tuple[str, ...]] = {
    # Telegram edits the journey's first words into its progress and then the receipt (a live receipt).
    ("telegram", "transfer_confirm"): ("transfer.sent", "transfer.debited", "transfer.done", PICTURE),
    ("telegram", "issuance_confirm"): ("onboarding.issuing", "issuance.card_issued"),
    # Viber gives a picture words of its own when they are short (120 characters): the receipt is one message.
    ("viber", "transfer_confirm"): ("transfer.sent", "transfer.done"),
}


def expected_replies(channel: str, turn: str) -> tuple[str, ...]:
    """The replies one turn of `turn` must get on `channel`, each exactly once."""
    return _MEANT_PER_CHANNEL.get((channel, turn), _MEANT[turn])


# ------------------------------------------------------------------------------------------ the schedule
@dataclass(frozen=True)
class Message:
    """One webhook to send: when (seconds from the start), from which chat, which turn."""

    at: float
    chat: str  # a customer's or an applicant's name in the bench (its chat key)
    turn: str
    transfer_to: str | None = None  # transfer_card: whose card number is typed


@dataclass
class Plan:
    messages: list[Message]
    visits: Counter[str] = field(default_factory=Counter)

    @property
    def transfers(self) -> list[tuple[str, str]]:
        """(sender, recipient) of each transfer confirmed."""
        return [(m.chat, m.transfer_to) for m in self.messages if m.turn == "transfer_card" and m.transfer_to]


def schedule(
    rate: float, seconds: float, customers: Sequence[str], applicants: Sequence[str], *, seed: int = 19
) -> Plan:
    """An open-loop plan: message i goes at i / rate whatever the replies, `rate` messages a second for
    `seconds`. Each slot starts a visit drawn from MIX (a transfer takes its four messages at its own pace,
    on later slots of its chat's time; an issuance takes the next applicant left). A chat in a transfer gets
    no other visit until TRANSFER_REST_S after its "да"; a transfer leaves at least half the customers out of
    transfers and each customer makes one, else the slot is a balance (so the share of transfers needs
    customers: about 0.12 × rate × seconds of them).
    Deterministic for a seed."""
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    if len(customers) < 2:
        raise ValueError("transfers need at least two customers")
    draw = random.Random(seed)
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    rested_at: dict[str, float] = dict.fromkeys(customers, 0.0)  # when a chat may be written to again
    in_transfer_until: dict[str, float] = dict.fromkeys(customers, 0.0)  # inf until its "да" has a slot
    transferred: set[str] = set()  # one transfer a customer: a person waits for the receipt before the next
    left = list(applicants)
    messages: list[Message] = []
    visits: Counter[str] = Counter()
    slots = int(rate * seconds)
    pending: list[Message] = []  # transfer steps after the first, sent at their own times
    turn = 0
    for slot in range(slots):
        at = slot / rate
        due = [m for m in pending if m.at <= at]
        if due:  # a transfer's next step takes this slot (the rate is the rate of all messages)
            step = min(due, key=lambda m: m.at)
            pending.remove(step)
            messages.append(Message(at, step.chat, step.turn, step.transfer_to))
            if step.turn == "transfer_confirm":
                in_transfer_until[step.chat] = at + TRANSFER_REST_S
            continue
        kind: str = draw.choices(kinds, weights)[0]
        if kind == "issuance" and not left:
            kind = "balance"
        open_chats = [c for c in customers if in_transfer_until[c] <= at]
        rested = [c for c in open_chats if rested_at[c] <= at]
        # More messages than rested chats: the one written to longest ago.
        free = rested or [min(open_chats, key=lambda c: rested_at[c])]
        senders = [c for c in free if c not in transferred]
        if kind == "transfer" and (not senders or 2 * (len(customers) - len(open_chats) + 1) > len(customers)):
            kind = "balance"  # at most half the customers in a transfer at once, one transfer each
        if kind == "issuance":
            messages.append(Message(at, left.pop(0), "issuance_confirm"))
        elif kind == "transfer":
            sender = senders[turn % len(senders)]
            transferred.add(sender)
            recipient = [c for c in customers if c != sender][draw.randrange(len(customers) - 1)]
            messages.append(Message(at, sender, "transfer_ask"))
            for name, offset in TRANSFER_STEPS[1:]:
                pending.append(Message(at + offset, sender, name, recipient if name == "transfer_card" else None))
            in_transfer_until[sender] = float("inf")
        else:
            chat = free[turn % len(free)]
            messages.append(Message(at, chat, kind))
            rested_at[chat] = at + CHAT_REST_S
        visits[kind] += 1
        turn += 1
    # Steps of transfers started near the end still go (a transfer is never left half-typed).
    last = messages[-1].at if messages else 0.0
    for step in sorted(pending, key=lambda m: m.at):
        last = max(last + 1 / rate, step.at)
        messages.append(Message(last, step.chat, step.turn, step.transfer_to))
    return Plan(messages, visits)


# -------------------------------------------------------------------------------- the replies, checked
@dataclass(frozen=True)
class Reply:
    """A call of the bot that showed the customer something new, as the fake platform recorded it."""

    seq: int
    time: float
    kind: str  # a catalogue key of _MEANT, PICTURE, or "?" (shown, but none of the expected words)
    words: str = ""  # the start of what it said, for the report


@dataclass(frozen=True)
class Sent:
    """A message the bench sent: when its webhook was posted and what it must be answered."""

    chat: str
    channel: str
    turn: str
    posted: float  # epoch seconds, when the webhook POST began
    status: int | None  # the webhook's HTTP status


@dataclass
class Verdict:
    first_reply_s: list[float | None]  # per Sent, in order: webhook → first reply
    missing: list[tuple[int, str]] = field(default_factory=list)  # (index of Sent, reply kind)
    unexpected: list[tuple[str, Reply]] = field(default_factory=list)  # (chat, reply no message asked for)
    refused: list[int] = field(default_factory=list)  # Sent whose webhook did not answer 200

    @property
    def answered(self) -> int:
        """Messages that got every reply they must."""
        lacking = {index for index, _ in self.missing} | set(self.refused)
        return len(self.first_reply_s) - len(lacking)

    @property
    def exactly_once(self) -> bool:
        return not self.missing and not self.unexpected and not self.refused


def check_replies(
    sent: Sequence[Sent], replies: Mapping[str, Sequence[Reply]], notices: Mapping[str, int] | None = None
) -> Verdict:
    """Every message got exactly its replies. A chat's messages are taken in the order the bank took them
    (the inbound queue is FIFO per chat), and each expected reply claims the chat's earliest unclaimed reply
    of its kind; a reply left unclaimed was not asked for (a duplicate), an expected one not found is missing.
    `notices`: per chat, how many transfer.received notices it must get (the transfers it was sent)."""
    verdict = Verdict(first_reply_s=[None] * len(sent))
    claimed: dict[str, set[int]] = defaultdict(set)
    by_chat: dict[str, list[Reply]] = {chat: sorted(rs, key=lambda r: r.seq) for chat, rs in replies.items()}
    for index, message in enumerate(sent):
        if message.status != 200:
            verdict.refused.append(index)
            continue
        times = []
        for kind in expected_replies(message.channel, message.turn):
            found = next(
                (r for r in by_chat.get(message.chat, []) if r.kind == kind and r.seq not in claimed[message.chat]),
                None,
            )
            if found is None:
                verdict.missing.append((index, kind))
                continue
            claimed[message.chat].add(found.seq)
            times.append(found.time)
        if times:
            verdict.first_reply_s[index] = min(times) - message.posted
    for chat, count in (notices or {}).items():
        for _ in range(count):
            found = next(
                (r for r in by_chat.get(chat, []) if r.kind == "transfer.received" and r.seq not in claimed[chat]),
                None,
            )
            if found is None:
                verdict.missing.append((-1, f"transfer.received in {chat}"))
            else:
                claimed[chat].add(found.seq)
    for chat, chat_replies in by_chat.items():
        verdict.unexpected += [(chat, r) for r in chat_replies if r.seq not in claimed[chat]]
    return verdict


# ------------------------------------------------------------------------------------ the money, checked
@dataclass(frozen=True)
class Operation:
    """One operation of the sandbox ledger."""

    id: str
    kind: str  # debit, credit, refund, transfer, bonus ...
    amount: int
    reference: str | None
    debit_id: str | None


def check_money(
    operations: Iterable[Operation],
    confirmed: Sequence[tuple[str, str]],
    balances_before: Mapping[str, int],
    balances_after: Mapping[str, int],
    ledger_total: int,
) -> list[str]:
    """No money moved twice: each transfer (its reference, the journey's transfer id) debited once and
    credited once from that debit, as many transfers as the bench confirmed, and every test customer's
    balance moved by exactly what its transfers say (AMOUNT_MINOR in, AMOUNT_MINOR + FEE_MINOR out), the
    ledger summing to zero. `confirmed`: (sender, recipient) per "да" sent. The problems found ([] if none)."""
    problems: list[str] = []
    legs: dict[str, list[Operation]] = defaultdict(list)
    for op in operations:
        if op.reference and op.reference.startswith("transfer-") and op.kind in {"debit", "credit", "refund"}:
            legs[op.reference].append(op)
    for reference, ops in sorted(legs.items()):
        kinds = Counter(op.kind for op in ops)
        debits = [op for op in ops if op.kind == "debit"]
        if kinds["debit"] != 1:
            problems.append(f"{reference}: {kinds['debit']} debits")
        if kinds["credit"] + kinds["refund"] != 1:
            problems.append(f"{reference}: {kinds['credit']} credits and {kinds['refund']} refunds")
        for op in ops:
            if op.kind != "debit" and debits and op.debit_id != debits[0].id:
                problems.append(f"{reference}: a {op.kind} of another debit ({op.debit_id})")
            if op.kind == "debit" and op.amount != AMOUNT_MINOR + FEE_MINOR:
                problems.append(f"{reference}: debit of {op.amount}")
            if op.kind == "credit" and op.amount != AMOUNT_MINOR:
                problems.append(f"{reference}: credit of {op.amount}")
    completed = sum(1 for ops in legs.values() if any(op.kind == "credit" for op in ops))
    if completed != len(confirmed):
        problems.append(f"{completed} transfers completed in the ledger, {len(confirmed)} confirmed")
    moved: Counter[str] = Counter()
    for sender, recipient in confirmed:
        moved[sender] -= AMOUNT_MINOR + FEE_MINOR
        moved[recipient] += AMOUNT_MINOR
    for account, before in sorted(balances_before.items()):
        after = balances_after.get(account)
        if after is None or after - before != moved[account]:
            change = None if after is None else after - before
            problems.append(f"{account}: balance moved by {change}, not {moved[account]}")
    if ledger_total != 0:
        problems.append(f"the ledger sums to {ledger_total}, not 0")
    return problems


# ------------------------------------------------------------------------------------------ the figures
@dataclass(frozen=True)
class StepFigures:
    offered_rate: float  # msg/s asked for
    sent: int
    send_window_s: float  # first post → last post
    answered: int
    last_reply_s: float  # first post → the last first reply
    p50_s: float
    p99_s: float
    backlog: int  # updates on the inbound queue when the sending stopped
    late_posts: int  # posts that began more than a second after their schedule (the sender could not keep it)

    @property
    def sustained_rate(self) -> float:
        """Messages answered per second, over the time from the first post to the last first reply."""
        return self.answered / self.last_reply_s if self.last_reply_s > 0 else float("nan")


def figures(
    offered_rate: float, sent: Sequence[Sent], verdict: Verdict, scheduled: Sequence[float], backlog: int
) -> StepFigures:
    """`scheduled`: per Sent, when it was due (epoch seconds)."""
    posted = [s.posted for s in sent]
    start = min(posted) if posted else 0.0
    waits = [w for w in verdict.first_reply_s if w is not None]
    ends = [s.posted + w - start for s, w in zip(sent, verdict.first_reply_s, strict=True) if w is not None]
    return StepFigures(
        offered_rate=offered_rate,
        sent=len(sent),
        send_window_s=(max(posted) - start) if posted else 0.0,
        answered=verdict.answered,
        last_reply_s=max(ends) if ends else 0.0,
        p50_s=percentile(waits, 0.5),
        p99_s=percentile(waits, 0.99),
        backlog=backlog,
        late_posts=sum(1 for s, due in zip(sent, scheduled, strict=True) if s.posted - due > 1.0),
    )


@dataclass(frozen=True)
class Bound:
    """Where the system stops keeping up: the p99 from webhook to first reply, or updates still on the queue
    when the sending stops (more than a few seconds' worth of arrivals, besides the last one posted), or a
    message not answered."""

    p99_s: float = 5.0
    backlog_seconds: float = 2.0

    def kept_up(self, step: StepFigures) -> tuple[bool, str]:
        if step.answered < step.sent:
            return False, f"{step.sent - step.answered} of {step.sent} messages not fully answered"
        if not step.p99_s <= self.p99_s:
            return False, f"p99 {step.p99_s:.2f} s over {self.p99_s:.1f} s"
        if step.backlog > self.backlog_seconds * step.offered_rate + 1:  # + the one just posted, in flight
            return False, f"{step.backlog} updates queued at the end, over {self.backlog_seconds:.0f} s of arrivals"
        return True, "kept up"


def ramp_rates(start: float, factor: float, most: float) -> list[float]:
    """start, start·factor, … up to `most` (rounded to 0.01 msg/s)."""
    if start <= 0 or factor <= 1:
        raise ValueError("a ramp starts above 0 and grows by a factor above 1")
    rates = []
    rate = start
    while rate <= most + 1e-9:
        rates.append(round(rate, 2))
        rate *= factor
    return rates


def reply_words(record: Mapping[str, Any]) -> str:
    """The words a recorded call carries (an edit's new words), for the report."""
    body = record.get("body") or {}
    return str(body.get("text") or body.get("caption") or "") if "edit" in str(record.get("method")) else _words(body)


def reply_kind(record: Mapping[str, Any], meant: Mapping[str, str]) -> str | None:
    """What one recorded outbound call showed the customer: None if nothing new (typing, a read receipt, a
    button answer, a delete, a keyboard change), PICTURE for a picture without words of its own, else the
    key of `meant` (key → the fixed start of its text) whose text it carries, "?" if none. A Telegram edit of
    a message's words is a reply (the customer sees new words)."""
    method = str(record.get("method"))
    body = record.get("body") or {}
    if method in {"editMessageText", "editMessageCaption"}:
        words = str(body.get("text") or body.get("caption") or "")
    elif "current" in record:
        shown = record["current"]
        words = _words(body)
        if not words and shown.get("media"):
            return PICTURE
        if shown.get("media") and not any(words.startswith(start) for start in meant.values()):
            return PICTURE
    else:
        return None
    for key, start in meant.items():
        if start and words.startswith(start):
            return key
    return "?"


def _words(body: Mapping[str, Any]) -> str:
    """The words a send call carries, whatever the platform's shape."""
    for path in (
        ("text",),  # Telegram, Viber
        ("caption",),  # Telegram photo
        ("text", "body"),  # WhatsApp text
        ("interactive", "body", "text"),  # WhatsApp buttons / list
        ("image", "caption"),  # WhatsApp picture
        ("message", "text"),  # Messenger
        ("message", "attachment", "payload", "text"),  # Messenger button template
    ):
        value: Any = body
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, str) and value:
            return value
    return ""
