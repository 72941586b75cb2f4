"""A review session: the next card, the reply graded against the notes (a suggestion), the rating the student
picks, the card scheduled. CLI and web alike."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from .cards import Card, generate
from .grading import GOOD, Grade, abbreviations, grade
from .store import ReviewStore, now_utc, store_path


@dataclass
class Feedback:
    """A card answered (or its answer shown), what each rating would do, and once rated, the outcome."""

    card: Card
    answer: str  # the student's reply ("" when the answer was only shown)
    grade: Grade | None  # the suggested grade; None when the answer was shown without a reply
    due: datetime | None = None  # when the card is due again, once a rating is recorded
    intervals: dict[int, str] = field(default_factory=dict)  # rating 1-4 -> "in 10 minutes", "in 3 days"
    dues: dict[int, datetime] = field(default_factory=dict)  # rating 1-4 -> the due date it gives
    rating: int | None = None  # the rating recorded, None until then

    @property
    def suggested(self) -> int | None:
        return self.grade.rating if self.grade else None

    @property
    def preselected(self) -> int:
        """The rating one key takes: the graded reply's, or, when the answer was only shown, good (the student
        judges themselves, and good is what Anki's space bar gives after "show answer")."""
        return self.suggested or GOOD


@dataclass(frozen=True)
class Finished:
    """A sitting with no card left to ask now: how it went and when there is more."""

    reviewed: int  # cards rated in this sitting
    next_due: datetime | None  # when the soonest scheduled card of the session's sections falls due (None: none is)
    elsewhere: int  # cards that may be asked now in other sections (0 for a session over all sections)
    now: datetime

    @property
    def next_in(self) -> str | None:
        """'in 10 minutes', 'in 3 days'; None when no card is scheduled."""
        return when(self.next_due, self.now) if self.next_due else None


class ReviewSession:
    """Quiz the student: next card, grade the reply, schedule it. Used by the CLI and the web UI alike."""

    def __init__(self, study, section: str | None = None, fuzz: bool = True):
        self.study = study
        self.section = section or None
        self.store = ReviewStore(store_path(study.home), fuzz=fuzz)
        chunks = study.searcher().chunks
        self.cards = generate(chunks)
        self.store.sync(self.cards)
        self.aliases = _aliases(chunks)

    def next(self, now: datetime | None = None) -> Card | None:
        return self.store.next_card(self.section, now)

    def finished(self, reviewed: int, now: datetime | None = None) -> Finished:
        """What to tell the student once next() has no card: ``reviewed`` cards rated in this sitting, when the
        next one falls due, and how many wait in other sections."""
        now = now or now_utc()
        return Finished(reviewed, self.store.next_due(self.section, now), self.store.waiting(now) if self.section else 0, now)

    def _outlook(self, card: Card, now: datetime | None) -> tuple[dict[int, datetime], dict[int, str]]:
        now = now or now_utc()
        dues = self.store.preview(card, now)
        return dues, {rating: when(due, now) for rating, due in dues.items()}

    def reveal(self, card: Card, now: datetime | None = None) -> Feedback:
        """"Show answer": no reply, no grade, nothing recorded; the intervals each rating would give."""
        dues, intervals = self._outlook(card, now)
        return Feedback(card, "", None, intervals=intervals, dues=dues)

    def answer(self, card: Card, reply: str, now: datetime | None = None, record: bool = True) -> Feedback:
        """Grade the reply against the card's answer and give what each rating would do.

        With ``record`` (the default, as before ratings could be chosen) the suggested grade is recorded at once;
        with ``record=False`` nothing is written and ``rate`` records the student's choice afterwards.
        """
        g = grade(card.answer, reply, self.study.query_embedder.embed, aliases=self.aliases, question=card.question)
        dues, intervals = self._outlook(card, now)
        feedback = Feedback(card, reply, g, intervals=intervals, dues=dues)
        if record:
            feedback.due, feedback.rating = self.store.rate(card, g.rating, reply, now, suggested=g), g.rating
        return feedback

    def rate(self, card: Card, rating: int, reply: str = "", suggested: Grade | None = None,
             now: datetime | None = None) -> Feedback:
        """Record the rating the student chose (1 again .. 4 easy); the log keeps the suggested grade beside it.
        The Feedback's ``intervals`` then holds just the chosen rating, counted from this moment."""
        now = now or now_utc()
        due = self.store.rate(card, rating, reply, now, suggested=suggested)
        return Feedback(card, reply, suggested, due=due, intervals={rating: when(due, now)}, dues={rating: due}, rating=rating)


def grade_reply(study, card_id: str, reply: str) -> tuple[Card, Grade] | None:
    """The grade ``reply`` earns on card ``card_id`` (as the student worded it, if they edited it), exactly as a
    review would suggest it, with nothing recorded: no schedule, no log. None when no card has that id."""
    chunks = study.searcher().chunks
    card = next((c for c in generate(chunks) if c.id == card_id), None)
    if card is None:
        return None
    path = store_path(study.home)
    if path.exists():  # an edited card is graded against the answer as edited
        note = ReviewStore(path).notes().get(card_id)
        card = note.apply(card) if note else card
    return card, grade(card.answer, reply, study.query_embedder.embed, aliases=_aliases(chunks), question=card.question)


def _aliases(chunks) -> dict[str, set[str]]:
    """"WHO" and "World Health Organization" are one answer where the notes say so (often in a heading)."""
    return abbreviations([c.text for c in chunks] + [c.heading for c in chunks])


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
    """'in a minute', 'in 10 minutes', 'in 3 days'."""
    seconds = (due - (now or now_utc())).total_seconds()
    if seconds < 90:
        return "in a minute"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"in {n} {unit}{'s' if n != 1 else ''}"
    return "now"
