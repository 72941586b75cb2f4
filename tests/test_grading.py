"""Grading replies fairly, with the reason in words: units and number words, abbreviations the notes define,
negations, lists of guesses (no model needed); and agreement with a fair teacher on labelled replies to real cards
of two courses (real model, integration tier).

The labelled set, tests/data/grading_cases.jsonl: {"answer", "reply", "expected", "note"}, one per line, answers of
all card kinds from the course notes and from ml-for-beginners, labelled by what a fair teacher gives before the
thresholds were chosen. A disagreement is fixed in the grader, never by relabelling.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from app.review.grading import AGAIN, EASY, GOOD, HARD, RATING_NAMES, abbreviations, grade

from .conftest import ARTIFACTS, NOTES, SHARED

CASES = Path(__file__).parent / "data" / "grading_cases.jsonl"
ML_NOTES = SHARED / "eval" / "corpora" / "ml-for-beginners" / "notes"
AGREEMENT = 0.90  # 0.921 when the rules came in (the old grader: 0.581, with 37 wrong replies called good)

NOTES_TEXT = """## IAM(Identity and Access Management)
Use and enforce the use of Multi Factor Authentication (MFA).
DNS Records TTL (Time to Live)
Uses the one-vs-rest (OvR) scheme. Expose a single point of access (DNS). Provide SSL termination (HTTPS).
Kinesis Client Library (KCL is a java library that helps read data from KDS)
"""


@pytest.mark.parametrize("answer,reply,rating,reason", [
    ("60 seconds", "1 minute", GOOD, "1 minute is 60 seconds"),
    ("1 minute", "60 seconds", GOOD, "60 seconds is 1 minute"),
    ("15 minutes", "15 mins", GOOD, "15 mins is 15 minutes"),
    ("2 hours", "120 minutes", GOOD, "120 minutes is 2 hours"),
    ("100 ms", "0.1 seconds", GOOD, "0.1 seconds is 100 ms"),
    ("1 GB", "1024 MB", GOOD, "1024 MB is 1 GB"),
    ("1 GB", "1000 MB", GOOD, "1000 MB is 1 GB"),
    ("64 TB", "65536 GB", GOOD, "65536 GB is 64 TB"),
    ("1 KB", "1kb", EASY, "exactly the answer"),
    ("50%", "50 percent", EASY, "exactly the answer"),
    ("40%", "forty per cent", GOOD, "forty per cent is 40%"),
    ("0.2", "20%", GOOD, "20% is 0.2"),
    ("10", "ten", GOOD, "ten is 10"),
    ("25", "twenty five", GOOD, "twenty five is 25"),
    ("100", "a hundred", GOOD, "a hundred is 100"),
    ("2009", "two thousand and nine", GOOD, "two thousand and nine is 2009"),
    ("5000", "5k", GOOD, "5k is 5000"),
    ("1950", "the 1950s", GOOD, "1950s is 1950"),
    ("15 minutes", "a quarter of an hour", GOOD, "a quarter of an hour is 15 minutes"),
    ("512MB", "half a gigabyte", GOOD, "half a gigabyte is 512MB"),
    ("20%", "a fifth", GOOD, "a fifth is 20%"),
    ("20%", "1/5", GOOD, "1/5 is 20%"),
    ("75%", "three quarters", GOOD, "three quarters is 75%"),
    ("15 minutes", "half an hour", AGAIN, "not half an hour"),
    ("20%", "1/4", AGAIN, "not 1/4"),
    ("4 KB", "8 KB", AGAIN, "the answer is 4 KB, not 8 KB"),
    ("1 KB", "1 MB", AGAIN, "the answer is 1 KB, not 1 MB"),
    ("100 ms", "100 seconds", AGAIN, "not 100 seconds"),
    ("20 RCU", "20 WCU", AGAIN, "not 20 WCU"),
    ("10", "a dozen", AGAIN, "not a dozen"),
    ("4 KB", "4", HARD, "right number; give the unit too"),
    ("40%", "40", HARD, "right number; give the unit too"),
])
def test_amounts_in_any_unit_or_in_words(answer, reply, rating, reason):
    g = grade(answer, reply)
    assert (g.name, reason in g.reason) == (RATING_NAMES[rating], True), g


def test_the_numbers_of_a_statement_must_agree():
    answer = "1 MB/sec or 1000 records/sec per shard"
    assert grade(answer, "2 MB/sec per shard").rating == AGAIN
    part = grade(answer, "1000 records per second per shard")
    assert part.rating == HARD and "1 MB" in part.reason
    assert grade(answer, "1 MB per second or 1000 records per second for each shard").rating == GOOD
    assert grade("Run instances across multi AZ (at least 2 AZs)", "run them in one AZ").rating == AGAIN
    zones = "Each region has many availability zones (usually 3, min is 2, max is 6)"
    assert grade(zones, "each region has usually 2 availability zones, at most 4 and at least 1").rating == AGAIN
    assert grade(zones, "usually 3 zones, min 2, max 5").rating == HARD  # more right than wrong: part of it
    bounded = grade("a minimum of 60 seconds", "never less than 60 seconds")
    assert bounded.rating >= HARD and not bounded.reason.startswith("says not"), bounded  # a bound, not a denial


@pytest.mark.parametrize("reply", ["not HTTP", "it's not HTTP", "never HTTP", "no HTTP", "isn't HTTP", "it is not http"])
def test_a_negated_term_is_wrong(reply):
    g = grade("HTTP", reply)
    assert g.rating == AGAIN and g.reason == "says not HTTP"


@pytest.mark.parametrize("reply", ["not CloudTrail but CloudWatch", "not sure, CloudWatch", "not sure CloudWatch?",
                                   "No, it's CloudWatch", "no it is CloudWatch"])
def test_a_denial_of_something_else_or_a_hedge_is_no_negation_of_the_answer(reply):
    assert grade("CloudWatch", reply).rating == GOOD


@pytest.mark.parametrize("answer,reply", [
    ("the machine can be identified on the internet", "the machine cannot be identified on the internet"),
    ("TTL is mandatory for each DNS record", "DNS records don't need a TTL"),
    ("pickle is not intrinsically secure, so be careful", "pickle is completely secure"),
    ("If the master is not encrypted, the read replicas cannot be encrypted",
     "if the master is not encrypted, the replicas can still be encrypted"),
])
def test_a_statement_turned_into_its_opposite_is_wrong(answer, reply):
    g = grade(answer, reply)
    assert g.rating == AGAIN and g.reason.startswith("says "), g


def test_a_denial_the_answer_shares_is_no_opposite():
    answer = "Don’t use the root account except for AWS account setup"
    assert grade(answer, "never use root except for the account setup").rating >= HARD
    assert grade(answer, "only use root for setting up the account").rating >= HARD
    assert grade(answer, "use the root account for everything").rating == AGAIN


@pytest.mark.parametrize("answer,reply", [
    ("SDK", "CLI or SDK or API"), ("HTTP", "HTTP, HTTPS, TCP"), ("SDK", "maybe SDK / API"),
    ("IPv4", "IPv4 or IPv6"), ("4 KB", "4 KB or 8 KB"), ("25", "25 and 30"), ("CPU", "CPU, memory or network"),
])
def test_a_list_of_guesses_is_not_an_answer(answer, reply):
    g = grade(answer, reply)
    assert g.rating == AGAIN and g.reason == "a list of guesses: name one answer"


@pytest.mark.parametrize("answer,reply", [("SDK", "SDK, I think"), ("SSL/TLS", "SSL or TLS"), ("SDK", "maybe the SDK")])
def test_a_hedge_or_both_parts_of_the_answer_are_no_list(answer, reply):
    assert grade(answer, reply).rating == GOOD


def test_near_misses_and_parts_of_terms():
    assert grade("HTTP", "HTTPS").rating == AGAIN  # another protocol, one letter off
    assert grade("CloudTrail", "Cloudtrial").reason == "almost: check the spelling"
    assert grade("McCarthy", "Mccarty").rating == HARD
    assert grade("TensorFlow.js", "TensorFlow").rating == HARD
    assert grade("Amazon Machine Image", "Amazon Machine Images").rating == GOOD
    assert grade("throughput for reads", "throughput for writes").rating <= HARD  # a statement: half of it is not it


def test_abbreviations_found_in_the_notes_both_ways():
    found = abbreviations([NOTES_TEXT])
    assert found["iam"] == {"identity and access management"} and found["identity and access management"] == {"iam"}
    assert found["mfa"] == {"multi factor authentication"}
    assert found["ttl"] == {"time to live"} and found["ovr"] == {"one vs rest"}
    assert found["kcl"] == {"kinesis client library"}
    assert "dns" not in found and "https" not in found and "kds" not in found  # the words before do not spell them


def test_an_abbreviation_the_notes_define_stands_for_its_expansion():
    aliases = abbreviations([NOTES_TEXT])
    for answer, reply in [("IAM", "Identity and Access Management"), ("Identity and Access Management", "IAM"),
                          ("IAM", "identity & access management"), ("MFA", "multi-factor authentication")]:
        g = grade(answer, reply, aliases=aliases)
        assert g.rating == GOOD and "stands for" in g.reason, (answer, reply, g)
    assert grade("IAM", "Identity and Access Management").rating == AGAIN  # the notes' definitions make the difference
    assert grade("IAM", "Identity and Account Management", aliases=aliases).rating == AGAIN


def test_given_up_replies_are_wrong():
    for reply in ["", "  ", "idk", "I don't know", "?", "no idea"]:
        assert grade("a network drive you can attach to your instances", reply).reason == "no answer given"


def _aliases() -> dict[str, set[str]]:
    """The abbreviations of both courses' notes, read as the index reads them (passages and their headings)."""
    from ingest import discover, load

    notes, _ = discover([NOTES, ML_NOTES])
    chunks = [c for note in notes for c in load(note).chunks]
    return abbreviations([c.text for c in chunks] + [c.heading for c in chunks])


