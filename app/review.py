"""Review progress in SQLite (WAL), scheduled with FSRS, and a session that quizzes card by card."""
from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing, contextmanager
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
# Columns copied out of a damaged file, table by table.
TABLES = {"cards": "id, card, section, position, active, added_at, retired_at",
          "state": "card_id, fsrs, due",
          "log": "id, card_id, rating, answer, score, reviewed_at, due_after"}
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
            with _recovery_lock(self.path):
                if self._damage(thorough=True) is None:
                    return  # another process (or thread) has just recovered it
                aside = _move_aside(self.path)
                self._create()
                try:
                    recovered, total = _salvage(aside, self.path, self.scheduler)
                except (OSError, sqlite3.Error):  # e.g. no room for the scratch copy: the new file still works
                    recovered, total = 0, None
        except OSError as e:
            raise ReviewStoreError(f"{self.path} is damaged and could not be moved aside ({e.strerror or e}); "
                                   "move it away yourself and try again") from None
        self.recovered = _RECOVERED[self.path.resolve()] = _message(self.path, aside, recovered, total)

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


# Recovering a damaged file: best effort, table by table and row by row.

@contextmanager
def _recovery_lock(path: Path):
    """One recovery at a time per file, across processes, so a fresh file is never moved aside by a second one."""
    with open(path.with_name(path.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _move_aside(path: Path) -> Path:
    """Rename the file (and its -wal/-shm, which SQLite finds by name) to review.sqlite.damaged-YYYYmmdd-HHMMSS."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


def _salvage(aside: Path, path: Path, scheduler) -> tuple[int, int | None]:
    """Copy the readable rows of ``aside`` into the new file at ``path``; return (reviews recovered, reviews there were)."""
    with tempfile.TemporaryDirectory() as tmp:  # read a scratch copy: the file kept aside stays as it was found
        scratch = Path(tmp) / "damaged.sqlite"
        shutil.copyfile(aside, scratch)
        if Path(f"{aside}-wal").exists():
            shutil.copyfile(f"{aside}-wal", f"{scratch}-wal")
        with closing(sqlite3.connect(scratch, timeout=1)) as old:
            old.execute("PRAGMA writable_schema=ON")  # else SQLite refuses a truncated file outright
            rows = {table: [r for r in _readable_rows(old, table, cols) if _valid(table, r)] for table, cols in TABLES.items()}
            issued = _log_sequence(old)
    rows["state"] += _replayed_states(rows["log"], {r[0] for r in rows["state"]}, scheduler)
    with closing(sqlite3.connect(path, timeout=ReviewStore.TIMEOUT)) as db, db:
        for table, cols in TABLES.items():
            marks = ",".join("?" * len(cols.split(",")))
            db.executemany(f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", rows[table])
        recovered = db.execute("SELECT COUNT(*) FROM log").fetchone()[0]
    highest = max((r[0] for r in rows["log"]), default=0)
    return recovered, max(issued, highest) if issued is not None else None


def _readable_rows(db: sqlite3.Connection, table: str, cols: str) -> list[tuple]:
    """Rows SQLite can still read: a scan from each end, then row by row (by rowid) across the damage between."""
    up, whole = _scan(db, f"SELECT rowid, {cols} FROM {table} ORDER BY rowid")
    if whole:
        return list(up.values())
    down, whole = _scan(db, f"SELECT rowid, {cols} FROM {table} ORDER BY rowid DESC")
    found = up | down
    if not whole:
        ids = sorted(found)
        gaps = [(a, b) for a, b in zip([0, *ids], ids) if b - a > 1]
        if not down:  # the damage reaches the last rows: look a little past the last one read
            gaps.append((ids[-1] if ids else 0, (ids[-1] if ids else 0) + 5_000))
        _probe(db, f"SELECT rowid, {cols} FROM {table} WHERE rowid=?", gaps, found)
    return list(found.values())


def _scan(db: sqlite3.Connection, sql: str) -> tuple[dict[int, tuple], bool]:
    """Rows by rowid until the end (True) or until a damaged page stops the scan (False)."""
    found: dict[int, tuple] = {}
    try:
        for row in db.execute(sql):
            found[row[0]] = row[1:]
    except sqlite3.Error:
        return found, False
    return found, True


def _probe(db: sqlite3.Connection, sql: str, gaps: list[tuple[int, int]], found: dict[int, tuple], budget: int = 100_000) -> None:
    """Look up each rowid inside the gaps (ends excluded); a lookup that hits the damage just misses."""
    for low, high in gaps:
        for rowid in range(low + 1, high):
            budget -= 1
            if budget < 0:
                return
            try:
                row = db.execute(sql, (rowid,)).fetchone()
            except sqlite3.Error:
                continue
            if row:
                found[row[0]] = row[1:]


def _log_sequence(db: sqlite3.Connection) -> int | None:
    """How many reviews were ever logged (AUTOINCREMENT's counter; log rows are never deleted), if readable."""
    try:
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name='log'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row and isinstance(row[0], int) else None


def _valid(table: str, row: tuple) -> bool:
    """A row read from a damaged page may hold garbage: keep only rows the store can use."""
    try:
        if table == "log":
            _id, card_id, rating, _answer, _score, reviewed_at, due_after = row
            datetime.fromisoformat(reviewed_at), datetime.fromisoformat(due_after)
            return isinstance(_id, int) and isinstance(card_id, str) and rating in (1, 2, 3, 4)
        if table == "state":
            card_id, state, due = row
            datetime.fromisoformat(due)
            return isinstance(card_id, str) and isinstance(json.loads(state), dict)
        card_id, card, section, position, active, added_at, _retired = row
        return isinstance(json.loads(card), dict) and isinstance(position, int) and active in (0, 1) and isinstance(added_at, str)
    except (TypeError, ValueError):
        return False


def _replayed_states(log: list[tuple], known: set[str], scheduler) -> list[tuple]:
    """Schedules lost with the damaged file, rebuilt by replaying each card's recovered reviews through FSRS."""
    import fsrs

    reviews: dict[str, list[tuple[datetime, int]]] = {}
    for _id, card_id, rating, _answer, _score, reviewed_at, _due in log:
        if card_id not in known:
            reviews.setdefault(card_id, []).append((datetime.fromisoformat(reviewed_at), rating))
    states = []
    for card_id, done in reviews.items():
        done.sort()
        state = fsrs.Card(due=done[0][0])
        for at, rating in done:
            state, _ = scheduler.review_card(state, fsrs.Rating(rating), review_datetime=at)
        due = state.due.astimezone(timezone.utc)
        states.append((card_id, json.dumps(state.to_dict()), due.isoformat()))
    return states


def _message(path: Path, aside: Path, recovered: int, total: int | None) -> str:
    if total and total > recovered:
        saved = f"recovered {recovered} of {total} reviews"
    elif recovered:
        saved = f"recovered all {recovered} reviews" if total == recovered else f"recovered {recovered} reviews"
    else:
        saved = "no reviews could be recovered"
    return (f"{path.name} was damaged; moved it to {aside.name} and started a new one; {saved} "
            "(cards are regenerated from your notes)")


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
