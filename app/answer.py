"""Turning ranked passages into an answer: the sentences that answer first, or an honest 'not in your notes'."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index import Hit

ABSTAIN_MESSAGE = "Your notes don't seem to cover this; closest passages:"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|(?<=[a-z0-9)][.!?])(?=[A-Z])")
_MIN_WORDS = 3


@dataclass
class Sentence:
    text: str
    hit: Hit  # the passage it comes from
    line: int | None  # file line it stands in (text files)
    score: float = 0.0

    @property
    def citation(self) -> str:
        chunk = self.hit.chunk
        if chunk.page is not None:
            return f"{chunk.source} p.{chunk.page}"
        return f"{chunk.source}:{self.line}" if self.line else chunk.citation


@dataclass
class Answer:
    question: str
    hits: list[Hit]
    sentences: list[Sentence] = field(default_factory=list)
    abstained: bool = False
    query: str = ""  # what retrieval actually searched (a follow-up carries its context)

    @property
    def text(self) -> str:
        """The answer line(s) as plain text, each sentence with its citation number."""
        if not self.hits:
            return "Nothing to search: ask a question about your notes."
        if self.abstained:
            return ABSTAIN_MESSAGE
        return " ".join(f"{s.text.strip()} [{s.hit.rank}]" for s in self.sentences)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "passages": [
                {
                    "rank": h.rank,
                    "source": h.chunk.source,
                    "heading": h.chunk.heading,
                    "start_line": h.chunk.start_line,
                    "end_line": h.chunk.end_line,
                    "page": h.chunk.page,
                    "score": round(h.score, 6),
                    "text": h.chunk.text,
                }
                for h in self.hits
            ],
        }


def split_sentences(hit: Hit) -> list[tuple[str, int | None]]:
    """Sentences of a passage with the file line each stands in."""
    out: list[tuple[str, int | None]] = []
    for i, line in enumerate(hit.chunk.text.split("\n")):
        for piece in _SENTENCE.split(line):
            piece = piece.strip().lstrip("-•*>").strip()
            if len(piece.split()) >= _MIN_WORDS:
                out.append((piece, hit.chunk.line_of(i)))
    return out


def pick_sentences(hits: list[Hit], qvec: np.ndarray, embed, limit: int = 3, from_top: int = 3) -> list[Sentence]:
    """The one to three sentences of the top passages most similar to the question.

    A sentence must come close to the best one (within 0.1 cosine) to be
    shown, so a clear answer is not diluted by loosely related lines.
    """
    candidates = [Sentence(text, hit, line) for hit in hits[:from_top] for text, line in split_sentences(hit)]
    if not candidates:
        return []
    vectors = embed([c.text for c in candidates])
    sims = vectors @ qvec
    # A small prior for better-ranked passages: retrieval already weighed the whole passage.
    for c, s in zip(candidates, sims):
        c.score = float(s) + 0.03 * (from_top - c.hit.rank)
        if c.text.rstrip().endswith("?"):
            c.score -= 0.15  # a question restated in the notes is not its answer
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    return [c for c in ranked[:limit] if c.score >= best - 0.1]