@pytest.mark.integration
def test_agrees_with_a_fair_teacher_on_labelled_replies():
    if not ML_NOTES.is_dir():
        pytest.skip(f"{ML_NOTES} is not here (the shared evaluation corpora sit beside the checkout)")
    from index.embed import DEFAULT_MODEL, SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(DEFAULT_MODEL)
    aliases = _aliases()
    rows = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 150
    confusion, misses = Counter(), []
    for r in rows:
        g = grade(r["answer"], r["reply"], embedder.embed, aliases=aliases)
        confusion[(r["expected"], g.name)] += 1
        if g.name != r["expected"]:
            misses.append(f"  {r['expected']:>5} -> {g.name:<5} {r['reply']!r} for {r['answer'][:60]!r}: {g.reason}")
    agreement = sum(n for (want, got), n in confusion.items() if want == got) / len(rows)
    false_good = sum(n for (want, got), n in confusion.items() if want == "again" and got in ("good", "easy"))
    names = ["again", "hard", "good", "easy"]
    report = [f"grading agreement on {len(rows)} labelled replies: {agreement:.3f}; wrong replies called good or easy: "
              f"{false_good}", "labelled (rows) x graded (columns): " + " ".join(f"{n:>6}" for n in names)]
    report += [f"  {want:>5} " + " ".join(f"{confusion[(want, got)]:>6}" for got in names) for want in names]
    report += ["disagreements:"] + misses
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "grading-agreement.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))
    assert false_good == 0, "\n".join(report)
    assert agreement >= AGREEMENT, "\n".join(report)


