"""What the notes are about: the words no card may blank or ask about, since every card would give them away
("In ___ there's a network cost" in notes on one cloud, "What does Brewing produce?" in notes on brewing)."""
from __future__ import annotations

from collections import Counter

from ingest import Chunk, normalize

from .fitness import stopwords


def common_words(chunks: list[Chunk]) -> set[str]:
    """Words in more than a tenth of the passages (the subject of the notes, say), and the initials of such phrases
    ("wto" where "world trade organization" is everywhere): blanking them teaches nothing. Where the notes keep
    courses in folders of their own, each folder counts alone too: a second course must not turn the first one's
    subject into a card ("In ___ there's a network cost")."""
    folders: dict[str, list[Chunk]] = {}
    for c in chunks:
        parts = c.source.split("/")
        folders.setdefault("/".join(parts[:2]) if len(parts) > 2 else "", []).append(c)
    common = _often(chunks) | _subjects(chunks)
    if len(folders) > 1:
        for group in folders.values():
            common |= _often(group) | _subjects(group)
    return common


def _often(chunks: list[Chunk]) -> set[str]:
    """Words in more than a tenth of ``chunks``, counting an acronym's spelled-out phrase as the acronym."""
    df: Counter = Counter()
    for c in chunks:
        words = normalize(c.text).split()
        df.update(set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])})
    often = max(3, len(chunks) // 10)
    # an acronym counts its spelled-out phrase too: "wto" is as common as "wto" plus "world trade organization"
    initials: Counter = Counter()
    for w, n in df.items():
        if " " in w and not set(w.split()) & stopwords():
            initials["".join(p[0] for p in w.split())] += n
    return {w for w, n in df.items() if " " not in w and n + initials.get(w, 0) > often}


def _subjects(chunks: list[Chunk]) -> set[str]:
    """What one note, or the whole collection, is about."""
    common: set[str] = set()
    # the subject of one note: a word in over a third of that note's passages ("enzyme" in the notes on enzymes)
    by_source: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    for group in by_source.values():
        if len(group) >= 6:
            local = Counter(w for c in group for w in set(normalize(c.text).split()))
            common |= {w for w, n in local.items() if n > len(group) / 3}
    # and a theme of the collection: a word in over a quarter of the notes (three at least), "spreadsheet" in every lesson
    spread = Counter(w for group in by_source.values() for w in {w for c in group for w in normalize(c.text).split()})
    common |= {w for w, n in spread.items() if n >= max(3, len(by_source) / 4)}
    return common
