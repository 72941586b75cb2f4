"""The review habits of an Anki user: intervals shown before rating, overruling the suggested grade, suspending,
flagging and rewording cards, progress counts and history, the terminal loop, and export to Anki and CSV."""
from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import cli
from app.review import recovery
from app.review.cards import Card
from app.review.grading import AGAIN, EASY, GOOD, HARD, grade
from app.review.store import ReviewStore, store_path

NOTE = """# Lambda

Lambda functions time out after 15 minutes at most.

An ENI is a logical component in a VPC that represents a virtual network card.

CloudTrail records every API call made in the account for auditing.

# Storage

S3 stores objects of up to 5 TB in a single bucket key.

An EBS volume is a block storage device attached to one EC2 instance at a time.

Glacier retrieval in expedited mode takes 1 to 5 minutes for most archives.
"""
NOW = datetime(2030, 3, 10, 12, 0, tzinfo=timezone.utc)


def card(i: int, heading: str = "Sec > Sub", source: str = "notes/x.md") -> Card:
    return Card(f"c-{i}", "cloze", f"Question {i} ___", f"answer {i}", source, heading, i, i, None)


def log_rows(path: Path) -> list[tuple]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT card_id, rating, suggested, answer FROM log ORDER BY id").fetchall()


# --- the store -------------------------------------------------------------------------------------------------

