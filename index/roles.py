"""What a passage does for a reader: tells, explains, asks, or leads in to what follows.

A passage that mostly asks (an exercise list, a quiz, "What would you change?") echoes a student's question
without answering it; a short one ending on a colon ("Install the packages the file lists:") announces an answer
that stands in the next passage. Both share the question's words, so similarity alone ranks them high; search
weighs them below passages that tell (index/search.py, ROLE_WEIGHT). A passage that tells and gives a reason
("because", "so that", "as a result") explains: a "why" question weighs it above one that only tells. Decided
when the index is written, so ranking reads no passage text.
"""
from __future__ import annotations

import re

from ingest import Chunk, split_sentences

ASKS, LEADS, EXPLAINS, TELLS = "asks", "leads", "why", ""
ROLES_VERSION = "3"  # change it with the rules below: every index is then given its roles anew, vectors reused
ROLE_BYTES = 5
QUESTION_MARKS = ("?", "？", "؟")  # Latin, full-width, Arabic
LEAD_CHARS = 400  # a longer passage ending on a colon says enough itself (benchmarks/corpora.py: 200, 400, any)
LEAD_SHARE = 0.6  # of a passage's characters in its last sentence, the lead-in: less, and the rest tells


# The words English gives a reason or a consequence with (a sixth of the passages of each corpus we have).
_REASON = re.compile(r"\b(?:because|since|due to|in order (?:to|for)|so that|the reason|(?:this|that) is why|therefore|"
                     r"as a result|(?:which|this) means|otherwise|thus|hence)\b", re.I)


def gives_reason(text: str) -> bool:
    """Whether the text gives a reason or a consequence in so many words."""
    return bool(_REASON.search(text))


def role(chunk: Chunk) -> str:
    """ASKS when most of its sentences are questions (a question with its answer tells), LEADS when it is short
    and ends on a colon, EXPLAINS when it tells with a reason. Code and link lists have weights of their own; in
    running prose a run of questions is the story's dialogue."""
    if chunk.kind in ("code", "nav"):
        return TELLS
    if chunk.kind == "prose":
        return EXPLAINS if _REASON.search(chunk.text) else TELLS
    if any(mark in chunk.text for mark in QUESTION_MARKS):  # splitting sentences costs: only a passage with a question
        sentences = [text for text, _, _ in split_sentences(chunk)]
        if sentences and 2 * sum(s.rstrip().endswith(QUESTION_MARKS) for s in sentences) > len(sentences):
            return ASKS
    text = chunk.text.rstrip()
    if text.endswith(":") and len(text) < LEAD_CHARS:
        sentences = [t for t, _, _ in split_sentences(chunk)]
        # mostly the lead-in itself; "Boil the water first: the seal needs heat. Then fold it like this:" tells
        if not sentences or len(sentences[-1]) >= LEAD_SHARE * len(text):
            return LEADS
    return EXPLAINS if _REASON.search(text) else TELLS
