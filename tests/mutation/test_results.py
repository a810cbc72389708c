"""The mutation report's arithmetic and its list of equivalent mutants (tests/mutation/equivalent.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutation.results import (
    KILLED,
    NO_TESTS,
    SURVIVED,
    Equivalent,
    Mutant,
    Tally,
    function_of,
    judge,
    load_equivalents,
    stale,
    status_of,
    total,
    worded,
)

MODULE = "messenger_bank.security.cards"
SURVIVOR = Mutant(
    f"{MODULE}.x_mask__mutmut_3",
    SURVIVED,
    "layers/common/messenger_bank/security/cards.py",
    40,
    "return number[:6]",
    "return number[:7]",
)
ITS_ENTRY = Equivalent(f"{MODULE}.mask", "return number[:6]", "return number[:7]", "the seventh digit is a star anyway")


def killed(n: int) -> Mutant:
    return Mutant(f"{MODULE}.x_mask__mutmut_{100 + n}", KILLED)


def test_a_function_and_a_method_are_named_as_in_the_source() -> None:
    assert function_of(f"{MODULE}.x_mask__mutmut_12") == f"{MODULE}.mask"
    assert function_of(f"{MODULE}.xǁCardVaultǁstore__mutmut_1") == f"{MODULE}.CardVault.store"
    assert function_of(f"{MODULE}.x__private__mutmut_1") == f"{MODULE}._private"


@pytest.mark.parametrize(
    ("exit_code", "status"),
    [
        (1, KILLED),
        (36, KILLED),
        (0, SURVIVED),
        (33, NO_TESTS),
        (5, NO_TESTS),
        (None, "not checked"),
        (99, "suspicious"),
    ],
)
def test_mutmut_exit_codes_mean_killed_survived_or_untested(exit_code: int | None, status: str) -> None:
    assert status_of(exit_code) == status


def test_a_matching_survivor_is_excluded_from_the_score_not_counted_as_killed() -> None:
    verdict = judge("security", [SURVIVOR, *map(killed, range(9))], [ITS_ENTRY])

    assert verdict.tally == Tally("security", mutants=10, killed=9, survived=0, equivalent=1)
    assert verdict.tally.score == 100.0
    assert verdict.equivalent == [(SURVIVOR, ITS_ENTRY)]
    assert verdict.survivors == []


@pytest.mark.parametrize(
    "other",
    [
        Equivalent(f"{MODULE}.unmask", ITS_ENTRY.before, ITS_ENTRY.after, "another function"),
        Equivalent(ITS_ENTRY.function, "return number[:4]", ITS_ENTRY.after, "another original line"),
        Equivalent(ITS_ENTRY.function, ITS_ENTRY.before, "return number[:5]", "another mutation"),
    ],
)
def test_an_entry_that_differs_in_one_field_excuses_nothing(other: Equivalent) -> None:
    verdict = judge("security", [SURVIVOR, *map(killed, range(9))], [other])

    assert verdict.survivors == [SURVIVOR]
    assert verdict.tally.score == 90.0


def test_an_untested_mutant_is_a_survivor() -> None:
    untested = Mutant(f"{MODULE}.x_mask__mutmut_4", NO_TESTS)

    verdict = judge("security", [untested, killed(1)], [])

    assert verdict.survivors == [untested]
    assert verdict.tally.score == 50.0


def test_a_killed_mutant_is_never_excused_and_its_entry_is_stale() -> None:
    now_killed = Mutant(SURVIVOR.key, KILLED, SURVIVOR.path, SURVIVOR.line, SURVIVOR.before, SURVIVOR.after)

    verdict = judge("security", [now_killed], [ITS_ENTRY])

    assert verdict.tally == Tally("security", mutants=1, killed=1, survived=0, equivalent=0)
    assert stale([ITS_ENTRY], [verdict], [MODULE]) == [ITS_ENTRY]


def test_an_entry_of_a_module_that_was_not_mutated_is_not_called_stale() -> None:
    verdict = judge("security", [killed(1)], [ITS_ENTRY])

    assert stale([ITS_ENTRY], [verdict], ["messenger_bank.security.cardsx"]) == []
    assert stale([ITS_ENTRY], [verdict], ["messenger_bank.security"]) == [ITS_ENTRY]


def test_a_run_narrowed_to_some_functions_calls_stale_only_their_entries() -> None:
    verdict = judge("security", [killed(1)], [ITS_ENTRY])

    assert stale([ITS_ENTRY], [verdict], [MODULE], functions=[f"{MODULE}.unmask"]) == []
    assert stale([ITS_ENTRY], [verdict], [MODULE], functions=[f"{MODULE}.mask"]) == [ITS_ENTRY]


def test_an_entry_that_a_wording_mutant_matches_is_called_wording() -> None:
    now_wording = Mutant(SURVIVOR.key, "wording", SURVIVOR.path, SURVIVOR.line, SURVIVOR.before, SURVIVOR.after)
    other = Mutant(SURVIVOR.key, "wording", SURVIVOR.path, SURVIVOR.line, SURVIVOR.before, "return number[:8]")

    assert worded([ITS_ENTRY], [now_wording]) == [ITS_ENTRY]
    assert worded([ITS_ENTRY], [other]) == []


def test_an_entry_in_use_is_not_stale() -> None:
    verdict = judge("security", [SURVIVOR], [ITS_ENTRY])

    assert stale([ITS_ENTRY], [verdict], [MODULE]) == []


def test_the_score_leaves_out_equivalents_and_a_context_of_only_equivalents_scores_full() -> None:
    assert Tally("x", mutants=20, killed=9, survived=1, equivalent=10).score == 90.0
    assert Tally("x", mutants=2, killed=0, survived=0, equivalent=2).score == 100.0
    assert total([Tally("a", 10, 9, 1, 0), Tally("b", 10, 5, 4, 1)]) == Tally("total", 20, 14, 5, 1)


def test_the_reviewed_list_loads_each_entry_with_its_reason(tmp_path: Path) -> None:
    listed = tmp_path / "equivalent.yaml"
    listed.write_text(
        f"- function: {ITS_ENTRY.function}\n  before: '{ITS_ENTRY.before}'\n  after: '{ITS_ENTRY.after}'\n"
        f"  reason: {ITS_ENTRY.reason}\n",
        encoding="utf-8",
    )

    assert load_equivalents(listed) == [ITS_ENTRY]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("- function: f\n  before: a\n  after: b\n", "exactly"),
        ("- function: f\n  before: a\n  after: b\n  reason: ''\n", "non-empty"),
        ("- function: f\n  before: ''\n  after: b\n  reason: r\n", "non-empty"),
        ("- function: f\n  before: a\n  after: b\n  reason: r\n  mutant: m\n", "exactly"),
        ("function: f\n", "a list"),
    ],
    ids=["no reason", "empty reason", "empty before", "an unknown field", "not a list"],
)
def test_an_entry_without_a_reason_or_with_unknown_fields_is_refused(tmp_path: Path, entry: str, problem: str) -> None:
    listed = tmp_path / "equivalent.yaml"
    listed.write_text(entry, encoding="utf-8")

    with pytest.raises(ValueError, match=problem):
        load_equivalents(listed)


def test_the_repository_list_is_valid() -> None:
    load_equivalents(Path(__file__).parent / "equivalent.yaml")


def test_an_entry_may_name_a_mutant_that_drops_a_line(tmp_path: Path) -> None:
    listed = tmp_path / "equivalent.yaml"
    listed.write_text(
        "- function: f\n  before: 'kind=\"virtual\",'\n  after: ''\n  reason: the default\n", encoding="utf-8"
    )
    assert load_equivalents(listed) == [Equivalent("f", 'kind="virtual",', "", "the default")]
