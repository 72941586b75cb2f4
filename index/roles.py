"""What a passage does for a reader: tells, asks, or leads in to what follows.

A passage that mostly asks (an exercise list, a quiz, "What would you change?") echoes a student's question
without answering it; a short one ending on a colon ("Install the packages the file lists:") announces an answer
that stands in the next passage. Both share the question's words, so similarity alone ranks them high; search
weighs them below passages that tell (index/search.py, ROLE_WEIGHT). Decided when the index is written, so
ranking reads no passage text.
"""
from __future__ import annotations

from ingest import Chunk, split_sentences

ASKS, LEADS, TELLS = "asks", "leads", ""
ROLES_VERSION = "2"  # change it with the rules below: every index is then given its roles anew, vectors reused
ROLE_BYTES = 5
QUESTION_MARKS = ("?", "？", "؟")  # Latin, full-width, Arabic
LEAD_CHARS = 400  # a longer passage ending on a colon says enough itself (benchmarks/corpora.py: 200, 400, any)
LEAD_SHARE = 0.6  # of a passage's characters in its last sentence, the lead-in: less, and the rest tells


def role(chunk: Chunk) -> str:
    """ASKS when most of its sentences are questions (a question with its answer tells), LEADS when it is short
    and ends on a colon. Code and link lists have weights of their own; in running prose a run of questions is
    the story's dialogue."""
    if chunk.kind in ("code", "nav", "prose"):
        return TELLS
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
    return TELLS
