"""Sentences of a passage, each with the passage lines it stands in.

Notes often wrap one sentence over several lines ("... that represents a" /
"virtual network card"); a line that does not end a sentence and is followed
by one starting in lower case is joined with it, so the sentence is whole.
Retrieval scores a passage partly by its best sentence, the answer shows the
sentences that answer a question, and review cards are cut from them.
"""
from __future__ import annotations

import re

from .records import Chunk

# A sentence ends at . ! ? before a space and a capital, or glued to a capitalised word ("instance.But"),
# but not inside an identifier ("Code.ZipFile", "S3.Bucket").
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|(?<=[a-z0-9)][.!?])(?=[A-Z][a-z]*(?:[\s,;:]|$))")
_ENDS = (".", "!", "?", ":", ";")
_FILE_ONLY = re.compile(r"^\S+\.(?:png|jpe?g|gif|svg|webp|pdf|zip)$", re.I)  # an image link's target: not a sentence
MIN_WORDS = 3


def _clean(line: str) -> str:
    return line.strip().lstrip("-•*>").strip()


def logical_lines(chunk: Chunk) -> list[tuple[str, int, int]]:
    """(text, first, last) 0-based passage lines, wrapped lines joined."""
    out: list[tuple[str, int, int]] = []
    for i, raw in enumerate(chunk.text.split("\n")):
        text = _clean(raw)
        if not text or _FILE_ONLY.match(text):
            continue
        starts_item = raw.lstrip().startswith(("-", "•", "*", ">"))
        open_paren = bool(out) and out[-1][0].count("(") > out[-1][0].count(")")
        if out and not starts_item and (open_paren or (text[0].islower() and not out[-1][0].endswith(_ENDS))):
            prev, first, _ = out[-1]
            out[-1] = (f"{prev} {text}", first, i)
        else:
            out.append((text, i, i))
    return out


def split_sentences(chunk: Chunk) -> list[tuple[str, int, int]]:
    """(sentence, first line, last line) of the passage for every sentence of three words or more."""
    out: list[tuple[str, int, int]] = []
    for text, first, last in logical_lines(chunk):
        pieces: list[str] = []
        for piece in _SENTENCE.split(text):
            piece = piece.strip()
            if pieces and pieces[-1].endswith("?"):
                pieces[-1] = f"{pieces[-1]} {piece}"  # "Why X? Well, Y." is one thought: keep the answer with its question
            elif piece:
                pieces.append(piece)
        out.extend((p, first, last) for p in pieces if len(p.split()) >= MIN_WORDS)
    return out


def sentence_context(chunk: Chunk, sentence: str) -> str:
    """What gets embedded for a sentence: its innermost heading gives it context."""
    inner = chunk.heading.rsplit(" > ", 1)[-1] if chunk.heading else ""
    return f"{inner}: {sentence}" if inner else sentence
