"""The answer: the sentences that answer first, or an honest 'not in your notes', and the JSON of it all.

One owner for what a question gets back: when to abstain (the rule, its thresholds and the environment
variables that set them), which passage is cited first, and the JSON of an answer and of a hit (`study ask --json`,
`study search --json`, the API and the web page use these alone). Which sentences are shown is app.sentences'.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from index import Hit
from index.lexical import Vocabulary, holds, terms, tokenize

from .sentences import FROM_TOP, QUESTION_WORDS, Sentence, pick_sentences

ABSTAIN_MESSAGE = "Your notes don't seem to cover this; closest passages:"
NOTHING_TO_SEARCH = "Nothing to search: ask a question about your notes."
EVIDENCE = 10  # abstention looks at this many passages, however many are shown


@dataclass(frozen=True)
class Abstention:
    """When the notes hold no answer: nothing similar enough, or the question names something they never mention
    (a name, or a word that is no everyday English: index.lexical.Vocabulary.unknown_terms).

    Calibrated on data (README "Abstention"): below ``threshold`` the best passage is too far from the question;
    below ``named`` it is not close enough to outweigh a question that names something the notes never mention;
    below `unfound`, halfway between, to outweigh a term the notes write but no passage found holds.
    """

    threshold: float = 0.36  # $STUDY_ABSTAIN
    named: float = 0.60  # $STUDY_ABSTAIN_NAMED

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Abstention":
        """The thresholds set in the environment, the calibrated ones otherwise; ValueError names a bad setting."""
        return cls(_threshold(environ, "STUDY_ABSTAIN", cls.threshold), _threshold(environ, "STUDY_ABSTAIN_NAMED", cls.named))

    @property
    def unfound(self) -> float:
        return (self.threshold + self.named) / 2

    def applies(self, question: str, hits: list[Hit], vocabulary: Vocabulary) -> bool:
        """Whether to abstain on ``question`` given its hits (best first) and the words of the notes."""
        best = max(h.dense for h in hits)
        if vocabulary.unknown_names(question) or vocabulary.unknown_terms(question) or not vocabulary.knows_any(question):
            return best < self.named
        # A term the notes write only where the search did not look (a word in a listing, a passing mention) is
        # weaker evidence of a gap than one they never write: the best passage must be closer, not as close.
        own = terms(question)
        found = set().union(*(tokenize(h.chunk.search_text) for h in hits)) if own else set()
        if any(not holds(term, found) for term in own):
            return best < self.unfound
        if best >= self.threshold:
            return False
        # A bare term ("SSE-C", "What is the TLB for?") embeds poorly; every word of it standing in the top
        # passage is evidence enough. Question words ask, they are not the subject.
        words = set(tokenize(" ".join(w for w in question.split() if w.lower().strip("?!.,;:") not in QUESTION_WORDS)))
        return not words or not words <= set(tokenize(hits[0].chunk.search_text))


def _threshold(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number; set it like {default} (a cosine similarity)") from None


@dataclass
class Answer:
    question: str
    hits: list[Hit]
    sentences: list[Sentence] = field(default_factory=list)
    abstained: bool = False
    query: str = ""  # what retrieval actually searched (a follow-up carries its context)
    indexing: str = ""  # while an ingest is under way: how much of which file the answer could draw on

    @property
    def text(self) -> str:
        """The answer line(s) as plain text, each sentence with its citation number."""
        if not self.hits:
            return NOTHING_TO_SEARCH
        if self.abstained:
            return ABSTAIN_MESSAGE
        return " ".join(f"{s.text.strip()} [{s.hit.rank}]" for s in self.sentences)

    def to_json(self, conversation: bool = False) -> dict:
        """The object `study ask --json` prints and /api/ask returns; in a conversation, also what was searched."""
        out = {"question": self.question, "answer": self.text, "abstained": self.abstained,
               "passages": [hit_json(h) for h in self.hits]}
        if conversation:
            out["searched_as"] = self.query or self.question
        if self.indexing:
            out["indexing"] = self.indexing
        return out


def hit_json(h: Hit) -> dict:
    """One passage as every JSON reply shows it: rank, citation, heading path, score, and the text as written."""
    c = h.chunk
    return {"rank": h.rank, "source": c.source, "heading": c.heading, "start_line": c.start_line, "end_line": c.end_line,
            "page": c.page, "score": round(h.score, 6), "text": c.text, "locator": c.locator, "unit": c.unit_json(),
            "ocr": c.ocr}


def search_json(query: str, hits: list[Hit]) -> dict:
    """The object `study search --json` prints and /api/search returns."""
    return {"query": query, "passages": [hit_json(h) for h in hits]}



def answer(question: str, query: str, hits: list[Hit], vocabulary: Vocabulary, abstention: Abstention,
           k: int | None = None) -> Answer:
    """The answer to ``question`` from the hits its ``query`` found (each with its sentences scored).

    Abstention weighs every hit given (the same evidence whatever ``k``); the reply shows the first ``k``.
    """
    shown = hits[:k] if k else hits
    reply = Answer(question, shown, query=query)
    if not hits:
        return reply
    reply.abstained = abstention.applies(question, hits, vocabulary)
    if not reply.abstained:
        reply.sentences = pick_sentences(query, shown)
        if reply.sentences and query == question:  # a follow-up's order is set by its own words (Study.ask)
            lead(shown, reply.sentences[0].hit)
    return reply


# How close (fused score) the passage of the first answer sentence must be to the top one to be cited first.
# Chosen on the macro average over corpora (README "Answer first"): 0.03-0.04 best, 0.08 hurt the course notes.
LEAD_MARGIN = 0.04


def lead(hits: list[Hit], first: Hit) -> None:
    """Cite first the passage that holds the answer shown first, when retrieval all but tied it with the top one:
    the sentence scores read one line against the question, which the whole-passage ranking cannot."""
    if hits and hits[0] is not first and first.score >= hits[0].score - LEAD_MARGIN:
        hits.remove(first)
        hits.insert(0, first)
        for rank, hit in enumerate(hits, start=1):
            hit.rank = rank
