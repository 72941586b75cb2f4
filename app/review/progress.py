"""Review progress as the student sees it: counts before any review, sections, reviews per day, the due forecast.

A mixin of ReviewStore (which gives it ``_connect``): the read-only queries behind `study review --stats` and the
Review tab, apart from the store's writes. The SQL naming the cards that may be asked lives here for both.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import date, datetime, time, timedelta, timezone

from .recovery import guarded as _guarded

# The cards that may be asked: still in the notes and not suspended (`c` is cards, `n` card_notes).
ASKABLE = "c.active=1 AND COALESCE(n.suspended, 0)=0"
WITH_NOTES = "cards c LEFT JOIN card_notes n ON n.card_id=c.id"
_HEADING = "json_extract(c.card, '$.heading')"
_SOURCE = "json_extract(c.card, '$.source')"
# The file name of the card's source ("notes/a/b.txt" -> "b.txt"): the part after the last "/", in plain SQL.
_FILE_NAME = f"replace({_SOURCE}, rtrim({_SOURCE}, replace({_SOURCE}, '/', '')), '')"
# What a card is picked and counted by: its heading path, or, for a card under no heading (a file without
# headings, or the lines before a file's first heading), its file name. Without the file name such cards could
# be listed but never picked on their own.
_WHERE = f"CASE WHEN {_HEADING}!='' THEN {_HEADING} ELSE {_FILE_NAME} END"
# A card's section, as the picker, the progress table and the plots name it: Card.section(), kept by every sync.
SECTION = "c.section"
IN_SECTION = f"instr(py_lower({_WHERE}), py_lower(?)) > 0"
# A card whose sibling (another card cut from the same sentence: a definition and its reverse, two blanks of one
# sentence) was rated today waits for tomorrow, as Anki buries siblings: seen an hour ago, its answer is no recall.
# Takes one argument, the JSON list of buried ids (buried_ids).
NOT_BURIED = "c.id NOT IN (SELECT value FROM json_each(?))"
_SIBLING = "json_extract(c.card, '$.sibling')"


def buried_ids(db: sqlite3.Connection, now: datetime) -> str:
    """The ids of the cards buried at ``now`` (NOT_BURIED's argument, a JSON list): each card sharing its sentence
    (Card.sibling) with another card rated since local midnight, unless it is in its learning steps (due again
    within a day of its own last review: a step of minutes is kept, as Anki keeps it). Worked out once per query: a
    per-card subquery over the log took seconds at a few thousand cards."""
    rated: dict[str, set[str]] = {}
    for card_id, sibling in db.execute(f"SELECT DISTINCT c.id, {_SIBLING} FROM log l JOIN cards c ON c.id=l.card_id "
                                       "WHERE l.reviewed_at>=?", (start_of_day(now).isoformat(),)):
        if sibling:
            rated.setdefault(sibling, set()).add(card_id)
    if not rated:
        return "[]"
    rows = db.execute(f"SELECT c.id, {_SIBLING}, s.due, (SELECT MAX(l.reviewed_at) FROM log l WHERE l.card_id=c.id) "
                      f"FROM cards c LEFT JOIN state s ON s.card_id=c.id WHERE c.active=1 "
                      f"AND {_SIBLING} IN (SELECT value FROM json_each(?))", (json.dumps(sorted(rated)),))
    return json.dumps([card_id for card_id, sibling, due, last in rows if rated[sibling] - {card_id}
                       and not (due and last and datetime.fromisoformat(due) - datetime.fromisoformat(last) < timedelta(days=1))])


# The rating of each card's latest review (log ids grow with each review; SQLite takes the bare column `rating`
# from the row holding MAX(id)).
LAST_RATING = "(SELECT card_id, rating, MAX(id) FROM log GROUP BY card_id)"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def local_now() -> datetime:
    """Now on this computer's clock: a day (today, the days of the plots) starts at local midnight, as the
    student's does and as the browser on this computer draws the plots' dates."""
    return datetime.now().astimezone()


def start_of_day(now: datetime) -> datetime:
    """The start of ``now``'s day on this computer's clock (local midnight), in UTC: when "today" began. Midnight
    takes its own offset from UTC, not now's (on the day clocks change the two differ by an hour)."""
    return as_utc(datetime.combine(now.astimezone().date(), time()).astimezone())


def as_utc(now: datetime | None) -> datetime:
    """FSRS wants UTC, and stored times compare as text: every time is kept in UTC (a naive one is taken as UTC)."""
    if now is None:
        return now_utc()
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)