def test_preview_grows_with_the_rating_and_is_what_rating_does(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite")  # fuzz on, as for the student
    store.sync([card(i) for i in range(3)])
    new = store.preview(card(0), NOW)
    assert new[AGAIN] < new[HARD] < new[GOOD] < new[EASY]
    assert log_rows(store.path) == []  # a preview writes nothing
    # a card in review, where fuzz spreads long intervals: the preview is still exactly what the rating gives
    store.rate(card(1), EASY, now=NOW)
    later = NOW + timedelta(days=30)
    shown = store.preview(card(1), later)
    assert shown[AGAIN] < shown[HARD] < shown[GOOD] < shown[EASY]
    assert shown[GOOD] - later > timedelta(days=20)
    assert store.rate(card(1), GOOD, now=later) == shown[GOOD]
    assert store.rate(card(0), HARD, now=NOW) == new[HARD]


def test_overruled_grade_is_logged_with_both_ratings(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite")
    store.sync([card(0), card(1)])
    suggested = grade("answer 0", "answer 0")
    assert suggested.rating == EASY
    store.rate(card(0), HARD, "answer 0", now=NOW, suggested=suggested)  # the student knows it was a guess
    store.record(card(1), grade("answer 1", "nope"), "nope", now=NOW)  # the suggestion taken
    store.rate(card(1), GOOD, now=NOW + timedelta(minutes=5))  # answer shown, nothing suggested
    assert log_rows(store.path) == [("c-0", HARD, EASY, "answer 0"), ("c-1", AGAIN, AGAIN, "nope"), ("c-1", GOOD, None, "")]
    assert store.stats()["sections"][0]["retention"] == pytest.approx(1 / 3)  # retention counts what was chosen
    with pytest.raises(ValueError):
        store.rate(card(0), 5)


def test_a_file_from_before_the_new_columns_is_migrated(tmp_path):
    path = tmp_path / "review.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript("""
            CREATE TABLE cards (id TEXT PRIMARY KEY, card TEXT NOT NULL, section TEXT NOT NULL, position INTEGER NOT NULL,
                active INTEGER NOT NULL DEFAULT 1, added_at TEXT NOT NULL, retired_at TEXT);
            CREATE TABLE state (card_id TEXT PRIMARY KEY, fsrs TEXT NOT NULL, due TEXT NOT NULL);
            CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, card_id TEXT NOT NULL, rating INTEGER NOT NULL,
                answer TEXT, score REAL, reviewed_at TEXT NOT NULL, due_after TEXT NOT NULL);""")
        db.execute("INSERT INTO log (card_id, rating, answer, score, reviewed_at, due_after) VALUES ('c-0', 3, 'x', 1, ?, ?)",
                   (NOW.isoformat(), NOW.isoformat()))
    store = ReviewStore(path)
    store.sync([card(0)])
    store.rate(card(0), AGAIN, "y", now=NOW, suggested=grade("answer 0", "answer 0"))
    store.suspend(card(0))
    assert log_rows(path) == [("c-0", GOOD, None, "x"), ("c-0", AGAIN, EASY, "y")]
    assert store.stats()["suspended"] == 1


def test_recovery_copies_the_marks_and_both_ratings_and_reads_old_files(tmp_path):
    sound = tmp_path / "sound.sqlite"
    store = ReviewStore(sound)
    store.sync([card(0), card(1)])
    store.rate(card(0), HARD, "a", now=NOW, suggested=grade("answer 0", "answer 0"))
    store.suspend(card(1))
    store.flag(card(0))
    store.edit(card(0), "Reworded question?", "answer zero")
    fresh = ReviewStore(tmp_path / "new.sqlite")
    assert recovery.salvage(sound, fresh.path, fresh.next_state, 1.0) == (1, 1)
    assert fresh.notes() == store.notes() and fresh.note(card(0)).flagged and fresh.note(card(1)).suspended
    assert log_rows(fresh.path) == [("c-0", HARD, EASY, "a")]
    assert fresh.next_card(now=NOW + timedelta(days=1)).question == "Reworded question?"
    # a file written before card_notes and log.suggested existed still gives its reviews, and their schedules
    old = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(old)) as db, db:
        db.executescript("CREATE TABLE cards (id TEXT, card TEXT, section TEXT, position INTEGER, active INTEGER, added_at TEXT, "
                         "retired_at TEXT); CREATE TABLE state (card_id TEXT, fsrs TEXT, due TEXT); CREATE TABLE log ("
                         "id INTEGER PRIMARY KEY, card_id TEXT, rating INTEGER, answer TEXT, score REAL, reviewed_at TEXT, due_after TEXT);")
        db.execute("INSERT INTO log VALUES (1, 'c-0', 3, 'x', 1.0, ?, ?)", (NOW.isoformat(), NOW.isoformat()))
    other = ReviewStore(tmp_path / "other.sqlite")
    assert recovery.salvage(old, other.path, other.next_state, 1.0) == (1, None)
    assert log_rows(other.path) == [("c-0", GOOD, None, "x")]
    with closing(sqlite3.connect(other.path)) as db:
        assert db.execute("SELECT COUNT(*) FROM state").fetchone()[0] == 1


def test_suspend_hides_a_card_and_flag_is_counted(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite")
    store.sync([card(0), card(1)])
    store.suspend(card(0))
    assert store.next_card().id == "c-1"
    store.suspend("c-1")
    assert store.next_card() is None and store.schedule() == []
    store.unsuspend(card(0))
    store.flag(card(0))
    stats = store.stats()
    assert (stats["new"], stats["suspended"], stats["flagged"]) == (1, 1, 1)
    assert store.next_card().id == "c-0"  # flagged cards are still asked
    store.unflag(card(0))
    assert store.stats()["flagged"] == 0
    assert store.unsuspend_all() == 1 and store.stats()["new"] == 2


def test_counts_before_any_review_and_sections(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite")
    made = [card(0, "Lambda > Limits"), card(1, "Lambda"), card(2, "Storage > Glacier Retrieval")]
    store.sync(made)
    stats = store.stats(NOW)
    assert (stats["cards"], stats["new"], stats["due_today"], stats["learned"], stats["suspended"], stats["flagged"]) == (3, 3, 0, 0, 0, 0)
    assert store.sections() == [("Lambda", 2), ("Storage", 1)]
    assert store.matching_sections("glacier") == ["Storage"] and store.matching_sections("xyz") == []
    assert store.next_card("GLACIER RETRIEVAL").id == "c-2"  # any case, any part of the heading path
    assert store.next_card("retrieval_") is None  # no SQL wildcard: "_" is a character
    store.rate(made[1], GOOD, now=NOW)
    stats = store.stats(NOW)
    assert (stats["new"], stats["learned"], stats["due_today"]) == (2, 1, 1)  # good on a new card: back in 10 minutes


def test_reviews_per_day_and_due_forecast_with_a_pinned_clock(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    store.sync([card(i) for i in range(4)])
    two_days_ago = NOW - timedelta(days=2)
    store.rate(card(0), GOOD, now=two_days_ago)  # due 10 minutes later: overdue by now
    easy_due = store.rate(card(1), EASY, now=two_days_ago)
    store.rate(card(2), AGAIN, now=NOW)  # due in a minute: today
    today = NOW.date()
    assert store.reviews_per_day(3, NOW) == [(today - timedelta(days=2), 2), (today - timedelta(days=1), 0), (today, 1)]
    forecast = store.due_forecast(10, NOW)
    assert len(forecast) == 10 and forecast[0] == (today, 2)
    assert dict(forecast)[easy_due.date()] == 1 and sum(n for _, n in forecast) == 3
    assert store.stats(NOW)["due_today"] == 2


def test_learned_means_rated_hard_good_or_easy_at_the_latest_review(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    store.sync([card(i) for i in range(4)])

    def counts() -> tuple[int, int, int]:
        s = store.stats(NOW)
        assert s["cards"] == s["new"] + s["learning"] + s["learned"] + s["suspended"]
        return s["new"], s["learning"], s["learned"]

    store.rate(card(0), AGAIN, now=NOW)  # a new card the student did not know: seen, not learned
    assert store.stats(NOW)["learned"] == 0
    assert counts() == (3, 1, 0)
    store.rate(card(1), HARD, now=NOW)
    assert counts() == (2, 1, 1)
    store.rate(card(0), GOOD, now=NOW + timedelta(minutes=2))  # known at its second review
    assert counts() == (2, 0, 2)
    store.rate(card(1), AGAIN, now=NOW + timedelta(minutes=3))  # forgotten: learning again
    assert counts() == (2, 1, 1)
    store.suspend(card(0))  # set aside: counted as suspended only
    assert counts() == (2, 1, 0)


def test_cards_under_no_heading_are_a_section_named_by_their_file(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    loose = "notes/course/Loose Facts.txt"
    store.sync([card(0, "Lambda > Limits"), card(1, "", loose), card(2, "", loose), card(3, "Storage"), card(4, "", "top.md")])
    names = ["Lambda", "Loose Facts.txt", "Storage", "top.md"]
    assert store.sections() == [("Lambda", 1), ("Loose Facts.txt", 2), ("Storage", 1), ("top.md", 1)]
    assert [s["section"] for s in store.stats(NOW)["sections"]] == names  # the progress table's and plots' names
    assert store.matching_sections("loose facts") == ["Loose Facts.txt"]  # any case, any part, as a heading
    assert store.next_card("Loose Facts.txt", NOW).id == "c-1"
    store.rate(card(1), GOOD, now=NOW)
    assert store.next_card("Loose Facts.txt", NOW).id == "c-2"
    assert store.next_card("course", NOW) is None  # the folder is no section's name
    assert store.next_card("Lambda", NOW).id == "c-0"  # a heading's text does not draw the cards under none
    store.sync([card(0, "Lambda > Limits"), card(1, "", loose), card(2, "", loose), card(3, "Storage classes"), card(4, "", "top.md")])
    assert store.sections()[2] == ("Storage classes", 1)  # a renamed heading renames its section


def test_next_due_and_waiting_say_what_is_left(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    store.sync([card(0, "A"), card(1, "B"), card(2, "B")])
    assert store.next_due() is None and store.waiting(NOW) == 3  # new cards wait, none is scheduled
    due = store.rate(card(0), GOOD, now=NOW)  # back in 10 minutes
    assert store.next_due("A") == due == store.next_due() and store.next_due("B") is None
    assert store.waiting(NOW) == 2 and store.waiting(due) == 3


def test_a_sibling_from_the_same_sentence_waits_until_tomorrow(tmp_path):
    """A definition and its reverse, or two blanks of one sentence: once one is rated, the other would be answered
    from what the student just saw, so it is buried until the next day (as Anki buries siblings). A card of
    another sentence, on the same line or page, is not its sibling."""
    from app.review.progress import start_of_day

    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    forward = Card("d-1", "definition", "What is an ENI?", "a virtual network card", "notes/x.md", "Sec", 5, 5, None, sibling="s1")
    turned = Card("r-1", "reverse", "What term do your notes define as “a virtual network card”?", "ENI", "notes/x.md", "Sec", 5, 5,
                  None, sibling="s1")
    same_page = Card("c-p", "cloze", "Another sentence on the page ___", "x", "notes/x.md", "Sec", 5, 5, None, sibling="s2")
    other = card(7)
    store.sync([forward, turned, same_page, other])
    assert store.next_card(None, NOW).id == "d-1"
    store.rate(forward, GOOD, now=NOW)
    assert store.next_card(None, NOW).id == "c-p"  # not the reverse of what was just seen; its neighbour on the line is fine
    assert store.waiting(NOW) == 2
    store.rate(same_page, GOOD, now=NOW)
    store.rate(other, GOOD, now=NOW)
    tomorrow = start_of_day(NOW + timedelta(days=1))
    # the forward card is due again in minutes; the buried reverse from tomorrow on
    assert store.next_card(None, NOW + timedelta(minutes=1)) is None
    assert store.waiting(tomorrow + timedelta(seconds=1)) == 4  # the next day all may be asked again


def test_only_buried_cards_left_are_due_tomorrow(tmp_path):
    from app.review.progress import start_of_day

    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    a = Card("c-a", "cloze", "___ stores objects up to 5 TB", "S3", "notes/x.md", "Sec", 3, 3, None, sibling="s")
    b = Card("c-b", "cloze", "S3 stores objects up to ___", "5 TB", "notes/x.md", "Sec", 3, 3, None, sibling="s")
    store.sync([a, b])
    store.rate(a, EASY, now=NOW)  # days away
    assert store.next_card(None, NOW) is None and store.waiting(NOW) == 0
    assert store.next_due(None, NOW) == start_of_day(NOW + timedelta(days=1))  # "the next card is due in ... hours"
    assert store.next_card(None, start_of_day(NOW + timedelta(days=1))).id == "c-b"


def test_a_sibling_in_its_learning_steps_is_not_held_back_a_day(tmp_path):
    """Rated just before midnight, a card is due again minutes later, after its sibling is rated the next day:
    its step of minutes is kept."""
    from app.review.progress import start_of_day

    store = ReviewStore(tmp_path / "review.sqlite", fuzz=False)
    a = Card("c-a", "cloze", "___ stores objects up to 5 TB", "S3", "notes/x.md", "Sec", 3, 3, None, sibling="s")
    b = Card("c-b", "cloze", "S3 stores objects up to ___", "5 TB", "notes/x.md", "Sec", 3, 3, None, sibling="s")
    store.sync([a, b])
    midnight = start_of_day(NOW + timedelta(days=1))
    due = store.rate(a, GOOD, now=midnight - timedelta(minutes=3))  # back in 10 minutes: a learning step
    assert store.next_card(None, midnight + timedelta(minutes=1)).id == "c-b"  # the rating was yesterday's
    store.rate(b, GOOD, now=midnight + timedelta(minutes=1))
    assert store.next_card(None, due + timedelta(minutes=1)).id == "c-a"


def test_the_day_starts_at_local_midnight_on_the_day_clocks_change(monkeypatch):
    import time as clock

    from app.review.progress import start_of_day

    monkeypatch.setenv("TZ", "Europe/Berlin")
    clock.tzset()
    try:
        # 30 March 2025: clocks go forward at 02:00; midnight was still winter time (UTC+1)
        assert start_of_day(datetime(2025, 3, 30, 20, 0, tzinfo=timezone.utc)) == datetime(2025, 3, 29, 23, 0, tzinfo=timezone.utc)
        assert start_of_day(datetime(2025, 7, 1, 12, 0, tzinfo=timezone.utc)) == datetime(2025, 6, 30, 22, 0, tzinfo=timezone.utc)
    finally:
        monkeypatch.delenv("TZ")
        clock.tzset()


def test_edit_returns_with_the_card_and_undoes_when_worded_back(tmp_path):
    store = ReviewStore(tmp_path / "review.sqlite")
    store.sync([card(0)])
    edited = store.edit(card(0), "  What is   answer zero? ", "answer 0")
    assert (edited.question, edited.answer) == ("What is answer zero?", "answer 0")
    assert store.next_card().question == "What is answer zero?" and store.note("c-0").edited_at
    store.edit(card(0), card(0).question, card(0).answer)
    assert store.next_card() == card(0) and store.note("c-0").question is None
    with pytest.raises(ValueError):
        store.edit(card(0), "", "x")
    with pytest.raises(ValueError, match="no card c-9"):
        store.flag("c-9")


# --- through the commands, on a small note -----------------------------------------------------------------------

@pytest.fixture
def notes(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "aws.md").write_text(NOTE)
    monkeypatch.setenv("STUDY_NOTES", str(folder))
    assert CliRunner().invoke(cli, ["ingest", "--quiet", str(folder)]).exit_code == 0
    return folder


def listed() -> list[dict]:
    result = CliRunner().invoke(cli, ["cards", "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def review(*args: str, input: str):
    result = CliRunner().invoke(cli, ["review", *args], input=input)
    assert "Traceback" not in result.output
    return result


def test_edit_survives_reingest_of_the_same_line_and_is_dropped_when_it_changes(notes, isolated_home):
    review("--stats", input="")  # the cards are stored
    store = ReviewStore(store_path(isolated_home))
    first = Card(**listed()[0])
    store.edit(first, "How long can a Lambda function run?", first.answer)
    # another line of the note changes: the card's own line does not, so neither do its id and its wording
    (notes / "aws.md").write_text(NOTE + "\nSQS keeps messages for up to 14 days by default.\n")
    assert CliRunner().invoke(cli, ["ingest", "--quiet", str(notes)]).exit_code == 0
    review("--stats", input="")
    assert store.next_card().question == "How long can a Lambda function run?"
    assert listed()[0]["id"] == first.id and listed()[0]["question"] == "How long can a Lambda function run?"
    # the card's line changes: it is another card, worded as generated, and the edit no longer applies
    (notes / "aws.md").write_text(NOTE.replace("after 15 minutes at most", "after 900 seconds at most"))
    assert CliRunner().invoke(cli, ["ingest", "--quiet", str(notes)]).exit_code == 0
    review("--stats", input="")
    now = listed()
    assert first.id not in {c["id"] for c in now} and not any("Lambda function run" in c["question"] for c in now)
    assert store.next_card().id == now[0]["id"] and "900 seconds" not in store.next_card().question


def test_stats_before_any_review_count_every_card_as_new(notes, isolated_home):
    cards = listed()
    result = review("--stats", input="")
    assert result.exit_code == 0, result.output
    assert f"Cards: {len(cards)} · due today: 0 · new: {len(cards)} · learned: 0 · learning: 0 · suspended: 0 · flagged: 0" in result.output
    assert "Lambda" in result.output and "Storage" in result.output and "Due in the coming week" in result.output
    assert log_rows(store_path(isolated_home)) == []


def test_a_finished_sitting_says_how_many_were_rated_and_when_the_next_is_due(notes, isolated_home):
    from app.config import Settings
    from app.review.session import ReviewSession
    from app.service import Study

    session = ReviewSession(Study(Settings(isolated_home, notes=notes, model="hash:256")), section="storage", fuzz=False)
    rated = 0
    while (due := session.next(NOW)) is not None:
        session.rate(due, GOOD, now=NOW)
        rated += 1
    done = session.finished(rated, NOW)
    lambda_cards = sum(1 for c in listed() if c["heading"].startswith("Lambda"))
    assert done.reviewed == rated > 0 and done.next_in == "in 10 minutes" and done.elsewhere == lambda_cards > 0


def test_a_note_without_headings_is_reviewed_and_counted_by_its_file_name(notes, isolated_home):
    (notes / "loose.txt").write_text("Glacier Deep Archive keeps archived objects for a minimum storage duration of 180 days.\n")
    assert CliRunner().invoke(cli, ["ingest", "--quiet", str(notes)]).exit_code == 0
    stats = review("--stats", input="").output
    assert "loose.txt" in stats and "(no heading)" not in stats
    result = review("--section", "loose.txt", "--limit", "1", input="\n3\n")
    assert result.exit_code == 0, result.output
    assert "180 days" in result.output and "Rated good." in result.output


def test_no_matching_section_names_the_sections(notes):
    result = review("--section", "xyz", input="")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: no section matches 'xyz'; sections: Lambda, Storage. "
                                     "Give part of one of them, or leave --section out.")


def test_show_answer_then_3_records_good(notes, isolated_home):
    cards = listed()
    result = review("--limit", "1", input="\n3\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Answer: {cards[0]['answer']}" in out and f"{cards[0]['source']}:{cards[0]['start_line']}" in out
    assert "again:" not in out and "easy:" not in out  # shown, not graded
    assert "1 again (in a minute)" in out and "4 easy (in " in out and "Rated good." in out
    assert log_rows(store_path(isolated_home)) == [(cards[0]["id"], GOOD, None, "")]


def test_typed_answer_then_enter_takes_the_suggestion_and_a_key_overrules_it(notes, isolated_home):
    cards = listed()
    result = review("--limit", "2", input=f"{cards[0]['answer']}\n\nsomething else entirely\n3\n")
    assert result.exit_code == 0, result.output
    assert "easy: exactly the answer" in result.output and "[4 easy (in " in result.output  # the suggestion marked
    assert log_rows(store_path(isolated_home)) == [(cards[0]["id"], EASY, EASY, cards[0]["answer"]),
                                                   (cards[1]["id"], GOOD, AGAIN, "something else entirely")]
    assert "Reviewed 2 card(s)" in result.output


def test_piped_answers_alone_still_review_one_card_per_line(notes, isolated_home):
    cards = listed()
    result = review("--limit", "2", input=f"{cards[0]['answer']}\nsomething else entirely\n")
    assert result.exit_code == 0, result.output
    assert [r[:3] for r in log_rows(store_path(isolated_home))] == [(cards[0]["id"], EASY, EASY), (cards[1]["id"], AGAIN, AGAIN)]


def test_s_suspends_f_flags_e_edits_and_q_quits(notes, isolated_home):
    cards = listed()
    result = review("--limit", "3", input="\ns\n\nf\ne\nWhat does an ENI stand for in a VPC?\n\n2\n\nq\n")
    assert result.exit_code == 0, result.output
    store = ReviewStore(store_path(isolated_home))
    assert store.note(cards[0]["id"]).suspended and f"--unsuspend {cards[0]['id']}" in result.output
    assert store.note(cards[1]["id"]).flagged
    assert store.note(cards[1]["id"]).question == "What does an ENI stand for in a VPC?"
    assert store.note(cards[1]["id"]).answer is None or store.note(cards[1]["id"]).answer == cards[1]["answer"]
    assert log_rows(store_path(isolated_home)) == [(cards[1]["id"], HARD, None, "")]  # the third card: quit unrated
    assert "Reviewed 1 card(s)" in result.output
    again = review("--limit", "1", input="q\n")
    assert cards[0]["question"] not in again.output  # suspended: not asked
    stats = review("--stats", input="").output
    assert "suspended: 1 · flagged: 1" in stats
    assert review("--unsuspend", cards[0]["id"], input="").exit_code == 0 and "suspended: 0" in review("--stats", input="").output
    bad = review("--unsuspend", "c-nope", input="")
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and "no card c-nope" in bad.stderr


# --- export ----------------------------------------------------------------------------------------------------

def test_anki_and_csv_exports_hold_one_note_per_card(notes, isolated_home, tmp_path):
    cards = listed()
    deck, table = tmp_path / "out" / "deck.apkg", tmp_path / "out" / "cards.csv"
    deck.parent.mkdir()
    result = CliRunner().invoke(cli, ["cards", "--anki", str(deck), "--csv", str(table)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(cards)} cards to {deck}" in result.output
    with zipfile.ZipFile(deck) as z:
        assert "collection.anki2" in z.namelist()
        z.extract("collection.anki2", tmp_path)
    with closing(sqlite3.connect(tmp_path / "collection.anki2")) as db:
        notes_in_deck = db.execute("SELECT guid, flds, tags FROM notes").fetchall()
    assert len(notes_in_deck) == len(cards) and {g for g, _, _ in notes_in_deck} == {c["id"] for c in cards}
    first = next(n for n in notes_in_deck if n[0] == cards[0]["id"])
    assert first[1].split("\x1f")[2] == f"{cards[0]['source']}:{cards[0]['start_line']}" and "Lambda" in first[2]
    lines = table.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["#separator:comma", "#html:false", "#columns:question,answer,citation,section,kind"]
    rows = list(csv.reader(lines[3:]))
    assert len(rows) == len(cards) and rows[0] == [cards[0]["question"], cards[0]["answer"],
                                                   f"{cards[0]['source']}:{cards[0]['start_line']}", "Lambda", cards[0]["kind"]]
    # a second export is the same deck: Anki updates the notes instead of adding copies
    again = tmp_path / "out" / "again.apkg"
    assert CliRunner().invoke(cli, ["cards", "--anki", str(again)]).exit_code == 0
    with zipfile.ZipFile(again) as z:
        (tmp_path / "again").mkdir()
        z.extract("collection.anki2", tmp_path / "again")
    with closing(sqlite3.connect(tmp_path / "again" / "collection.anki2")) as db, closing(sqlite3.connect(tmp_path / "collection.anki2")) as old:
        ids = [tuple(json.loads(text).keys()) for text in db.execute("SELECT decks, models FROM col").fetchone()]
        assert ids == [tuple(json.loads(text).keys()) for text in old.execute("SELECT decks, models FROM col").fetchone()]


def test_exports_leave_out_suspended_cards_and_keep_edits(notes, isolated_home, tmp_path):
    cards = listed()
    review("--stats", input="")
    store = ReviewStore(store_path(isolated_home))
    store.suspend(cards[0]["id"])
    store.edit(cards[1]["id"], "Reworded?", cards[1]["answer"])
    result = CliRunner().invoke(cli, ["cards", "--csv", str(tmp_path / "c.csv")])
    assert result.exit_code == 0 and "Left out 1 suspended card(s)." in result.output
    rows = list(csv.reader(tmp_path.joinpath("c.csv").read_text().splitlines()[3:]))
    assert len(rows) == len(cards) - 1 and rows[0][0] == "Reworded?"


@pytest.mark.parametrize("make_target, says", [
    (lambda tmp: tmp / "missing" / "deck.apkg", "does not exist; create it"),
    (lambda tmp: tmp / "a-file.txt" / "deck.apkg", "is not a folder"),
    (lambda tmp: tmp, "is a folder; give a file name inside it"),
    (lambda tmp: tmp / "deck.zip", "give a file name ending in .apkg"),
])
def test_a_bad_export_path_is_one_line_and_exit_1(notes, tmp_path, make_target, says):
    (tmp_path / "a-file.txt").write_text("x")
    result = CliRunner().invoke(cli, ["cards", "--anki", str(make_target(tmp_path))])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ") and says in result.stderr
    csv_result = CliRunner().invoke(cli, ["cards", "--csv", str(tmp_path / "missing" / "c.csv")])
    assert csv_result.exit_code == 1 and csv_result.stderr.count("\n") == 1 and "does not exist" in csv_result.stderr


def test_show_answer_then_enter_takes_good_as_anki_does(notes, isolated_home):
    cards = listed()
    result = review("--limit", "1", input="\n\n")
    assert result.exit_code == 0, result.output
    assert "[3 good (in " in result.output and "Enter: good, answer shown" in result.output
    assert log_rows(store_path(isolated_home)) == [(cards[0]["id"], GOOD, None, "")]
