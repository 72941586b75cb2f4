"""What an empty chat offers: questions taken from the notes' own cards and headings, spread across the files, and
one line saying what is indexed."""
from __future__ import annotations

import time

SUGGESTIONS = 6
SAMPLE = 3000  # passages read for suggestions at most: an empty chat must not wait on a pass over a whole textbook
MAX_CHARS = 90  # a suggestion is one line on a phone-sized button, give or take
_CACHE: list = [None, []]  # (which passage list they were made from, the suggestions)


def _heading_question(heading: str) -> str | None:
    from .review.cards import names_a_topic

    leaf = heading.split(" > ")[-1].strip(" *_#:")
    if len(leaf) < 3 or not any(ch.isalpha() for ch in leaf) or not names_a_topic(leaf):
        return None  # "Note", "Summary": a section's role, not something to ask about
    return f"What do my notes say about {leaf}?"


def _candidates(chunks) -> dict[str, list[str]]:
    """Per file, in note order: its cards' questions (those that are questions), then its headings as questions."""
    from .review.cards import generate

    if len(chunks) > SAMPLE:  # a huge index: cards and headings from passages spread over all of it
        chunks = chunks[:: len(chunks) // SAMPLE + 1]
    found: dict[str, list[str]] = {}
    for card in generate(list(chunks)):
        if card.kind == "definition" and card.question.endswith("?"):  # recall cards: long, with their section
            found.setdefault(card.source, []).append(card.question)
    from .ui_search import MIN_WORDS, readable_words

    seen_headings: set[tuple[str, str]] = set()
    for c in chunks:
        # a heading over words to read (not one over a picture's file name only) makes a question
        if c.heading and (c.source, c.heading) not in seen_headings and len(readable_words(c.text)) >= MIN_WORDS:
            seen_headings.add((c.source, c.heading))
            question = _heading_question(c.heading)
            if question:
                found.setdefault(c.source, []).append(question)
    return found


def _spread(items: list[str], n: int) -> list[str]:
    """``n`` items evenly across ``items`` (the start, the middle, the end of a note), in order."""
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / max(1, n - 1))] for i in range(n)]


def suggestions(chunks, n: int = SUGGESTIONS) -> list[str]:
    """``n`` questions from the notes, taken in turn from each file (largest first) so they vary across files."""
    # by its file for a loaded index: holding the index object would keep an old version open after a re-ingest
    made_from = str(chunks.path) if hasattr(chunks, "path") else id(chunks)
    if _CACHE[0] == made_from:
        return _CACHE[1][:n]
    per_file: dict[str, list[str]] = {}
    for source, questions in _candidates(chunks).items():
        kept: dict[str, str] = {}  # by lower case: the first wording of each question
        for q in questions:
            if len(q) <= MAX_CHARS:
                kept.setdefault(q.lower(), q)
        per_file[source] = list(kept.values())
    order = sorted(per_file, key=lambda s: (-len(per_file[s]), s))
    quota = dict.fromkeys(order, 0)  # how many each file gives: in turns, a file that runs out leaves its turn
    while sum(quota.values()) < n and any(quota[s] < len(per_file[s]) for s in order):
        for source in order:
            if quota[source] < len(per_file[source]) and sum(quota.values()) < n:
                quota[source] += 1
    queues = [_spread(per_file[s], quota[s]) for s in order]
    picked: list[str] = []
    for turn in range(max((len(q) for q in queues), default=0)):
        for queue in queues:
            if turn < len(queue) and queue[turn].lower() not in {p.lower() for p in picked}:
                picked.append(queue[turn])
    _CACHE[:] = [made_from, picked]
    return picked


def index_summary(files: dict[str, dict], passages: int, created: float = 0.0) -> str:
    """'4 files · 96 passages · last indexed 2026-11-30 13:51' (and how many could not be read, if any); ``created``:
    when the live index was written."""
    indexed = [f for f in files.values() if not f.get("error")]
    failed = len(files) - len(indexed)
    when = max([created] + [f.get("indexed_at", 0) for f in indexed])  # a failed attempt indexed nothing
    parts = [f"{len(indexed)} file{'s' if len(indexed) != 1 else ''}", f"{passages} passage{'s' if passages != 1 else ''}"]
    if when:
        parts.append("last indexed " + time.strftime("%Y-%m-%d %H:%M", time.localtime(when)))
    if failed:
        parts.append(f"{failed} not readable (see Notes)")
    return " · ".join(parts)
