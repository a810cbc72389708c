"""The load test's pure parts (bench/load_plan.py): the open-loop schedule and its mix, the exactly-once
checks of the replies and of the money, the figures and the bound. Each negative case changes one thing
of a valid run and names the defect the check must catch."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.load_plan import (
    AMOUNT_MINOR,
    FEE_MINOR,
    PICTURE,
    TRANSFER_REST_S,
    TRANSFER_STEPS,
    Bound,
    Operation,
    Reply,
    Sent,
    StepFigures,
    check_money,
    check_replies,
    expected_replies,
    figures,
    ramp_rates,
    reply_kind,
    schedule,
)

CUSTOMERS = [f"c{i}" for i in range(12)]
APPLICANTS = ["a0", "a1", "a2"]


# ------------------------------------------------------------------------------------------ the schedule
def test_the_schedule_is_open_loop_at_the_rate_asked() -> None:
    plan = schedule(5, 60, CUSTOMERS, APPLICANTS)
    slotted = plan.messages[: 5 * 60]
    assert [m.at for m in slotted] == [i / 5 for i in range(300)]
    # Only the steps of transfers begun near the end go after the window, one slot apart.
    tail = plan.messages[300:]
    assert all(m.turn.startswith("transfer_") and m.turn != "transfer_ask" for m in tail)
    assert all(b.at - a.at >= 1 / 5 - 1e-9 for a, b in zip(plan.messages, plan.messages[1:], strict=False))


def test_the_schedule_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    assert schedule(4, 30, CUSTOMERS, APPLICANTS, seed=1) == schedule(4, 30, CUSTOMERS, APPLICANTS, seed=1)
    assert schedule(4, 30, CUSTOMERS, APPLICANTS, seed=1) != schedule(4, 30, CUSTOMERS, APPLICANTS, seed=2)


def test_the_mix_is_mostly_menu_and_balance_some_transfers_and_a_few_issuances() -> None:
    plan = schedule(4, 300, [f"c{i}" for i in range(150)], APPLICANTS)
    visits = plan.visits
    total = sum(visits.values())
    assert (visits["menu"] + visits["balance"]) / total > 0.75
    assert 0.05 < visits["transfer"] / total < 0.2
    assert visits["issuance"] == len(APPLICANTS)  # each applicant confirms once, no more


def test_each_customer_makes_one_transfer_at_most() -> None:
    plan = schedule(10, 300, CUSTOMERS, APPLICANTS)
    senders = Counter(sender for sender, _ in plan.transfers)
    assert set(senders) == set(CUSTOMERS)
    assert set(senders.values()) == {1}


def test_each_applicant_confirms_once() -> None:
    plan = schedule(10, 300, CUSTOMERS, APPLICANTS)
    confirms = Counter(m.chat for m in plan.messages if m.turn == "issuance_confirm")
    assert set(confirms) <= set(APPLICANTS)
    assert all(count == 1 for count in confirms.values())


def test_a_transfer_is_its_four_steps_in_order_at_a_persons_pace_with_nothing_else_in_its_chat() -> None:
    plan = schedule(8, 120, CUSTOMERS, APPLICANTS)
    assert plan.transfers
    offsets = dict(TRANSFER_STEPS)
    for chat in CUSTOMERS:
        own = [m for m in plan.messages if m.chat == chat]
        for index, message in enumerate(own):
            if message.turn != "transfer_ask":
                continue
            steps = own[index : index + 4]
            assert [m.turn for m in steps] == [name for name, _ in TRANSFER_STEPS]
            for step in steps[1:]:
                assert step.at - message.at >= offsets[step.turn] - 1e-9
            assert steps[1].transfer_to not in {None, chat}
            after = own[index + 4] if index + 4 < len(own) else None
            assert after is None or after.at - steps[3].at >= TRANSFER_REST_S - 1e-9


@pytest.mark.parametrize(("rate", "seconds"), [(0, 10), (-1, 10), (1, 0)])
def test_a_schedule_needs_a_positive_rate_and_time(rate: float, seconds: float) -> None:
    with pytest.raises(ValueError, match="rate and seconds"):
        schedule(rate, seconds, CUSTOMERS, APPLICANTS)


def test_transfers_need_two_customers() -> None:
    with pytest.raises(ValueError, match="two customers"):
        schedule(1, 10, ["alone"], [])


# ------------------------------------------------------------------------------------------ the replies
def _answered(channel: str, turn: str, chat: str, posted: float, first_seq: int) -> list[Reply]:
    return [Reply(first_seq + i, posted + 0.5 + i, kind) for i, kind in enumerate(expected_replies(channel, turn))]


def _valid_run() -> tuple[list[Sent], dict[str, list[Reply]], dict[str, int]]:
    sent = [
        Sent("c0", "viber", "menu", 100.0, 200),
        Sent("c0", "viber", "balance", 102.0, 200),
        Sent("c1", "telegram", "transfer_confirm", 101.0, 200),
        Sent("a0", "whatsapp", "issuance_confirm", 103.0, 200),
    ]
    replies = {
        "c0": _answered("viber", "menu", "c0", 100.0, 1) + _answered("viber", "balance", "c0", 102.0, 10),
        "c1": _answered("telegram", "transfer_confirm", "c1", 101.0, 20),
        "a0": _answered("whatsapp", "issuance_confirm", "a0", 103.0, 30),
        "c2": [Reply(40, 110.0, "transfer.received")],
    }
    return sent, replies, {"c2": 1}


def test_a_run_where_every_message_got_exactly_its_replies_passes_with_its_first_reply_times() -> None:
    sent, replies, notices = _valid_run()
    verdict = check_replies(sent, replies, notices)
    assert verdict.exactly_once
    assert verdict.answered == 4
    assert verdict.first_reply_s == [0.5, 0.5, 0.5, 0.5]


def test_a_duplicate_reply_fails_the_check() -> None:
    sent, replies, notices = _valid_run()
    replies["c0"].append(Reply(99, 104.0, "menu.main"))  # the balance turn's menu said twice
    verdict = check_replies(sent, replies, notices)
    assert not verdict.exactly_once
    assert [(chat, r.seq) for chat, r in verdict.unexpected] == [("c0", 99)]
    assert not verdict.missing


def test_a_missing_reply_fails_the_check() -> None:
    sent, replies, notices = _valid_run()
    replies["a0"] = [r for r in replies["a0"] if r.kind != PICTURE]  # the card picture never came
    verdict = check_replies(sent, replies, notices)
    assert not verdict.exactly_once
    assert verdict.missing == [(3, PICTURE)]
    assert verdict.answered == 3


def test_a_reply_of_the_wrong_words_is_both_missing_and_unexpected() -> None:
    sent, replies, notices = _valid_run()
    replies["c0"][0] = Reply(1, 100.5, "?")
    verdict = check_replies(sent, replies, notices)
    # The menu's own words are gone: the earliest "menu.main" left is claimed in order, and one is missing.
    assert [kind for _, kind in verdict.missing] == ["menu.main"]
    assert [r.kind for _, r in verdict.unexpected] == ["?"]


def test_a_webhook_not_answered_200_fails_the_check() -> None:
    sent, replies, notices = _valid_run()
    sent[0] = Sent("c0", "viber", "menu", 100.0, 500)
    replies["c0"] = _answered("viber", "balance", "c0", 102.0, 10)
    verdict = check_replies(sent, replies, notices)
    assert verdict.refused == [0]
    assert not verdict.exactly_once


def test_a_recipients_notice_missing_or_twice_fails_the_check() -> None:
    sent, replies, notices = _valid_run()
    assert check_replies(sent, {**replies, "c2": []}, notices).missing == [(-1, "transfer.received in c2")]
    twice = {**replies, "c2": [Reply(40, 110.0, "transfer.received"), Reply(41, 111.0, "transfer.received")]}
    assert [r.seq for _, r in check_replies(sent, twice, notices).unexpected] == [41]


def test_telegram_is_held_to_its_own_replies_the_picture_with_its_words() -> None:
    sent = [Sent("a0", "telegram", "issuance_confirm", 100.0, 200)]
    as_elsewhere = {"a0": _answered("whatsapp", "issuance_confirm", "a0", 100.0, 1)}
    verdict = check_replies(sent, as_elsewhere)
    assert [r.kind for _, r in verdict.unexpected] == [PICTURE]


def test_viber_is_held_to_its_receipt_in_one_message_the_picture_with_its_words() -> None:
    sent = [Sent("c0", "viber", "transfer_confirm", 100.0, 200)]
    with_words = [Reply(1, 101.0, "transfer.sent"), Reply(2, 102.0, "transfer.done")]
    assert check_replies(sent, {"c0": with_words}).exactly_once
    apart = [*with_words, Reply(3, 102.5, PICTURE)]
    assert [r.kind for _, r in check_replies(sent, {"c0": apart}).unexpected] == [PICTURE]


def test_the_first_reply_time_is_the_earliest_of_the_messages_replies() -> None:
    sent = [Sent("c0", "viber", "balance", 100.0, 200)]
    replies = {"c0": [Reply(1, 103.0, "card_services.balance_is"), Reply(2, 101.5, "menu.main")]}
    assert check_replies(sent, replies).first_reply_s == [1.5]


# ------------------------------------------------------------------------------------------ the money
def _ledger(transfers: int) -> list[Operation]:
    ops = []
    for i in range(transfers):
        ops.append(Operation(f"d{i}", "debit", AMOUNT_MINOR + FEE_MINOR, f"transfer-x-{i}", None))
        ops.append(Operation(f"k{i}", "credit", AMOUNT_MINOR, f"transfer-x-{i}", f"d{i}"))
    return [*ops, Operation("fund", "credit", 1_000_000, "bench funding", None)]


BEFORE = {"A": 10_000, "B": 10_000, "C": 10_000}
CONFIRMED = [("A", "B"), ("B", "C")]
AFTER = {"A": 10_000 - 600, "B": 10_000 + 500 - 600, "C": 10_000 + 500}


def test_transfers_each_moved_once_pass() -> None:
    assert check_money(_ledger(2), CONFIRMED, BEFORE, AFTER, 0) == []


def test_a_credit_posted_twice_fails() -> None:
    ops = [*_ledger(2), Operation("k0b", "credit", AMOUNT_MINOR, "transfer-x-0", "d0")]
    assert check_money(ops, CONFIRMED, BEFORE, AFTER, 0) == ["transfer-x-0: 2 credits and 0 refunds"]


def test_a_debit_posted_twice_fails() -> None:
    ops = [*_ledger(2), Operation("d0b", "debit", AMOUNT_MINOR + FEE_MINOR, "transfer-x-0", None)]
    assert "transfer-x-0: 2 debits" in check_money(ops, CONFIRMED, BEFORE, AFTER, 0)


def test_a_credit_and_a_refund_of_one_transfer_fail() -> None:
    ops = [*_ledger(2), Operation("r0", "refund", AMOUNT_MINOR + FEE_MINOR, "transfer-x-0", "d0")]
    assert check_money(ops, CONFIRMED, BEFORE, AFTER, 0) == ["transfer-x-0: 1 credits and 1 refunds"]


def test_a_confirmed_transfer_missing_from_the_ledger_fails() -> None:
    problems = check_money(_ledger(1), CONFIRMED, BEFORE, AFTER, 0)
    assert "1 transfers completed in the ledger, 2 confirmed" in problems


def test_a_balance_off_by_the_fee_fails() -> None:
    after = {**AFTER, "A": AFTER["A"] + FEE_MINOR}
    assert check_money(_ledger(2), CONFIRMED, BEFORE, after, 0) == ["A: balance moved by -500, not -600"]


def test_a_ledger_not_summing_to_zero_fails() -> None:
    assert check_money(_ledger(2), CONFIRMED, BEFORE, AFTER, 1) == ["the ledger sums to 1, not 0"]


# ------------------------------------------------------------------------------------------ what a call showed
MEANT = {"menu.main": "Что вы хотите сделать?", "transfer.done": "✅ Перевод выполнен: "}
MENU_BUTTONS = {"interactive": {"body": {"text": "Что вы хотите сделать?"}}}
PICTURE_SHOWN = {"media": {"url": "u"}}


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        ({"method": "sendChatAction", "body": {"action": "typing"}}, None),
        ({"method": "answerCallbackQuery", "body": {}}, None),
        ({"method": "deleteMessage", "body": {"message_id": 3}}, None),
        ({"method": "editMessageReplyMarkup", "body": {"reply_markup": None}}, None),
        ({"method": "messages", "body": {"status": "read"}}, None),
        ({"method": "sendMessage", "body": {"text": "Что вы хотите сделать?"}, "current": {}}, "menu.main"),
        ({"method": "editMessageText", "body": {"text": "✅ Перевод выполнен: 5.00 BYN"}}, "transfer.done"),
        (
            {
                "method": "messages",
                "body": {"interactive": {"body": {"text": "Что вы хотите сделать?"}}},
                "current": {},
            },
            "menu.main",
        ),
        (
            {"method": "me/messages", "body": {"message": {"attachment": {}}}, "current": {"media": {"url": "u"}}},
            PICTURE,
        ),
        ({"method": "send_message", "body": {"text": "Привет"}, "current": {}}, "?"),
    ],
)
def test_what_a_recorded_call_showed(record: dict[str, object], kind: str | None) -> None:
    assert reply_kind(record, MEANT) == kind


# ------------------------------------------------------------------------------------------ figures and bound
def _step(**changes: float) -> StepFigures:
    values: dict[str, float] = {
        "offered_rate": 10.0,
        "sent": 100,
        "send_window_s": 10.0,
        "answered": 100,
        "last_reply_s": 12.5,
        "p50_s": 0.5,
        "p99_s": 5.0,
        "backlog": 21,
        "late_posts": 0,
    }
    values.update(changes)
    return StepFigures(**values)  # type: ignore[arg-type]


def test_a_step_at_the_bounds_kept_up() -> None:
    assert Bound(p99_s=5.0, backlog_seconds=2.0).kept_up(_step())[0]


@pytest.mark.parametrize(
    "changes", [{"p99_s": 5.01}, {"backlog": 22}, {"answered": 99}], ids=["p99 over", "backlog over", "one unanswered"]
)
def test_a_step_past_a_bound_did_not_keep_up(changes: dict[str, float]) -> None:
    assert not Bound(p99_s=5.0, backlog_seconds=2.0).kept_up(_step(**changes))[0]


def test_the_sustained_rate_is_answered_over_first_post_to_last_first_reply() -> None:
    assert _step().sustained_rate == 8.0


def test_figures_from_a_run() -> None:
    sent = [Sent("c0", "viber", "menu", 100.0, 200), Sent("c1", "viber", "menu", 101.0, 200)]
    replies = {"c0": [Reply(1, 100.4, "menu.main")], "c1": [Reply(2, 103.0, "menu.main")]}
    verdict = check_replies(sent, replies)
    step = figures(2.0, sent, verdict, [100.0, 99.5], backlog=3)
    assert (step.sent, step.answered, step.send_window_s, step.last_reply_s) == (2, 2, 1.0, 3.0)
    assert step.late_posts == 1  # the second began 1.5 s after it was due
    assert step.p99_s == pytest.approx(2.0)


def test_the_ramp_grows_by_its_factor_up_to_the_most() -> None:
    assert ramp_rates(2, 2, 16) == [2, 4, 8, 16]
    assert ramp_rates(2, 2, 15.9) == [2, 4, 8]
    with pytest.raises(ValueError, match="factor above 1"):
        ramp_rates(2, 1, 16)
