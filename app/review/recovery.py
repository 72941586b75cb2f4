"""Recovering a damaged review.sqlite: best effort, table by table and row by row.

The damaged file is moved aside (never deleted: it may hold what a better tool can still read), a fresh one is
started by the store, and whatever SQLite can still read of the old one is copied over. Schedules lost with it
are rebuilt by replaying the recovered reviews through FSRS.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path

# Columns copied out of a damaged file, table by table.
TABLES = {"cards": "id, card, section, position, active, added_at, retired_at",
          "state": "card_id, fsrs, due",
          "log": "id, card_id, rating, answer, score, reviewed_at, due_after"}


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


def salvage(aside: Path, path: Path, scheduler, timeout: float) -> tuple[int, int | None]:
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
    with closing(sqlite3.connect(path, timeout=timeout)) as db, db:
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
