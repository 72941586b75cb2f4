"""Review progress in SQLite (WAL), scheduled with FSRS: cards, each card's state, and the log of reviews.

A damaged file is moved aside and salvaged (review.recovery); any other SQLite failure becomes one
ReviewStoreError whose message says what to do.
"""
from __future__ import annotations

import functools
import json
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import recovery
from .cards import Card
from .grading import Grade

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
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26  # primary result codes meaning "this file is damaged"
_RECOVERED: dict[Path, str] = {}  # file -> recovery message, for every store of this process to show


class ReviewStoreError(Exception):
    """review.sqlite cannot be used right now (locked, disk full, read-only...); the message says what to do."""


def _is_damage(e: sqlite3.Error) -> bool:
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)
    text = str(e).lower()
    return "malformed" in text or "not a database" in text


def explain(path: Path, e: Exception) -> str:
    """One line for a review.sqlite failure that is not damage: what happened and what to do."""
    text = " ".join(str(e).split())[:200]
    code = (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF
    lowered = text.lower()
    if code in (5, 6) or "locked" in lowered or "busy" in lowered:
        why = "it is locked by another program; finish the other review (or stop `study serve`) and try again"
    elif code == 13 or "full" in lowered:
        why = "the disk is full; free some space and try again"
    elif code == 8 or "readonly" in lowered or "read-only" in lowered:
        why = "it is read-only; make it and its folder writable and try again"
    else:
        why = f"{text or type(e).__name__}; check the disk and the folder's permissions and try again"
    return f"cannot use {path}: {why}"


def _guarded(method):
    """Damage found mid-use is recovered from (and the call retried once); other SQLite errors become one line."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            if not _is_damage(e):
                raise ReviewStoreError(explain(self.path, e)) from None
        self._recover()
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise ReviewStoreError(explain(self.path, e)) from None

    return wrapper


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def store_path(home: Path) -> Path:
    """Where review progress lives in a data folder."""
    return home / "review.sqlite"


class ReviewStore:
    """One SQLite file in the data folder; every call opens its own connection, so threads and processes can share it."""

    TIMEOUT = 10.0  # seconds to wait for another writer before giving up

    def __init__(self, path: Path, fuzz: bool = True):
        import fsrs

        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.scheduler = fsrs.Scheduler(enable_fuzzing=fuzz)
        if self._damage() is not None:
            self._recover()
        self._create()
        # What the student should be told about a damaged file moved aside (by this store or an earlier one
        # of this process), else None.
        self.recovered: str | None = _RECOVERED.get(path.resolve())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.TIMEOUT)
        db.execute(f"PRAGMA busy_timeout={int(self.TIMEOUT * 1000)}")
        return db

    def _create(self) -> None:
        try:
            with closing(self._connect()) as db, db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
        except sqlite3.Error as e:
            raise ReviewStoreError(explain(self.path, e)) from None

    def _damage(self, thorough: bool = False) -> str | None:
        """Why the file is damaged (not a database, fails quick_check or integrity_check), or None if it is sound."""
        check = "integrity_check" if thorough else "quick_check"  # quick_check skips index contents: fast enough for every open
        try:
            with closing(self._connect()) as db:
                problems = [row[0] for row in db.execute(f"PRAGMA {check}(3)")]
        except sqlite3.Error as e:
            if _is_damage(e):
                return str(e)
            raise ReviewStoreError(explain(self.path, e)) from None
        return None if problems == ["ok"] else "; ".join(problems)

    def _recover(self) -> None:
        """Move the damaged file aside, start a new one, and copy into it whatever reviews can still be read."""
        try:
            with recovery.lock(self.path):
                if self._damage(thorough=True) is None:
                    return  # another process (or thread) has just recovered it
                aside = recovery.move_aside(self.path)
                self._create()
                try:
                    recovered, total = recovery.salvage(aside, self.path, self.scheduler, self.TIMEOUT)
                except (OSError, sqlite3.Error):  # e.g. no room for the scratch copy: the new file still works
                    recovered, total = 0, None
        except OSError as e:
            raise ReviewStoreError(f"{self.path} is damaged and could not be moved aside ({e.strerror or e}); "
                                   "move it away yourself and try again") from None
        self.recovered = _RECOVERED[self.path.resolve()] = recovery.message(self.path, aside, recovered, total)

    @_guarded
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

    @_guarded
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

    @_guarded
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

    @_guarded
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

    @_guarded
    def schedule(self, limit: int = 10) -> list[tuple[Card, datetime]]:
        with closing(self._connect()) as db:
            rows = db.execute("SELECT c.card, s.due FROM state s JOIN cards c ON c.id=s.card_id WHERE c.active=1 "
                              "ORDER BY s.due LIMIT ?", (limit,)).fetchall()
        return [(Card(**json.loads(card)), datetime.fromisoformat(due)) for card, due in rows]
