"""Heading-aware chunking of Markdown (and plain text) notes.

Besides ``#`` headings, a line that is only ``__Bold__`` (or ``**Bold**``)
or only ``*Italic*`` acts as a sub-heading: students use them that way.
"""
from __future__ import annotations

import re

from .pack import Unit, pack, split_long
from .records import Chunk

BOLD_LEVEL, ITALIC_LEVEL = 7, 8  # below every '#' level

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD = re.compile(r"^(\*{0,1})(\*\*|__)(?!\s)(.+?)(?<!\s)\2\1:?$")
_BOLD_ITALIC = re.compile(r"^\*\*\*(?!\s)(.+?)(?<!\s)\*\*\*:?$")
_ITALIC = re.compile(r"^([*_])(?![*_\s])(.+?)(?<![*_\s])\1:?$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?[^)]*\)")
_QUOTE = re.compile(r"^\s*>\s?")
_EMPHASIS = re.compile(r"\*{2,3}|__|`")


def heading_of(line: str) -> tuple[int, str] | None:
    """Return (level, title) if the line is a heading or a bold/italic sub-heading."""
    stripped = line.strip()
    m = _ATX.match(line)
    if m:
        return len(m.group(1)), m.group(2)
    for pattern, level in ((_BOLD_ITALIC, BOLD_LEVEL), (_BOLD, BOLD_LEVEL), (_ITALIC, ITALIC_LEVEL)):
        m = pattern.match(stripped)
        if m:
            return level, m.groups()[-1]
    return None


def clean_title(title: str) -> str:
    title = re.sub(r"\*{2,3}|`", "", title).strip().strip("*_ ").strip()
    return title.rstrip(":").strip()


def caption(path: str) -> str:
    """Readable caption from an image file name: 'IAM_Policy_Structure.png' -> 'IAM Policy Structure'."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem)  # camelCase
    return re.sub(r"[\s_\-.]+", " ", stem).strip()


def display(line: str) -> tuple[str, list[str]]:
    """Line text as shown in a passage (markup that carries no words removed) and image captions.

    Only non-alphanumeric markup is dropped, so the passage still matches the
    cited line once both are normalised.
    """
    captions: list[str] = []

    def image(m: re.Match) -> str:
        target = m.group(2)
        captions.append(m.group(1).strip() or caption(target))
        return target.removeprefix("./")

    text = _QUOTE.sub("", line)
    text = _IMAGE.sub(image, text)
    text = _EMPHASIS.sub("", text)
    return text.rstrip(), captions


def chunk_markdown(lines: list[str], source: str) -> list[Chunk]:
    """Split a Markdown file into passages, each with its heading path and line range."""
    chunks: list[Chunk] = []
    stack: list[tuple[int, str]] = []
    units: list[Unit] = []
    in_fence = False

    def flush() -> None:
        nonlocal units
        heading = " > ".join(t for _, t in stack)
        chunks.extend(pack(units, source, heading))
        units = []

    def paragraph_end() -> None:
        if units:
            units[-1].paragraph_end = True

    for number, line in enumerate(lines, start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            paragraph_end()
            continue
        if not in_fence:
            h = heading_of(line)
            if h:
                level, title = h
                title = clean_title(title)
                if not title.strip("=-~ "):
                    continue  # a '## =====' rule, not a section
                flush()
                while stack and stack[-1][0] >= level:
                    stack.pop()
                stack.append((level, title))
                continue
        text, captions = display(line)
        if not text.strip():
            paragraph_end()
            continue
        pieces = split_long(text)
        for i, piece in enumerate(pieces):
            units.append(Unit(number, piece, paragraph_end=i < len(pieces) - 1, captions=captions if i == 0 else []))
        if in_fence:
            paragraph_end()  # transcript lines are paragraphs of their own
    flush()
    return chunks


def chunk_plain(lines: list[str], source: str) -> list[Chunk]:
    """Plain text: paragraphs separated by blank lines, no headings."""
    units: list[Unit] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if units:
                units[-1].paragraph_end = True
            continue
        pieces = split_long(line.rstrip())
        for i, piece in enumerate(pieces):
            units.append(Unit(number, piece, paragraph_end=i < len(pieces) - 1))
    return pack(units, source, "")
