"""Turning lines into short, citable passages.

A *unit* is one line of a file, or one sentence-group piece of a very long
line. Units are packed into passages under one heading, breaking at
paragraph ends where possible, so that a passage is short enough to cite
precisely but long enough to carry its meaning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .records import Chunk

TARGET_CHARS = 420  # close a passage at a paragraph end once it is this long
MAX_CHARS = 600  # never grow a passage past this by adding a unit
LONG_LINE = 480  # longer lines are split at sentence boundaries

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[a-z0-9][.!?])(?=[A-Z])")


@dataclass
class Unit:
    line: int  # 1-based line number (or 0 for PDF text, where the page cites)
    text: str
    paragraph_end: bool = False  # a blank line (or similar) follows
    captions: list[str] = field(default_factory=list)


def split_long(text: str, limit: int = LONG_LINE) -> list[str]:
    """Split text at sentence ends into pieces of at most ``limit`` characters.

    Pieces are contiguous substrings, so each still stands in the cited line.
    A single sentence longer than the limit is cut at the last space before it.
    """
    if len(text) <= limit:
        return [text]
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            head, sentence = sentence[:cut].rstrip(), sentence[cut:].lstrip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def pack(units: list[Unit], source: str, heading: str, page: int | None = None) -> list[Chunk]:
    """Pack consecutive units of one section into passages."""
    chunks: list[Chunk] = []
    group: list[Unit] = []
    size = 0

    def flush() -> None:
        nonlocal group, size
        if group:
            text = "\n".join(u.text.rstrip() for u in group)
            captions = tuple(c for u in group for c in u.captions)
            if text.strip():
                if page is not None:
                    chunks.append(Chunk(source, heading, text, None, None, page, captions))
                else:
                    line_map = tuple(u.line for u in group)
                    chunks.append(Chunk(source, heading, text, group[0].line, group[-1].line, None, captions, line_map))
        group, size = [], 0

    for unit in units:
        if group and size + len(unit.text) + 1 > MAX_CHARS:
            flush()
        group.append(unit)
        size += len(unit.text) + 1
        if unit.paragraph_end and size >= TARGET_CHARS:
            flush()
    flush()
    return chunks
