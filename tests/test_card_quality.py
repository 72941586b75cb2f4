"""Cards worth asking: the cards cut from three real sets of notes, labelled by the card rubric (README, "Review
cards"), must keep the share of good cards reached so far: course notes 0.92 of 129 cards (a random sample of 100
of them 0.90), ml-for-beginners 0.94 of 70, and running prose (a hard-wrapped novel and a saved encyclopedia article) 0.81 of 47
(0.41 of 66 before rules for pronouns, wrapped lines, whole names, parts of dates and reference lines; when the
rubric came in the first two were 0.79 of 94 and 0.59 of 74; the cards before it: 0.44 and 0.27). Where the one
who wrote a rule and an independent grader disagreed on a card, the stricter label is kept.
The aim is 0.90 on each and 150 cards from the course notes (met: 150, 0.93). Since every card is labelled, the floors guard the
share over all cards (GOOD_SHARE): raised as the rules improve, never lowered to pass. The random sample of 100 the
issue asks for moves as cards come and go (107 -> 125 cards took the course notes' sample from 0.92 to 0.90 while
the whole set stayed 0.92), so it is held to the aim itself (SAMPLE_SHARE), not to its last reading.

The labels live in tests/data/cards_labelled.jsonl, one per card id, and every card of the three sets is labelled.
When the card rules change, cards never labelled appear: the test then fails and lists them, to be labelled by the
rubric (not to fit it). Reverse cards and definitions before an arrow (125 course-notes cards, 66 ml-for-beginners)
were labelled by an independent grader: 17 of 18 and 7 of 7 good; the whole sets are 0.92 and 0.94 good, the
sample of 100 of the course notes' 125 reads 0.90.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from app.review.cards import generate
from ingest import discover, load

from .conftest import ARTIFACTS, NOTES, SHARED

LABELS = Path(__file__).parent / "data" / "cards_labelled.jsonl"
SAMPLE, SEED = 100, 2026
# Every card is labelled, so the share over all of them guards what is reached (the stronger measure); the random
# sample of 100 the issue asks for must meet its aim of nine in ten (the prose set its own floor).
GOOD_SHARE = {"aws": 0.92, "ml-for-beginners": 0.93, "prose": 0.81}
SAMPLE_SHARE = {"aws": 0.90, "ml-for-beginners": 0.90, "prose": 0.80}
MIN_CARDS = 150  # on the course notes (150 now: 8 "what does X do" facts, 2 from fixes; 140 before those: 8 rules "if ..., then …?", 3 "what does X do?" from a gloss; 129 before those: 3 spelled out by their heading, 9 yes/no, 14 reverse, 4 definitions before an arrow; 107 before those, 8 of
# them yes/no; 99 before those; 179 before the rubric, 44% of them good)
CORPORA = {"aws": NOTES, "ml-for-beginners": SHARED / "eval" / "corpora" / "ml-for-beginners" / "notes",
           "prose": SHARED / "eval" / "corpora" / "prose" / "notes"}


def _cards(folder: Path):
    notes, _ = discover([folder])
    return generate([c for note in notes for c in load(note).chunks])


def _labels() -> dict[tuple[str, str], dict]:
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["corpus"], r["id"]): r for r in rows}


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_a_random_sample_is_nine_in_ten_good(corpus):
    folder = CORPORA[corpus]
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here (the shared evaluation corpora sit beside the checkout)")
    cards = _cards(folder)
    if corpus == "aws":
        assert len(cards) >= MIN_CARDS, f"only {len(cards)} cards from the course notes"
    labels = _labels()
    sample = random.Random(SEED).sample(sorted(cards, key=lambda c: c.id), min(SAMPLE, len(cards)))
    missing = [c for c in cards if (corpus, c.id) not in labels]
    assert not missing, "label these cards by the rubric in tests/data/cards_labelled.jsonl:\n" + "\n".join(
        json.dumps({"corpus": corpus, "id": c.id, "question": c.question, "answer": c.answer}, ensure_ascii=False)
        for c in missing)
    bad = [(c, labels[(corpus, c.id)]["why"]) for c in sample if labels[(corpus, c.id)]["label"] != "good"]
    share = 1 - len(bad) / len(sample)
    whole = sum(labels[(corpus, c.id)]["label"] == "good" for c in cards) / len(cards)
    ARTIFACTS.mkdir(exist_ok=True)
    report = [f"{corpus}: {len(cards)} cards, {whole:.0%} good; sample of {len(sample)}: {share:.0%} good"]
    report += [f"  bad: {c.question} -> {c.answer}  ({why})" for c, why in bad]
    (ARTIFACTS / f"card-quality-{corpus}.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))
    assert share >= SAMPLE_SHARE[corpus] and whole >= GOOD_SHARE[corpus], "\n".join(report)
