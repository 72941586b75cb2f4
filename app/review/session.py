"""A review session: the next card, the reply graded against the notes, the card scheduled. CLI and web alike."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from .cards import Card, generate
from .grading import Grade, grade
from .store import ReviewStore, now_utc, store_path


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
        self.store = ReviewStore(store_path(study.home), fuzz=fuzz)
        self.cards = generate(study.searcher().chunks)
        self.store.sync(self.cards)

    def next(self, now: datetime | None = None) -> Card | None:
        return self.store.next_card(self.section, now)

    def answer(self, card: Card, reply: str, now: datetime | None = None) -> Feedback:
        embedder = self.study.query_embedder
        g = grade(card.answer, reply, embedder.embed)
        due = self.store.record(card, g, reply, now)
        return Feedback(card, reply, g, due)


class Sessions:
    """The review sessions of one server, one per section, cut from the live index (cards are cut once per index).

    Owned by the web page of a running server, not the module: two servers in one process keep their own.
    A session holds no reply of any browser (the page keeps its current card), so pages can share it.
    """

    def __init__(self, study):
        self.study = study
        self._sessions: dict[tuple[str, str], ReviewSession] = {}
        self._lock = threading.Lock()

    def get(self, section: str | None) -> ReviewSession:
        key = (str(self.study.searcher().index.folder), (section or "").strip())
        with self._lock:
            if key not in self._sessions:
                self._sessions = {k: v for k, v in self._sessions.items() if k[0] == key[0]}  # an older index's: done
                self._sessions[key] = ReviewSession(self.study, section=key[1] or None)
            return self._sessions[key]


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
