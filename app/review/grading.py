"""Grading a free-text answer against a card's answer: again / hard / good / easy.

The rule (also in README):
- empty or "I don't know"                                  -> again
- same words as the answer (case, punctuation, spaces aside) -> easy
- the answer's words appear in the reply                      -> good
- a number in the answer that the reply lacks                 -> again (8 KB is not 4 KB, however similar)
- the right number without its unit ("4" for "4 KB")           -> hard
- short answers (three words or fewer, e.g. cloze terms): a near-miss spelling of an answer of 6+ characters
  (similarity >= 0.8) -> hard ("Cloudtrial"), else again (HTTPS is not HTTP)
- longer answers: score = max(share of the answer's content words in the reply, cosine similarity of the two
  with the embedding model); >= 0.75 good, >= 0.5 hard, else again.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ingest import normalize

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATING_NAMES = {AGAIN: "again", HARD: "hard", GOOD: "good", EASY: "easy"}
# How a grade is shown, in the terminal and on the web page alike: its mark and colour.
MARKS = {AGAIN: ("✗", "red"), HARD: ("~", "yellow"), GOOD: ("✓", "green"), EASY: ("✓", "green")}
_GIVE_UP = {"", "i don t know", "i dont know", "dont know", "don t know", "idk", "no idea", "pass", "skip"}
_STOP = set("a an the of to in on for and or is are be by with as at it its this that from your you we can".split())


@dataclass
class Grade:
    rating: int
    score: float
    reason: str

    @property
    def name(self) -> str:
        return RATING_NAMES[self.rating]

    @property
    def mark(self) -> str:
        return MARKS[self.rating][0]

    @property
    def color(self) -> str:
        return MARKS[self.rating][1]


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w not in _STOP]


def _joined_window(e: str, g: str) -> bool:
    """'1kb' in a reply matches the answer '1 KB' (and the reverse), but 'https' never matches 'http'."""
    target = e.replace(" ", "")
    words = g.split()
    span = len(e.split()) + 1
    return any("".join(words[i:j]) == target for i in range(len(words)) for j in range(i + 1, min(len(words), i + span) + 1))


def grade(expected: str, given: str, embed: Callable[[list[str]], np.ndarray] | None = None) -> Grade:
    e, g = normalize(expected), normalize(given)
    if g in _GIVE_UP:
        return Grade(AGAIN, 0.0, "no answer given")
    if g == e or g.replace(" ", "") == e.replace(" ", ""):
        return Grade(EASY, 1.0, "exactly the answer")
    if f" {e} " in f" {g} " or _joined_window(e, g):
        return Grade(GOOD, 1.0, "contains the answer")
    numbers = set(re.findall(r"\d+(?:\.\d+)?", expected))
    if numbers and not numbers <= set(re.findall(r"\d+(?:\.\d+)?", given)):
        return Grade(AGAIN, 0.0, f"the number is {' / '.join(sorted(numbers))}")
    e_words = _content(e.split()) or e.split()
    if numbers and len(e.split()) <= 3:
        return Grade(HARD, 0.5, "right number; give the unit too")
    if len(e.split()) <= 3:
        ratio = difflib.SequenceMatcher(None, e, g).ratio()
        if ratio >= 0.8 and len(e) >= 6:  # a typo in a long word; a short acronym off by a letter is another term
            return Grade(HARD, ratio, "almost: check the spelling")
        return Grade(AGAIN, ratio, "not the term in your notes")
    g_words = set(g.split())
    recall = sum(1 for w in e_words if w in g_words) / len(e_words)
    cosine = 0.0
    if embed is not None:
        v = embed([expected, given])
        cosine = float(v[0] @ v[1])
    score = max(recall, cosine)
    if score >= 0.75:
        return Grade(GOOD, score, "matches the meaning of your notes")
    if score >= 0.5:
        return Grade(HARD, score, "partly right")
    return Grade(AGAIN, score, "not what your notes say")
