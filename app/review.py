"""Review progress in SQLite (WAL), scheduled with FSRS, and a session that quizzes card by card."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .cards import Card, generate
from .grading import Grade, grade

SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    id TEXT PRIMARY KEY, card TEXT NOT NULL, section TEXT NOT NULL, position INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1, added_at TEXT NOT NULL, retired_at TEXT);
CREATE TABLE IF NOT EXISTS state (card_id TEXT PRIMARY KEY, fsrs TEXT NOT NULL, due TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, card_id TEXT NOT NULL, rating INTEGER NOT NULL, answer TEXT,
    score REAL, reviewed_at TEXT NOT NULL, due_after TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS state_due ON state(due);
"""


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class ReviewStore:
    """One SQLite file in the data folder; every call opens its own connection, so threads and processes can share it."""

    def __init__(self, path: Path, fuzz: bool = True):
        import fsrs

        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.scheduler = fsrs.Scheduler(enable_fuzzing=fuzz)
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA busy_timeout=10000")
        return db

    def sync(self, cards: list[Card]) -> tuple[int, int]:
        """Store new cards, retire those whose passage is gone; return (added, retired)."""
        stamp = now_utc().isoformat()
        with closing(self._connect()) as db, db:
            known = {row[0]: row[1] for row in db.execute("SELECT id, active FROM cards")}
            added = 0
            for position, card in enumerate(cards):
                payload = json.dumps(card.to_json(), ensure_ascii=False)
                if card.id in known:
                    db.execute("UPDATE cards SET card=?, position=?, active=1, retired_at=NULL WHERE id=?", (payload, position, card.id))
                else:
                    db.execute("INSERT INTO cards (id, card, section, position, added_at) VALUES (?,?,?,?,?)",
                               (card.id, payload, card.section(), position, stamp))
                    added += 1
            current = {c.id for c in cards}
            gone = [cid for cid, active in known.items() if active and cid not in current]
            db.executemany("UPDATE cards SET active=0, retired_at=? WHERE id=?", [(stamp, cid) for cid in gone])
        return added, len(gone)

    def next_card(self, section: str | None = None, now: datetime | None = None) -> Card | None:
        """The most overdue card, else the next new one, restricted to a section (text in its heading) if given."""
        now = now or now_utc()
        where, args = "c.active=1", []
        if section:
            where += " AND json_extract(c.card, '$.heading') LIKE ?"
            args.append(f"%{section}%")
        with closing(self._connect()) as db:
            row = db.execute(f"SELECT c.card FROM cards c JOIN state s ON s.card_id=c.id WHERE {where} AND s.due<=? "
                             "ORDER BY s.due LIMIT 1", (*args, now.isoformat())).fetchone()
            if row is None:
                row = db.execute(f"SELECT c.card FROM cards c LEFT JOIN state s ON s.card_id=c.id WHERE {where} "
                                 "AND s.card_id IS NULL ORDER BY c.position LIMIT 1", args).fetchone()
        return Card(**json.loads(row[0])) if row else None

    def record(self, card: Card, g: Grade, answer: str, now: datetime | None = None) -> datetime:
        """Schedule the card after a review; return when it is due next."""
        import fsrs

        now = now or now_utc()
        with closing(self._connect()) as db, db:
            row = db.execute("SELECT fsrs FROM state WHERE card_id=?", (card.id,)).fetchone()
            state = fsrs.Card.from_dict(json.loads(row[0])) if row else fsrs.Card(due=now)
            state, _ = self.scheduler.review_card(state, fsrs.Rating(g.rating), review_datetime=now)
            due = state.due.astimezone(timezone.utc)
            db.execute("INSERT OR REPLACE INTO state (card_id, fsrs, due) VALUES (?,?,?)",
                       (card.id, json.dumps(state.to_dict()), due.isoformat()))
            db.execute("INSERT INTO log (card_id, rating, answer, score, reviewed_at, due_after) VALUES (?,?,?,?,?,?)",
                       (card.id, g.rating, answer, g.score, now.isoformat(), due.isoformat()))
        return due

    def stats(self, now: datetime | None = None) -> dict:
        """Due today, new, reviewed, and per section: cards, reviews and retention (share rated good or easy)."""
        now = now or now_utc()
        end_of_day = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        with closing(self._connect()) as db:
            due = db.execute("SELECT COUNT(*) FROM state s JOIN cards c ON c.id=s.card_id WHERE c.active=1 AND s.due<?",
                             (end_of_day.isoformat(),)).fetchone()[0]
            new = db.execute("SELECT COUNT(*) FROM cards c LEFT JOIN state s ON s.card_id=c.id WHERE c.active=1 AND s.card_id IS NULL").fetchone()[0]
            reviewed = db.execute("SELECT COUNT(*) FROM log").fetchone()[0]
            retired = db.execute("SELECT COUNT(*) FROM cards WHERE active=0").fetchone()[0]
            sections = db.execute(
                "SELECT c.section, COUNT(DISTINCT c.id), COUNT(l.id), SUM(CASE WHEN l.rating>=3 THEN 1 ELSE 0 END) "
                "FROM cards c LEFT JOIN log l ON l.card_id=c.id WHERE c.active=1 GROUP BY c.section ORDER BY MIN(c.position)").fetchall()
        return {"due_today": due, "new": new, "reviewed": reviewed, "retired": retired,
                "sections": [{"section": s, "cards": n, "reviews": r, "retention": (ok / r if r else None)} for s, n, r, ok in sections]}

    def schedule(self, limit: int = 10) -> list[tuple[Card, datetime]]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT c.card, s.due FROM state s JOIN cards c ON c.id=s.card_id WHERE c.active=1 "
                              "ORDER BY s.due LIMIT ?", (limit,)).fetchall()
        return [(Card(**json.loads(card)), datetime.fromisoformat(due)) for card, due in rows]


@dataclass
class Feedback:
    card: Card
    answer: str
    grade: Grade
    due: datetime


class ReviewSession:
    """Quiz the student: next card, grade the reply, schedule it. Used by the CLI and the web UI alike."""

    def __init__(self, study, section: str | None = None, fuzz: bool = True):
        self.study = study
        self.section = section or None
        self.store = ReviewStore(study.home / "review.sqlite", fuzz=fuzz)
        self.cards = generate(study.searcher().chunks)
        self.store.sync(self.cards)

    def next(self, now: datetime | None = None) -> Card | None:
        return self.store.next_card(self.section, now)

    def answer(self, card: Card, reply: str, now: datetime | None = None) -> Feedback:
        embedder = self.study.query_embedder
        g = grade(card.answer, reply, embedder.embed)
        due = self.store.record(card, g, reply, now)
        return Feedback(card, reply, g, due)


def when(due: datetime, now: datetime | None = None) -> str:
    """'in 10 minutes', 'in 3 days'."""
    seconds = (due - (now or now_utc())).total_seconds()
    if seconds < 90:
        return "in a minute"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"in {n} {unit}{'s' if n != 1 else ''}"
    return "now"
