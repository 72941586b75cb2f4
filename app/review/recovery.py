"""When review.sqlite fails: damage is recovered from (best effort, table by table and row by row), any other
failure becomes one ReviewStoreError worded with what to do.

The damaged file is moved aside (never deleted: it may hold what a better tool can still read), a fresh one is
started by the store, and whatever SQLite can still read of the old one is copied over. Schedules lost with it
are rebuilt by replaying the recovered reviews through FSRS.
"""
from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path

# Columns copied out of a damaged file, table by table (a file older than a column or table gives NULL / nothing).
TABLES = {"cards": "id, card, section, position, active, added_at, retired_at",
          "state": "card_id, fsrs, due",
          "log": "id, card_id, rating, answer, score, reviewed_at, due_after, suggested",
          "card_notes": "card_id, suspended, flagged, question, answer, edited_at"}
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26  # primary result codes meaning "this file is damaged"


class ReviewStoreError(Exception):
    """review.sqlite cannot be used right now (locked, disk full, read-only...); the message says what to do."""


def is_damage(e: sqlite3.Error) -> bool:
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


def guarded(method):
    """For a store method: damage found mid-use is recovered from (``self._recover()``, then the call is retried
    once); other SQLite errors become one ReviewStoreError line."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            if not is_damage(e):
                raise ReviewStoreError(explain(self.path, e)) from None
        self._recover()
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise ReviewStoreError(explain(self.path, e)) from None

    return wrapper


@contextmanager
def lock(path: Path):
    """One recovery at a time per file, across processes, so a fresh file is never moved aside by a second one."""
    with open(path.with_name(path.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def move_aside(path: Path) -> Path:
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


def salvage(aside: Path, path: Path, review, timeout: float) -> tuple[int, int | None]:
    """Copy the readable rows of ``aside`` into the new file at ``path``; return (reviews recovered, reviews there were).

    ``review(card_id, fsrs_state_or_None, rating, at)`` is the store's scheduling step, used to rebuild lost schedules.
    """
    with tempfile.TemporaryDirectory() as tmp:  # read a scratch copy: the file kept aside stays as it was found
        scratch = Path(tmp) / "damaged.sqlite"
        shutil.copyfile(aside, scratch)
        if Path(f"{aside}-wal").exists():
            shutil.copyfile(f"{aside}-wal", f"{scratch}-wal")
        with closing(sqlite3.connect(scratch, timeout=1)) as old:
            old.execute("PRAGMA writable_schema=ON")  # else SQLite refuses a truncated file outright
            rows = {table: [r for r in _readable_rows(old, table, _present(old, table, cols)) if _valid(table, r)]
                    for table, cols in TABLES.items()}
            issued = _log_sequence(old)
    rows["state"] += _replayed_states(rows["log"], {r[0] for r in rows["state"]}, review)
    with closing(sqlite3.connect(path, timeout=timeout)) as db, db:
        for table, cols in TABLES.items():
            marks = ",".join("?" * len(cols.split(",")))
            db.executemany(f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", rows[table])
        recovered = db.execute("SELECT COUNT(*) FROM log").fetchone()[0]
    highest = max((r[0] for r in rows["log"]), default=0)
    return recovered, max(issued, highest) if issued is not None else None


def _present(db: sqlite3.Connection, table: str, cols: str) -> str | None:
    """The column list to read from a file that may predate some of them (NULL in their place), or None when the
    file has no such table. If its schema cannot be read, every column is asked for and what fails is lost."""
    try:
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    except sqlite3.Error:
        return cols
    if not have:
        return None
    return ", ".join(c if c in have else "NULL" for c in (c.strip() for c in cols.split(",")))


def _readable_rows(db: sqlite3.Connection, table: str, cols: str | None) -> list[tuple]:
    """Rows SQLite can still read: a scan from each end, then row by row (by rowid) across the damage between."""
    if cols is None:
        return []
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
            _id, card_id, rating, _answer, _score, reviewed_at, due_after, suggested = row
            datetime.fromisoformat(reviewed_at), datetime.fromisoformat(due_after)
            return isinstance(_id, int) and isinstance(card_id, str) and rating in (1, 2, 3, 4) and suggested in (None, 1, 2, 3, 4)
        if table == "card_notes":
            card_id, suspended, flagged, question, answer, edited_at = row
            texts = (question, answer, edited_at)
            return isinstance(card_id, str) and suspended in (0, 1) and flagged in (0, 1) and all(t is None or isinstance(t, str) for t in texts)
        if table == "state":
            card_id, state, due = row
            datetime.fromisoformat(due)
            return isinstance(card_id, str) and isinstance(json.loads(state), dict)
        card_id, card, section, position, active, added_at, _retired = row
        return isinstance(json.loads(card), dict) and isinstance(position, int) and active in (0, 1) and isinstance(added_at, str)
    except (TypeError, ValueError):
        return False


def _replayed_states(log: list[tuple], known: set[str], review) -> list[tuple]:
    """Schedules lost with the damaged file, rebuilt by replaying each card's recovered reviews through FSRS."""
    reviews: dict[str, list[tuple[datetime, int]]] = {}
    for _id, card_id, rating, _answer, _score, reviewed_at, _due, _suggested in log:
        if card_id not in known:
            reviews.setdefault(card_id, []).append((datetime.fromisoformat(reviewed_at), rating))
    states = []
    for card_id, done in reviews.items():
        done.sort()
        state = None
        for at, rating in done:
            state = review(card_id, state, rating, at.astimezone(timezone.utc))
        due = state.due.astimezone(timezone.utc)
        states.append((card_id, json.dumps(state.to_dict()), due.isoformat()))
    return states


def message(path: Path, aside: Path, recovered: int, total: int | None) -> str:
    """What the student is told: where the damaged file went and how many reviews were kept."""
    if total and total > recovered:
        saved = f"recovered {recovered} of {total} reviews"
    elif recovered:
        saved = f"recovered all {recovered} reviews" if total == recovered else f"recovered {recovered} reviews"
    else:
        saved = "no reviews could be recovered"
    return (f"{path.name} was damaged; moved it to {aside.name} and started a new one; {saved} "
            "(cards are regenerated from your notes)")
