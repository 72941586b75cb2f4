"""Turning ranked passages into an answer: the sentences that answer first, or an honest 'not in your notes'."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index import Hit
from ingest import citation

ABSTAIN_MESSAGE = "Your notes don't seem to cover this; closest passages:"


@dataclass
class Sentence:
    text: str
    hit: Hit  # the passage it comes from
    line: int | None  # first file line it stands in (text files)
    score: float = 0.0
    last_line: int | None = None

    @property
    def lines(self) -> set[int]:
        if not self.line:
            return set()
        return set(range(self.line, (self.last_line or self.line) + 1))

    @property
    def citation(self) -> str:
        chunk = self.hit.chunk
        if chunk.page is not None or not self.line:
            return chunk.citation
        return citation(chunk.source, self.line, self.last_line or self.line, None)


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


def pick_sentences(question: str, hits: list[Hit], qvec: np.ndarray, searcher, limit: int = 3, from_top: int = 3) -> list[Sentence]:
    """The one to three sentences of the top passages most similar to the question.

    Uses the sentence vectors stored at ingest, so no model call is needed.
    A sentence must come close to the best one (within 0.1) to be shown, so a
    clear answer is not diluted by loosely related lines.
    """
    from index.lexical import tokenize

    words = set(tokenize(question))
    candidates: list[Sentence] = []
    for hit in hits[:from_top]:
        for sentence, sim in searcher.sentence_scores(hit.row, qvec):
            score = sim + 0.03 * (from_top - hit.rank)  # retrieval already weighed the whole passage
            if words:  # the question's own terms in a sentence are evidence too, as in retrieval
                score += 0.1 * len(words & set(tokenize(sentence.text))) / len(words)
            if sentence.text.rstrip().endswith("?"):
                score -= 0.15  # a question restated in the notes is not its answer
            last = sentence.last_line if sentence.last_line >= 0 else sentence.line
            candidates.append(Sentence(sentence.text, hit, hit.chunk.line_of(sentence.line), score, hit.chunk.line_of(last)))
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0].score
    return [c for c in ranked[:limit] if c.score >= best - 0.1]