class Progress:
    """Progress queries over review.sqlite; mixed into ReviewStore."""

    def _connect(self) -> sqlite3.Connection:  # pragma: no cover - ReviewStore's
        raise NotImplementedError

    @_guarded
    def stats(self, now: datetime | None = None) -> dict:
        """Counts for the progress view, true before any review. Active cards = new + learning + learned +
        suspended: new ones were never rated; learned ones were rated hard, good or easy at their latest review;
        learning ones were rated again at their latest review (forgotten, or not yet known: a new card rated again
        is not learned). Due today (by ``now``'s clock) counts the askable cards due before midnight. Then reviews
        done, retired cards, flagged cards, and per section its cards, reviews and retention (share rated good
        or easy)."""
        now = now or local_now()
        end_of_day = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo or timezone.utc)
        with closing(self._connect()) as db:
            cards, suspended, flagged, new, learned, due = db.execute(
                "SELECT COUNT(*), SUM(COALESCE(n.suspended, 0)), SUM(COALESCE(n.flagged, 0)), "
                f"SUM(CASE WHEN {ASKABLE} AND s.card_id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN {ASKABLE} AND last.rating>=2 THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN {ASKABLE} AND s.due<? THEN 1 ELSE 0 END) "
                f"FROM {WITH_NOTES} LEFT JOIN state s ON s.card_id=c.id "
                f"LEFT JOIN {LAST_RATING} last ON last.card_id=c.id WHERE c.active=1",
                (as_utc(end_of_day).isoformat(),)).fetchone()
            reviewed = db.execute("SELECT COUNT(*) FROM log").fetchone()[0]
            retired = db.execute("SELECT COUNT(*) FROM cards WHERE active=0").fetchone()[0]
            sections = db.execute(
                f"SELECT {SECTION}, COUNT(DISTINCT c.id), COUNT(l.id), SUM(CASE WHEN l.rating>=3 THEN 1 ELSE 0 END) "
                f"FROM cards c LEFT JOIN log l ON l.card_id=c.id WHERE c.active=1 GROUP BY {SECTION} "
                "ORDER BY MIN(c.position)").fetchall()
        suspended, new, learned = suspended or 0, new or 0, learned or 0
        return {"cards": cards, "due_today": due or 0, "new": new, "learning": cards - new - learned - suspended,
                "learned": learned, "suspended": suspended, "flagged": flagged or 0, "reviewed": reviewed,
                "retired": retired,
                "sections": [{"section": s, "cards": n, "reviews": r, "retention": (ok / r if r else None)} for s, n, r, ok in sections]}

    @_guarded
    def sections(self) -> list[tuple[str, int]]:
        """The sections (top headings; a file without headings by its file name) with cards that may be asked, in
        note order, each with its card count."""
        with closing(self._connect()) as db:
            return db.execute(f"SELECT {SECTION}, COUNT(*) FROM {WITH_NOTES} WHERE {ASKABLE} "
                              f"GROUP BY {SECTION} ORDER BY MIN(c.position)").fetchall()

    @_guarded
    def matching_sections(self, text: str) -> list[str]:
        """The sections holding a card whose heading path (or, under no heading, file name) contains ``text``
        (any case): what next_card(text) draws from."""
        with closing(self._connect()) as db:
            return [row[0] for row in db.execute(f"SELECT {SECTION} FROM {WITH_NOTES} WHERE {ASKABLE} AND {IN_SECTION} "
                                                 f"GROUP BY {SECTION} ORDER BY MIN(c.position)", (text,))]

    @_guarded
    def next_due(self, section: str | None = None, now: datetime | None = None) -> datetime | None:
        """When the soonest scheduled card (of the sections matching ``section``, if given) falls due, UTC; None
        when no card is scheduled. New cards are not scheduled: next_card gives them at once. A card buried for
        its sibling (buried_ids) can be asked from tomorrow on, whenever it is due."""
        now = as_utc(now)
        tomorrow = start_of_day(now + timedelta(days=1))
        where, args = ASKABLE, []
        if section:
            where, args = f"{ASKABLE} AND {IN_SECTION}", [section]
        with closing(self._connect()) as db:
            buried = buried_ids(db, now)
            row = db.execute(f"SELECT MIN(CASE WHEN NOT {NOT_BURIED} AND (s.due IS NULL OR s.due<?) THEN ? ELSE s.due END) "
                             f"FROM {WITH_NOTES} LEFT JOIN state s ON s.card_id=c.id "
                             f"WHERE {where} AND (s.card_id IS NOT NULL OR NOT {NOT_BURIED})",
                             [buried, tomorrow.isoformat(), tomorrow.isoformat(), *args, buried]).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    @_guarded
    def waiting(self, now: datetime | None = None) -> int:
        """How many cards may be asked right now, in any section: due by ``now``, or new, and not buried."""
        now = as_utc(now)
        with closing(self._connect()) as db:
            return db.execute(f"SELECT COUNT(*) FROM {WITH_NOTES} LEFT JOIN state s ON s.card_id=c.id "
                              f"WHERE {ASKABLE} AND {NOT_BURIED} AND (s.card_id IS NULL OR s.due<=?)",
                              (buried_ids(db, now), now.isoformat())).fetchone()[0]

    @_guarded
    def reviews_per_day(self, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
        """Reviews done on each of the last ``days`` days (by ``now``'s clock), oldest first, today last."""
        now = now or local_now()
        first = now.date() - timedelta(days=days - 1)
        since = as_utc(datetime.combine(first, time(), tzinfo=now.tzinfo or timezone.utc))
        with closing(self._connect()) as db:
            stamps = [row[0] for row in db.execute("SELECT reviewed_at FROM log WHERE reviewed_at>=?", (since.isoformat(),))]
        return self._per_day(first, days, [datetime.fromisoformat(s) for s in stamps], now)

    @_guarded
    def due_forecast(self, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
        """Cards falling due on each of the next ``days`` days (by ``now``'s clock), today first; overdue ones count
        today. New cards are not in it (stats()["new"] counts them)."""
        now = now or local_now()
        with closing(self._connect()) as db:
            stamps = [row[0] for row in db.execute(f"SELECT s.due FROM {WITH_NOTES} JOIN state s ON s.card_id=c.id "
                                                   f"WHERE {ASKABLE}")]
        return self._per_day(now.date(), days, [max(datetime.fromisoformat(s), as_utc(now)) for s in stamps], now)

    @staticmethod
    def _per_day(first: date, days: int, moments: list[datetime], now: datetime) -> list[tuple[date, int]]:
        counts = dict.fromkeys((first + timedelta(days=k) for k in range(days)), 0)
        for moment in moments:
            day = moment.astimezone(now.tzinfo or timezone.utc).date()
            if day in counts:
                counts[day] += 1
        return list(counts.items())
