"""Follow-up questions: which turn leans on the one before, what it is searched as, and where its answer often is.

A follow-up is searched with the topic of the conversation (the last question that stood on its own), so context
never piles up turn after turn; an elliptical turn that swaps the subject ("and RNA?") must find its own words.
"""
from __future__ import annotations

import re

from index import Hit
from index.lexical import tokenize

from .answer import QUESTION_WORDS

_CONNECTIVE = re.compile(r"^\s*(?:(?:and|but|or|also|so|then)\s+)?(?:what about|how about|what if|why not|same for)\b"
                         r"|^\s*(?:and|but|or|also|so|then)\b", re.I)
_BACK = re.compile(r"\b(?:it|its|they|them|their|this|that|those|these|he|him|his|she|her|there|former|latter|"
                   r"(?:first|second|third|last|other) one|the (?:resulting|above|same one))\b", re.I)
_CLAUSE = re.compile(r"\s*,?\s*(?:how|why|what|when|where|which|who|whom|whose|does|do|did|is|are|was|were|can|could|"
                     r"should|would|will|has|have|had)\b", re.I)
_ASKS_ABOUT = re.compile(r"\s*(?:what|who|which|where|when|how|why)\s+(?:is|are|was|were|does|do|did)\s+\w", re.I)
_CONDITION = re.compile(r"\s*,?\s*(?:if|unless|when|whenever|because|although|while)\b", re.I)  # "and if it fails, ...": a
# condition on the question before, not a new subject
_GENERIC = {"give", "exampl", "one", "happen", "next", "result", "work", "mean", "tell", "explain", "say", "use", "differ",
            # ordinals point at what the last answer listed ("and the first one?"); they name no subject
            "first", "second", "third", "last", "other", "previous", "former", "latter"}
MAX_FOLLOW_UP_WORDS = 10  # longer questions carry their own context
# A follow-up's answer is often in the passage after the topic's best one ("who signed it?" after "where was the
# treaty drafted?"): that passage is shown at this rank at the latest (benchmarks/followups.jsonl second turns,
# hit@5 26 -> 27 of 31: two more found, one pushed from 5th to 6th; at 2 the same).
FOLLOW_ON_RANK = 3
SHORT = 3  # "why?", "and RNA?", "what happened next?" lean on the turn before whatever they say


def is_follow_up(question: str) -> bool:
    """A turn that leans on the one before: short, and either elliptical ("why?", "and the second one?", "what about
    the other kind?") or pointing back ("can they be changed?", "did he win it?") while naming little of its own.
    "And how does that method pick its starting points?" names its topic: searched alone."""
    words = question.split()
    if not words or len(words) > MAX_FOLLOW_UP_WORDS:
        return False
    if len(words) <= SHORT:
        # "What is osmosis?" names what it asks about: a new question, however short ("What is it?" points back)
        return not (_ASKS_ABOUT.match(question) and not _BACK.search(question) and own_terms(question))
    connective = _CONNECTIVE.match(question)
    if connective:
        rest = question[connective.end():]
        if not _CLAUSE.match(rest):
            return True  # a bare noun phrase borrows the rest of the question before
        terms = own_terms(rest)
        return not terms or (bool(_BACK.search(rest)) and len(terms) <= 1)
    return bool(_BACK.search(question)) and len(own_terms(question)) <= 2


def new_subject(question: str) -> bool:
    """An elliptical turn that swaps the subject ("and RNA?", "what about red giants?"): its own words must be in
    the answer, while the question before supplies what is asked about them."""
    connective = _CONNECTIVE.match(question)
    if connective:
        rest = question[connective.end():]
        return not _CLAUSE.match(rest) and not _CONDITION.match(rest)
    return len(question.split()) <= SHORT and not _CLAUSE.match(question)


def own_terms(question: str) -> set[str]:
    """The content words a turn brings itself (stemmed): in a follow-up, the answer should hold them."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    words = [w for w in re.findall(r"[a-z0-9][a-z0-9-]*", question.lower()) if w not in STOPWORDS_EN_PLUS and w not in QUESTION_WORDS]
    return {t for t in tokenize(" ".join(words)) if t not in _GENERIC and len(t) > 1}


def query_for(question: str, previous: list[str] | None = None) -> str:
    """What to search for ``question``: a follow-up is searched with the topic of the conversation, the last
    question that stood on its own, so context never piles up turn after turn."""
    if not previous or not is_follow_up(question):
        return question
    topic = next((q for q in reversed(previous) if not is_follow_up(q)), previous[-1])
    return f"{topic} {question}"


def follow_on(hits: list[Hit]) -> list[Hit]:
    """A follow-up's hits with the passage after the best one (same file) at FOLLOW_ON_RANK at the latest; the
    others keep their order."""
    if not hits:
        return hits
    best = hits[0]
    after = best.passages[-1] + 1  # the best may be neighbours shown as one (index.neighbours)
    at = next((i for i, h in enumerate(hits) if after in h.passages and h.chunk.source == best.chunk.source), None)
    if at is not None and at >= FOLLOW_ON_RANK:
        hits = hits[:FOLLOW_ON_RANK - 1] + [hits[at]] + hits[FOLLOW_ON_RANK - 1 : at] + hits[at + 1 :]
    for rank, hit in enumerate(hits, start=1):
        hit.rank = rank
    return hits
