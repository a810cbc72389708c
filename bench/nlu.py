"""NLU quality and speed: held-out accuracy per language and per kind of writing, money confusion,
latency, cold cost, model size, BANKING77.

    PYTHONPATH=layers/common:. .venv/bin/python -m bench.nlu [--runs 5] [--cold-runs 5] [--skip-banking77]

Figures are printed, never asserted. The held-out sets (bench/data/nlu_heldout.*.yaml, the everyday
phrasing, and bench/data/nlu_heldout_kinds.*.yaml, by kind of writing: translit, slang, providers,
typos, wrong keyboard layout, emoji, out of scope) are the project's own and are never used in
training (tests/unit/conversation/nlu checks that).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from local.devtools.nlu_training import INTENT_SETTINGS, build_bundle, classifier_input, train
from messenger_bank.conversation.nlu import CONFIDENCE_THRESHOLD, INTENTS, MONEY_MOVING_INTENTS, understand
from messenger_bank.conversation.nlu.bundle import OUT_OF_SCOPE, model_path
from messenger_bank.types import LANGUAGES, Language

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_DIR = ROOT / "bench" / "data"
BANKING77 = HELDOUT_DIR / "banking77"  # vendored; SOURCE.md beside it names repository, commit, licence
NONE = "(none)"


class HeldoutFile(BaseModel):
    """The shape of bench/data/nlu_heldout.<language>.yaml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language
    intents: dict[str, tuple[str, ...]]
    out_of_scope: tuple[str, ...] = ()