@pytest.mark.parametrize("answer,reply", [("60 seconds", "not 1 minute"), ("60 seconds", "not a minute"),
                                          ("1 GB", "it is not 1024 MB")])
def test_an_amount_equal_to_the_answer_but_denied_is_wrong(answer, reply):
    g = grade(answer, reply)
    assert g.rating == AGAIN and g.reason.startswith("says not"), g


@pytest.mark.parametrize("answer,reply", [("DNS", "DNS name, not IP address"), ("HTTP", "not HTTPS, just HTTP")])
def test_the_answer_beside_a_denied_alternative_is_right(answer, reply):
    assert grade(answer, reply).rating == GOOD


@pytest.mark.parametrize("answer,reply,said", [
    ("All inbound traffic is blocked by default", "All outbound traffic is blocked by default", "outbound"),
    ("Data in flight is encrypted with SSL", "Data in flight is decrypted with SSL", "decrypted"),
    ("RDS replicates synchronously to the standby", "RDS replicates asynchronously to the standby", "asynchronously"),
])
def test_a_word_swapped_for_its_counterpart_is_wrong_whatever_the_model_thinks(answer, reply, said):
    """Counterparts (in/out, en/de, a-) sit close in the embedding model: the same sentence with the other one
    would be 'same meaning'."""
    g = grade(answer, reply, lambda texts: np.ones((len(texts), 1), dtype="float32"))  # a model that finds all alike
    assert g.rating == AGAIN and g.reason.startswith(f"says {said} where"), g
    assert grade(answer, answer.replace("by default", "unless allowed")).rating >= HARD or "inbound" not in answer


