"""Review progress in SQLite (WAL), scheduled with FSRS: cards, each card's state, the log of reviews, and the
student's own marks on a card (suspended, flagged, reworded).

A damaged file is moved aside and salvaged (review.recovery); any other SQLite failure becomes one
ReviewStoreError whose message says what to do.

Fuzz (the small random spread FSRS adds to long intervals so cards learned together do not all fall due on one
day) is drawn from the card id and its last review, not at random: the intervals ``preview`` shows are then
exactly what rating the card does.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import recovery
from .recovery import ReviewStoreError, explain  # noqa: F401 - the store's errors, imported from here by its callers
from .recovery import guarded as _guarded, is_damage as _is_damage
from .cards import Card
from .progress import ASKABLE, IN_SECTION, NOT_BURIED, WITH_NOTES, Progress, as_utc, buried_ids, now_utc
from .grading import Grade

SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    id TEXT PRIMARY KEY, card TEXT NOT NULL, section TEXT NOT NULL, position INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1, added_at TEXT NOT NULL, retired_at TEXT);
CREATE TABLE IF NOT EXISTS state (card_id TEXT PRIMARY KEY, fsrs TEXT NOT NULL, due TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, card_id TEXT NOT NULL, rating INTEGER NOT NULL, answer TEXT,
    score REAL, reviewed_at TEXT NOT NULL, due_after TEXT NOT NULL, suggested INTEGER);
CREATE INDEX IF NOT EXISTS state_due ON state(due);
CREATE INDEX IF NOT EXISTS log_card ON log(card_id);
CREATE INDEX IF NOT EXISTS log_time ON log(reviewed_at);
CREATE TABLE IF NOT EXISTS card_notes (
    card_id TEXT PRIMARY KEY, suspended INTEGER NOT NULL DEFAULT 0, flagged INTEGER NOT NULL DEFAULT 0,
    question TEXT, answer TEXT, edited_at TEXT);
"""
# Columns added since the first release: a file written before them gets them on open.
ADDED_COLUMNS = {"log": {"suggested": "INTEGER"}}
# Fuzz ranges (as Anki's and FSRS's): from `start` days on, each day of interval adds `factor` days of spread.
FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, float("inf"), 0.05))
_RECOVERED: dict[Path, str] = {}  # file -> recovery message, for every store of this process to show


class UnknownCard(ValueError):
    """A card id review.sqlite does not hold (the notes changed, or the id is mistyped)."""


@dataclass(frozen=True)
class CardNote:
    """What the student did to one card: set it aside, flagged it, or reworded it (None: the generated text)."""

    card_id: str
    suspended: bool = False
    flagged: bool = False
    question: str | None = None
    answer: str | None = None
    edited_at: str | None = None

    def apply(self, card: Card) -> Card:
        """The card as the student reworded it."""
        return _reworded(card, self.question, self.answer)


def _card_id(card: Card | str) -> str:
    return card if isinstance(card, str) else card.id


def _reworded(card: Card, question: str | None, answer: str | None) -> Card:
    return replace(card, question=question or card.question, answer=answer or card.answer)


def _read_card(payload: str, question: str | None = None, answer: str | None = None) -> Card:
    return _reworded(Card(**json.loads(payload)), question, answer)


def store_path(home: Path) -> Path:
    """Where review progress lives in a data folder."""
    return home / "review.sqlite"