class HeldoutKindsFile(BaseModel):
    """The shape of bench/data/nlu_heldout_kinds.<language>.yaml: kind of writing -> intent -> utterances
    (the intent `out_of_scope` for what the bank does not do)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: Language
    kinds: dict[str, dict[str, tuple[str, ...]]]


# The kind the everyday held-out file (nlu_heldout.<language>.yaml) is reported as.
EVERYDAY = "everyday"


def load_heldout(language: Language) -> HeldoutFile:
    path = HELDOUT_DIR / f"nlu_heldout.{language}.yaml"
    return HeldoutFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_heldout_kinds(language: Language) -> HeldoutKindsFile:
    path = HELDOUT_DIR / f"nlu_heldout_kinds.{language}.yaml"
    return HeldoutKindsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def heldout_by_kind(language: Language) -> dict[str, list[tuple[str, str]]]:
    """Every held-out (gold label, utterance) of a language, by kind of writing; out of scope as OUT_OF_SCOPE."""
    everyday = load_heldout(language)
    kinds: dict[str, list[tuple[str, str]]] = {
        EVERYDAY: [(intent, text) for intent, texts in everyday.intents.items() for text in texts]
        + [(OUT_OF_SCOPE, text) for text in everyday.out_of_scope]
    }
    for kind, intents in load_heldout_kinds(language).kinds.items():
        kinds[kind] = [(intent, text) for intent, texts in intents.items() for text in texts]
    return kinds


def _correct(gold: str, predicted: str) -> bool:
    """Out of scope is right when the NLU gives no intent (the engine then says what it can do)."""
    return predicted == (NONE if gold == OUT_OF_SCOPE else gold)


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report_heldout() -> list[tuple[str, str]]:
    """Accuracy and macro-F1 per language; returns (gold, predicted) over every utterance."""
    print(f"== held-out set (threshold {CONFIDENCE_THRESHOLD}) ==")
    print(f"{'lang':<5}{'utterances':>11}{'accuracy':>10}{'macro-F1':>10}{'rejected':>10}{'oos rejected':>14}")
    pairs: list[tuple[str, str]] = []
    all_gold: list[str] = []
    all_predicted: list[str] = []
    for language in LANGUAGES:
        heldout = load_heldout(language)
        gold, predicted = [], []
        for intent, texts in heldout.intents.items():
            for text in texts:
                gold.append(intent)
                predicted.append(understand(text).intent or NONE)
        oos = [understand(text).intent or NONE for text in heldout.out_of_scope]
        accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
        f1 = macro_f1(gold, predicted, INTENTS)
        rejected = predicted.count(NONE)
        oos_rejected = f"{oos.count(NONE)}/{len(oos)}"
        print(f"{language:<5}{len(gold):>11}{accuracy:>10.1%}{f1:>10.3f}{rejected:>10}{oos_rejected:>14}")
        pairs.extend(zip(gold, predicted, strict=True))
        pairs.extend((OUT_OF_SCOPE, p) for p in oos)
        all_gold.extend(gold)
        all_predicted.extend(predicted)
    accuracy = sum(g == p for g, p in zip(all_gold, all_predicted, strict=True)) / len(all_gold)
    print(f"{'all':<5}{len(all_gold):>11}{accuracy:>10.1%}{macro_f1(all_gold, all_predicted, INTENTS):>10.3f}")
    errors = Counter((g, p) for g, p in pairs if g != p and not (g == OUT_OF_SCOPE and p == NONE))
    print("most frequent errors (gold -> predicted):")
    for (gold_intent, predicted_intent), count in errors.most_common(10):
        print(f"  {count:>3}  {gold_intent} -> {predicted_intent}")
    return pairs


def report_kinds() -> list[tuple[str, str]]:
    """Accuracy per kind of writing and language (out of scope counts as right when rejected); returns
    (gold, predicted) over the kinds' files (the everyday file is in `report_heldout`)."""
    print("== held-out set by kind of writing (accuracy, utterances; out of scope right when rejected) ==")
    table: dict[str, dict[str, tuple[int, int]]] = {}
    pairs: list[tuple[str, str]] = []
    misses: list[tuple[str, str, str, str]] = []
    for language in LANGUAGES:
        for kind, items in heldout_by_kind(language).items():
            right = 0
            for gold, text in items:
                predicted = understand(text).intent or NONE
                right += _correct(gold, predicted)
                if kind != EVERYDAY:
                    pairs.append((gold, predicted))
                    if not _correct(gold, predicted):
                        misses.append((language, kind, text, f"{gold} -> {predicted}"))
            table.setdefault(kind, {})[language] = (right, len(items))
    print(f"{'kind':<14}" + "".join(f"{language:>16}" for language in LANGUAGES) + f"{'all':>16}")
    for kind, by_language in table.items():
        cells = [by_language.get(language) for language in LANGUAGES]
        right = sum(cell[0] for cell in cells if cell)
        total = sum(cell[1] for cell in cells if cell)
        row = "".join(f"{cell[0] / cell[1]:>10.1%} ({cell[1]:>3})" if cell else f"{'-':>16}" for cell in cells)
        print(f"{kind:<14}{row}{right / total:>10.1%} ({total:>3})")
    print("misses outside the everyday set:")
    for where, kind, text, error in misses:
        print(f"  {where} {kind:<12} {error:<34} {text}")
    return pairs


def report_money_confusion(pairs: list[tuple[str, str]]) -> None:
    print(f"== money-moving intents ({', '.join(sorted(MONEY_MOVING_INTENTS))}) vs the rest ==")
    other_as_money = [(g, p) for g, p in pairs if g not in MONEY_MOVING_INTENTS and p in MONEY_MOVING_INTENTS]
    money_as_other = [(g, p) for g, p in pairs if g in MONEY_MOVING_INTENTS and p not in MONEY_MOVING_INTENTS]
    money_swapped = [(g, p) for g, p in pairs if g in MONEY_MOVING_INTENTS and p in MONEY_MOVING_INTENTS and g != p]
    others = sum(1 for g, _ in pairs if g not in MONEY_MOVING_INTENTS)
    money = len(pairs) - others
    print(f"  non-money utterances classified as money-moving: {len(other_as_money)}/{others}")
    for gold, predicted in other_as_money:
        print(f"      {gold} -> {predicted}")
    print(f"  money-moving utterances classified as non-money (or none): {len(money_as_other)}/{money}")
    print(f"  money-moving utterances classified as another money-moving intent: {len(money_swapped)}/{money}")
    for gold, predicted in money_swapped:
        print(f"      {gold} -> {predicted}")


