"""Sentences of a passage, each with the passage line it stands in.

Retrieval scores a passage partly by its best sentence, and the answer shows
the sentences that answer the question, each cited to its own file line.
"""
from __future__ import annotations

import re

from .records import Chunk

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|(?<=[a-z0-9)][.!?])(?=[A-Z])")
MIN_WORDS = 3


def split_sentences(chunk: Chunk) -> list[tuple[str, int]]:
    """(sentence, 0-based line of the passage text) for every sentence of three words or more."""
    out: list[tuple[str, int]] = []
    for i, line in enumerate(chunk.text.split("\n")):
        for piece in _SENTENCE.split(line):
            piece = piece.strip().lstrip("-•*>").strip()
            if len(piece.split()) >= MIN_WORDS:
                out.append((piece, i))
    return out


def sentence_context(chunk: Chunk, sentence: str) -> str:
    """What gets embedded for a sentence: its innermost heading gives it context."""
    inner = chunk.heading.rsplit(" > ", 1)[-1] if chunk.heading else ""
    return f"{inner}: {sentence}" if inner else sentence
