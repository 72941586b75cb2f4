"""Heading-aware chunking of Markdown (and plain text) notes.

Besides ``#`` headings, a line that is only ``__Bold__`` (or ``**Bold**``)
or only ``*Italic*`` acts as a sub-heading: students use them that way.
"""
from __future__ import annotations

import re
import unicodedata

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
# Emphasis markers ('**', '***', '__') are dropped only in pairs that really delimit emphasis, found
# with CommonMark's flanking rules: '__' inside a word ('snake__case') never opens or closes, and an
# unpaired one ('window.__pwned', '**kwargs') is just text.
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_RUN = re.compile(r"\*+|_+")
_DUNDER = re.compile(r"[a-z0-9_]+")  # '__init__', '__name__': Python names, not bold words
_THEMATIC_BREAK = re.compile(r"^\s*(?:[*_]\s*){3,}$")
_PLACEHOLDER = "\ue000{}\ue001"  # private-use characters: not whitespace, not punctuation, (almost) never in notes
_SET_ASIDE = re.compile("\ue000(\\d+)\ue001")


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
    text = strip_emphasis(text)
    return text.rstrip(), captions


def strip_emphasis(text: str) -> str:
    """Drop backticks and the '**'/'__' markers that delimit emphasis; keep every other character.

    Code spans are set aside first, so markers inside them stay literal, and an
    emphasis may still span a code span ('**use `x` here**').
    """
    if _THEMATIC_BREAK.match(text):
        return ""  # '***' is a rule, not text
    spans: list[str] = []

    def set_aside(m: re.Match) -> str:
        spans.append(m.group(2))
        return _PLACEHOLDER.format(len(spans) - 1)

    if "\ue000" not in text:  # a note that already holds the placeholder character keeps its code spans as text
        text = _CODE_SPAN.sub(set_aside, text)
    kept, at = [], 0
    for start, end in _emphasis_markers(text):
        kept.append(text[at:start])
        at = end
    text = "".join(kept) + text[at:]
    text = text.replace("`", "")  # an unmatched backtick carries no words
    return _SET_ASIDE.sub(lambda m: spans[int(m.group(1))], text) if spans else text


def _emphasis_markers(text: str) -> list[tuple[int, int]]:
    """Sorted (start, end) of the marker runs that open or close emphasis; each closer takes the nearest opener."""
    openers: list[tuple[str, int, int]] = []
    cuts: list[tuple[int, int]] = []
    for m in _RUN.finditer(text):
        run = m.group()
        if len(run) not in (2, 3):
            continue  # single '*'/'_' were never stripped; longer runs are not emphasis
        opens, closes = _can_open_close(text, m.start(), m.end())
        match = next((i for i in range(len(openers) - 1, -1, -1) if openers[i][0] == run), None) if closes else None
        if match is not None:
            _, start, end = openers[match]
            del openers[match:]  # openers between a pair can no longer be closed
            if not (run[0] == "_" and _DUNDER.fullmatch(text[end:m.start()])):
                cuts += [(start, end), m.span()]
        elif opens:
            openers.append((run, m.start(), m.end()))
    return sorted(cuts)


def _can_open_close(text: str, start: int, end: int) -> tuple[bool, bool]:
    """CommonMark's rules for a delimiter run text[start:end]: may it open, may it close emphasis?"""
    before = _neighbour(text[start - 1] if start else "")
    after = _neighbour(text[end] if end < len(text) else "")
    left = after != "space" and (after != "punct" or before != "word")
    right = before != "space" and (before != "punct" or after != "word")
    if text[start] == "*":
        return left, right
    return left and (not right or before == "punct"), right and (not left or after == "punct")


def _neighbour(c: str) -> str:
    """'space' (text edges too), 'punct' or 'word'."""
    if not c or c.isspace():
        return "space"
    return "punct" if unicodedata.category(c)[0] in "PS" else "word"


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