def report_latency(runs: int) -> None:
    texts = [text for language in LANGUAGES for texts in load_heldout(language).intents.values() for text in texts]
    understand("warm up")
    timings = []
    for _ in range(runs):
        for text in texts:
            start = time.perf_counter_ns()
            understand(text)
            timings.append((time.perf_counter_ns() - start) / 1000)
    long_text = "переведи 50 рублей " * 600
    start = time.perf_counter_ns()
    understand(long_text)
    long_us = (time.perf_counter_ns() - start) / 1000
    print(f"== latency per utterance ({runs} runs x {len(texts)} utterances, warm) ==")
    print(f"  median {statistics.median(timings):.0f} us   p99 {percentile(timings, 0.99):.0f} us   "
          f"max {max(timings):.0f} us   ({len(long_text)}-char text: {long_us:.0f} us)")  # fmt: skip


_COLD = (
    "import time; t0 = time.perf_counter(); "
    "import messenger_bank.conversation.nlu as nlu; t1 = time.perf_counter(); "
    "nlu.warm_up(); t2 = time.perf_counter(); "
    "nlu.understand('pereved 50 rublei'); t3 = time.perf_counter(); "
    "print(t1 - t0, t2 - t1, t3 - t2)"
)


def report_cold(runs: int) -> None:
    imports, loads, firsts = [], [], []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", _COLD],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(ROOT / "layers" / "common"), "PYTHONDONTWRITEBYTECODE": "1"},
        ).stdout.split()
        imports.append(float(output[0]) * 1000)
        loads.append(float(output[1]) * 1000)
        firsts.append(float(output[2]) * 1000)
    start = time.perf_counter()
    build_bundle()
    training = time.perf_counter() - start
    print(f"== cold cost (fresh process, median of {runs}) ==")
    print(f"  model.json.gz {model_path().stat().st_size / 1024:.0f} KiB")
    print(f"  import {statistics.median(imports):.0f} ms   load model.json.gz {statistics.median(loads):.0f} ms   "
          f"first understand {statistics.median(firsts):.1f} ms")  # fmt: skip
    print(f"  rebuilding model.json.gz (python -m local.devtools.nlu_training, never in a Lambda): {training:.1f} s")


def _read_banking77(split: str) -> tuple[list[str], list[str]]:
    with (BANKING77 / f"{split}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["category"] for row in rows]


def report_banking77(runs: int) -> None:
    if not (BANKING77 / "train.csv").exists():
        print(f"== BANKING77: not found at {BANKING77}, skipped ==")
        return
    train_texts, train_labels = _read_banking77("train")
    test_texts, test_labels = _read_banking77("test")
    start = time.perf_counter()
    model = train([classifier_input(text) for text in train_texts], train_labels, INTENT_SETTINGS)
    training = time.perf_counter() - start
    predicted = [model.predict(classifier_input(text))[0][0] for text in test_texts]
    # Each utterance timed on its own (entity masking + features + 77 scores), over several passes.
    timings = []
    for _ in range(runs):
        for text in test_texts:
            start_ns = time.perf_counter_ns()
            model.predict(classifier_input(text))
            timings.append((time.perf_counter_ns() - start_ns) / 1000)
    accuracy = sum(g == p for g, p in zip(test_labels, predicted, strict=True)) / len(test_labels)
    f1 = macro_f1(test_labels, predicted, sorted(set(test_labels)))
    print(f"== BANKING77 (train {len(train_texts)}, test {len(test_texts)}, 77 intents, same algorithm) ==")
    print(f"  test accuracy {accuracy:.1%}   macro-F1 {f1:.3f}   training {training:.0f} s")
    print(f"  per utterance ({runs} runs x {len(test_texts)}): median {statistics.median(timings):.0f} us   "
          f"p95 {percentile(timings, 0.95):.0f} us   mean {statistics.fmean(timings):.0f} us")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="latency runs over the held-out set")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes for the cold cost")
    parser.add_argument("--skip-banking77", action="store_true", help="skip the public benchmark (~2 min)")
    arguments = parser.parse_args()
    pairs = report_heldout()
    pairs += report_kinds()
    report_money_confusion(pairs)
    report_latency(arguments.runs)
    report_cold(arguments.cold_runs)
    if not arguments.skip_banking77:
        report_banking77(arguments.runs)


if __name__ == "__main__":
    main()
