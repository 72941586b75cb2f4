"""Grading, FSRS scheduling persisted in SQLite, and a whole review session from the terminal."""
from __future__ import annotations

import threading
from datetime import timedelta

from click.testing import CliRunner

from app.review.cards import Card
from app.cli import cli
from app.review.grading import AGAIN, EASY, GOOD, HARD, grade
from app.review.store import ReviewStore, now_utc


def test_grading_rule():
    assert grade("1 KB", "1kb").rating == EASY
    assert grade("1 KB", "it is 1 KB in size").rating == GOOD
    assert grade("1 KB", "it is 1kb").rating == GOOD
    assert grade("HTTP", "HTTPS").rating == AGAIN  # close in spelling, but another protocol
    assert grade("1 KB", "1").rating == HARD
    assert grade("4 KB", "8 KB").rating == AGAIN
    assert grade("CloudTrail", "Cloudtrial").rating == HARD
    assert grade("CloudTrail", "CloudWatch").rating == AGAIN
    assert grade("throughput for reads", "").rating == AGAIN
    assert grade("a logical component in a VPC that represents a virtual network card",
                 "a component of a VPC representing a virtual network card").rating >= HARD


def card(i: int) -> Card:
    return Card(f"c-{i}", "cloze", f"Question {i} ___", f"answer {i}", "notes/x.md", "Sec > Sub", i, i, None)


def test_schedule_persists_across_restarts_and_threads(tmp_path):
    path = tmp_path / "review.sqlite"
    store = ReviewStore(path, fuzz=False)
    store.sync([card(i) for i in range(4)])
    first = store.next_card()
    assert first.id == "c-0"  # new cards come in note order
    due = store.record(first, grade("answer 0", "answer 0"), "answer 0")
    assert due > now_utc() + timedelta(hours=1)  # easy pushes it out
    again = store.next_card()
    store.record(again, grade("answer 1", "nope"), "nope")
    restarted = ReviewStore(path, fuzz=False)
    stats = restarted.stats()
    assert stats["reviewed"] == 2 and stats["new"] == 2
    assert restarted.next_card().id == "c-2"  # c-1 is due again only in a minute
    assert restarted.next_card(now=now_utc() + timedelta(minutes=5)).id == "c-1"
    scheduled = {c.id: d for c, d in restarted.schedule()}
    assert scheduled["c-0"] == due

    errors = []

    def worker(k):
        try:
            s = ReviewStore(path)
            for _ in range(10):
                s.record(card(k), grade(f"answer {k}", f"answer {k}"), "x")
        except Exception as e:  # noqa: BLE001 - the assertion below reports it
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and ReviewStore(path).stats()["reviewed"] == 22


def test_terminal_review_session_end_to_end(monkeypatch, notes_copy, isolated_home):
    import json

    monkeypatch.setenv("STUDY_NOTES", str(notes_copy))
    runner = CliRunner()
    listed = runner.invoke(cli, ["cards", "--json", "--section", "DynamoDB"]).stdout.splitlines()
    cards = [json.loads(c) for c in listed]
    numeric = next(c for c in cards[2:] if c["kind"] == "cloze" and c["answer"][0].isdigit() and " " in c["answer"])
    # the session asks new cards in note order: answer the first right, the second wrong
    replies = [cards[0]["answer"], "something else entirely"]
    result = runner.invoke(cli, ["review", "--section", "DynamoDB", "--limit", "2"], input="\n".join(replies) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert cards[0]["question"] in out and cards[1]["question"] in out
    assert "easy: exactly the answer" in out and "again:" in out
    assert f"{cards[0]['source']}:{cards[0]['start_line']}" in out and "Next review" in out
    # partly right: the number without its unit
    k = cards.index(numeric)
    answers = [c["answer"] for c in cards[2:k]] + [numeric["answer"].split()[0]]
    partial = runner.invoke(cli, ["review", "--section", "DynamoDB", "--limit", str(len(answers))], input="\n".join(answers) + "\n")
    assert partial.output.rstrip().count("Card ") == len(answers)
    assert "hard: right number; give the unit too" in partial.output.split("Card ")[-1]
    # restart: the schedule persisted, so the card answered right is not asked again now
    again = runner.invoke(cli, ["review", "--section", "DynamoDB", "--limit", "1"], input="q\n")
    assert cards[0]["question"] not in again.output
    assert cards[1]["question"] not in again.output  # failed, but due again only in a minute
    assert f"reviews so far: {2 + len(answers)}" in again.output


def test_grade_from_the_command_line_touches_no_schedule(monkeypatch, notes_copy, isolated_home):
    """`study grade --json CARD_ID REPLY`: the verdict and why, as a review would suggest it, and nothing recorded."""
    import json

    from app.review.store import store_path

    monkeypatch.setenv("STUDY_NOTES", str(notes_copy))
    runner = CliRunner()
    cards = [json.loads(c) for c in runner.invoke(cli, ["cards", "--json"]).stdout.splitlines()]
    numeric = next(c for c in cards if c["kind"] == "cloze" and c["answer"] == "60 seconds")
    verdicts = {}
    for reply in ["1 minute", "not 1 minute", "5 minutes", numeric["answer"]]:
        out = runner.invoke(cli, ["grade", "--json", numeric["id"], reply])
        assert out.exit_code == 0, out.output
        verdicts[reply] = json.loads(out.stdout)
    assert all(v["card"] == numeric["id"] for v in verdicts.values())
    assert [verdicts[r]["grade"] for r in ["1 minute", "not 1 minute", "5 minutes", "60 seconds"]] == ["good", "again", "again", "easy"]
    assert verdicts["1 minute"]["why"] == "1 minute is 60 seconds" and "5 minutes" in verdicts["5 minutes"]["why"]
    assert not store_path(isolated_home).exists()  # nothing scheduled, nothing logged
    missing = runner.invoke(cli, ["grade", "--json", "c-000000000000", "x"])
    assert missing.exit_code == 1 and "study cards --json" in missing.output and "Traceback" not in missing.output
    typo = runner.invoke(cli, ["cards", "--section", "no such heading here"])
    assert typo.exit_code == 1 and "no cards under a heading or in a file whose name contains" in typo.output