class ReviewStore(Progress):
    """One SQLite file in the data folder; every call opens its own connection, so threads and processes can share it."""

    TIMEOUT = 10.0  # seconds to wait for another writer before giving up

    def __init__(self, path: Path, fuzz: bool = True):
        import fsrs

        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fuzz = fuzz
        self.scheduler = fsrs.Scheduler(enable_fuzzing=False)  # fuzz is ours, drawn from the card (see next_state)
        if self._damage() is not None:
            self._recover()
        self._create()
        # What the student should be told about a damaged file moved aside (by this store or an earlier one
        # of this process), else None.
        self.recovered: str | None = _RECOVERED.get(path.resolve())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.TIMEOUT)
        db.execute(f"PRAGMA busy_timeout={int(self.TIMEOUT * 1000)}")
        # SQLite's lower() folds ASCII only; section names may be in any language.
        db.create_function("py_lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True)
        return db

    def _create(self) -> None:
        try:
            with closing(self._connect()) as db, db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                for table, columns in ADDED_COLUMNS.items():
                    have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                    for name, kind in columns.items():
                        if name not in have:
                            try:
                                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                            except sqlite3.OperationalError as e:  # another process added it a moment ago
                                if "duplicate column" not in str(e):
                                    raise
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
                    recovered, total = recovery.salvage(aside, self.path, self.next_state, self.TIMEOUT)
                except (OSError, sqlite3.Error):  # e.g. no room for the scratch copy: the new file still works
                    recovered, total = 0, None
        except OSError as e:
            raise ReviewStoreError(f"{self.path} is damaged and could not be moved aside ({e.strerror or e}); "
                                   "move it away yourself and try again") from None
        self.recovered = _RECOVERED[self.path.resolve()] = recovery.message(self.path, aside, recovered, total)

    def next_state(self, card_id: str, state, rating: int, now: datetime):
        """The FSRS state after rating the card at ``now`` (UTC; ``state`` None: a new card), fuzzed reproducibly."""
        import fsrs

        before = state or fsrs.Card(due=now)
        after, _ = self.scheduler.review_card(before, fsrs.Rating(rating), review_datetime=now)
        if self.fuzz and after.state == fsrs.State.Review:
            seed = f"{card_id}|{before.last_review.isoformat() if before.last_review else 'new'}"
            after.due = now + self._fuzzed(after.due - now, seed)
        return after

    def _fuzzed(self, interval: timedelta, seed: str) -> timedelta:
        """A day count within FSRS's fuzz range, picked by a hash of ``seed``: the same review, the same interval."""
        days = interval.days
        if days < 2.5:
            return interval
        spread = 1.0 + sum(factor * max(min(float(days), end) - start, 0.0) for start, end, factor in FUZZ_RANGES)
        most = min(round(days + spread), self.scheduler.maximum_interval)
        least = min(max(2, round(days - spread)), most)
        draw = int(hashlib.sha1(seed.encode()).hexdigest()[:8], 16) / 2**32
        return timedelta(days=least + int(draw * (most - least + 1)))

    @staticmethod
    def _state(db: sqlite3.Connection, card_id: str):
        import fsrs

        row = db.execute("SELECT fsrs FROM state WHERE card_id=?", (card_id,)).fetchone()
        return fsrs.Card.from_dict(json.loads(row[0])) if row else None

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
                    # the section follows the card's heading (renamed, or a file without headings named by the file)
                    db.execute("UPDATE cards SET card=?, section=?, position=?, active=1, retired_at=NULL WHERE id=?",
                               (payload, card.section(), position, card.id))
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
        """The most overdue card, else the next new one, restricted to a section (text in its heading, any case) if
        given. Suspended cards are never returned; a reworded one comes with the student's wording."""
        now = as_utc(now)
        where, args = f"{ASKABLE} AND {NOT_BURIED}", []
        if section:
            where += f" AND {IN_SECTION}"
            args.append(section)
        with closing(self._connect()) as db:
            args.insert(0, buried_ids(db, now))
            row = db.execute(f"SELECT c.card, n.question, n.answer FROM {WITH_NOTES} JOIN state s ON s.card_id=c.id "
                             f"WHERE {where} AND s.due<=? ORDER BY s.due LIMIT 1", (*args, now.isoformat())).fetchone()
            if row is None:
                row = db.execute(f"SELECT c.card, n.question, n.answer FROM {WITH_NOTES} LEFT JOIN state s ON s.card_id=c.id "
                                 f"WHERE {where} AND s.card_id IS NULL ORDER BY c.position LIMIT 1", args).fetchone()
        return _read_card(*row) if row else None

    @_guarded
    def preview(self, card: Card, now: datetime | None = None) -> dict[int, datetime]:
        """When each rating (1 again .. 4 easy) would make the card due, without recording anything; rating it at
        the same moment gives exactly these dates (the fuzz is drawn from the card, not at random)."""
        now = as_utc(now)
        with closing(self._connect()) as db:
            state = self._state(db, card.id)
        return {rating: self.next_state(card.id, state, rating, now).due.astimezone(timezone.utc) for rating in (1, 2, 3, 4)}

    def record(self, card: Card, g: Grade, answer: str, now: datetime | None = None) -> datetime:
        """Schedule the card with its suggested grade; return when it is due next."""
        return self.rate(card, g.rating, answer, now, suggested=g)

    @_guarded
    def rate(self, card: Card, rating: int, answer: str = "", now: datetime | None = None,
             suggested: Grade | None = None) -> datetime:
        """Schedule the card with the rating the student chose (1 again .. 4 easy); return when it is due next.

        The log keeps the chosen rating and, when the reply was graded, the suggested one and its score.
        """
        if rating not in (1, 2, 3, 4):
            raise ValueError(f"rating must be 1, 2, 3 or 4, not {rating!r}")
        now = as_utc(now)
        with closing(self._connect()) as db, db:
            db.execute("BEGIN IMMEDIATE")  # read and write the card's state as one step, whoever else reviews it
            state = self.next_state(card.id, self._state(db, card.id), rating, now)
            due = state.due.astimezone(timezone.utc)
            db.execute("INSERT OR REPLACE INTO state (card_id, fsrs, due) VALUES (?,?,?)",
                       (card.id, json.dumps(state.to_dict()), due.isoformat()))
            db.execute("INSERT INTO log (card_id, rating, suggested, answer, score, reviewed_at, due_after) "
                       "VALUES (?,?,?,?,?,?,?)", (card.id, rating, suggested.rating if suggested else None, answer,
                                                 suggested.score if suggested else None, now.isoformat(), due.isoformat()))
        return due

    # --- the student's marks on a card -------------------------------------------------------------------------

    @_guarded
    def _mark(self, card: Card | str, column: str, value) -> None:
        card_id = _card_id(card)
        with closing(self._connect()) as db, db:
            if db.execute("SELECT 1 FROM cards WHERE id=?", (card_id,)).fetchone() is None:
                raise self._unknown(card_id)
            db.execute(f"INSERT INTO card_notes (card_id, {column}) VALUES (?, ?) "
                       f"ON CONFLICT(card_id) DO UPDATE SET {column}=excluded.{column}", (card_id, value))

    def _unknown(self, card_id: str) -> UnknownCard:
        return UnknownCard(f"no card {card_id} in {self.path}; `study cards --json` lists the cards and their ids")

    def suspend(self, card: Card | str) -> None:
        """Never ask this card again (until unsuspended)."""
        self._mark(card, "suspended", 1)

    def unsuspend(self, card: Card | str) -> None:
        self._mark(card, "suspended", 0)

    @_guarded
    def unsuspend_all(self) -> int:
        """Bring every suspended card back; return how many."""
        with closing(self._connect()) as db, db:
            return db.execute("UPDATE card_notes SET suspended=0 WHERE suspended=1").rowcount

    def flag(self, card: Card | str) -> None:
        """Mark the card for a look later (a wrong or unclear card, say); it is still asked."""
        self._mark(card, "flagged", 1)

    def unflag(self, card: Card | str) -> None:
        self._mark(card, "flagged", 0)

    @_guarded
    def edit(self, card: Card | str, question: str, answer: str) -> Card:
        """Reword the card's question and answer; return the card as it now reads.

        Kept under the card's id, which hashes what the card was cut from: the wording stays while that line of the
        notes is unchanged, and no longer applies once it changes (the card is then a new one). Giving back the
        generated text undoes the edit.
        """
        question, answer = " ".join((question or "").split()), " ".join((answer or "").split())
        if not question or not answer:
            raise ValueError("a card needs both a question and an answer; leave a part as it was rather than empty")
        card_id = _card_id(card)
        with closing(self._connect()) as db, db:
            row = db.execute("SELECT card FROM cards WHERE id=?", (card_id,)).fetchone()
            if row is None:
                raise self._unknown(card_id)
            made = Card(**json.loads(row[0]))
            wording = (None, None) if (question, answer) == (made.question, made.answer) else (question, answer)
            stamp = None if wording == (None, None) else now_utc().isoformat()
            db.execute("INSERT INTO card_notes (card_id, question, answer, edited_at) VALUES (?,?,?,?) ON CONFLICT(card_id) "
                       "DO UPDATE SET question=excluded.question, answer=excluded.answer, edited_at=excluded.edited_at",
                       (card_id, *wording, stamp))
        return replace(made, question=question, answer=answer)

    @_guarded
    def notes(self) -> dict[str, CardNote]:
        """Every card the student suspended, flagged or reworded, by card id."""
        with closing(self._connect()) as db:
            rows = db.execute("SELECT card_id, suspended, flagged, question, answer, edited_at FROM card_notes").fetchall()
        return {r[0]: CardNote(r[0], bool(r[1]), bool(r[2]), r[3], r[4], r[5]) for r in rows}

    @_guarded
    def note(self, card: Card | str) -> CardNote:
        """What the student did to this card (all off when nothing)."""
        card_id = _card_id(card)
        with closing(self._connect()) as db:
            r = db.execute("SELECT card_id, suspended, flagged, question, answer, edited_at FROM card_notes WHERE card_id=?",
                           (card_id,)).fetchone()
        return CardNote(r[0], bool(r[1]), bool(r[2]), r[3], r[4], r[5]) if r else CardNote(card_id)

    @_guarded
    def schedule(self, limit: int = 10) -> list[tuple[Card, datetime]]:
        """The next cards to fall due (suspended ones left out), with when, soonest first."""
        with closing(self._connect()) as db:
            rows = db.execute(f"SELECT c.card, n.question, n.answer, s.due FROM {WITH_NOTES} JOIN state s ON s.card_id=c.id "
                              f"WHERE {ASKABLE} ORDER BY s.due LIMIT ?", (limit,)).fetchall()
        return [(_read_card(card, q, a), datetime.fromisoformat(due)) for card, q, a, due in rows]