@pytest.mark.parametrize("answer,reply", [
    ("Haemoglobin carries oxygen in the blood", "Hemoglobin carries oxygen in the blood"),
    ("Inflammable liquids are kept in a metal cabinet", "Flammable liquids are kept in a metal cabinet"),
    ("Foetal cells divide quickly", "Fetal cells divide quickly"),
])
def test_a_spelling_variant_is_no_counterpart(answer, reply):
    assert grade(answer, reply, lambda texts: np.ones((len(texts), 1), dtype="float32")).rating >= GOOD


def test_two_counterparts_trading_places_is_wrong():
    answer = "A stateful firewall blocks inbound traffic by default and allows replies to outbound connections"
    g = grade(answer, "A stateful firewall blocks outbound traffic by default and allows replies to inbound connections")
    assert g.rating == AGAIN and g.reason == "says outbound where your notes say inbound"


def test_a_denied_amount_beside_the_answer_is_no_second_guess():
    assert grade("60 seconds", "60 seconds, not 1 hour").rating == GOOD
    assert grade("60 seconds", "60 seconds or 1 hour").rating == AGAIN


def test_a_reply_made_of_the_questions_own_words_answers_nothing():
    aliases = abbreviations(["Use Multi Factor Authentication (MFA) for the root account."])
    question = "What does MFA stand for?"
    g = grade("Multi Factor Authentication", "MFA", aliases=aliases, question=question)
    assert g.rating == AGAIN and g.reason == "only repeats the question"
    assert grade("Multi Factor Authentication", "multi-factor authentication", aliases=aliases, question=question).rating >= GOOD
    assert grade("Multi Factor Authentication", "MFA", aliases=aliases).rating == GOOD  # no question: the alias


@pytest.mark.parametrize("answer, reply, rating", [("Policies", "policy", GOOD), ("category", "categories", GOOD),
                                                   ("Cookies", "cookie", GOOD), ("calorie", "calories", GOOD),
                                                   ("Policies", "policing", AGAIN), ("ATP", "ATPs", AGAIN)])
def test_a_term_in_the_singular_or_plural_is_the_same_term(answer, reply, rating):
    """A reverse card asks for the term as the notes wrote it ("Policies"); "policy" names it too. A short term's
    last letter may still be the whole difference."""
    assert grade(answer, reply).rating == rating
