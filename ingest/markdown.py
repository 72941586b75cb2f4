"""Heading-aware chunking of Markdown (and plain text) notes, block by block.

A note is read as CommonMark blocks: headings (ATX, setext, and a short bold or italic line that students
use as a sub-heading), paragraphs, list items, tables, code (fenced or indented), quotes and rules. Prose
blocks are packed into passages under their heading path; code gets passages of its own; a table row is
read with its header; a lead-in ending in ':' stays with what follows; a section too short to stand alone
is read with its first sub-section. A fence inside a quote is code too; a link or tag wrapped over lines is
read at once (``inline.display_lines``), each line keeping its own number.
"""
from __future__ import annotations

import re
from dataclasses import replace

from .inline import caption, display, display_lines, heading_text, link_opens, link_reach  # noqa: F401 - caption is part of this module's API
from .links import references
from .pack import Unit, flow, pack, reads_as_prose, split_long, wrap_width
from .records import Chunk

BOLD_LEVEL, ITALIC_LEVEL = 7, 8  # below every '#' level
MIN_SECTION = 120  # a section with less text than this is read together with its first sub-section
MAX_TITLE_WORDS = 10  # a bold line longer than this, or ending like a sentence, is text, not a heading
NAV_SHARE = 0.6  # a line whose letters are mostly link text is navigation

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")  # a closing '#' run follows a space: '# C#' keeps it
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_BOLD = re.compile(r"^(\*{0,1})(\*\*|__)(?!\s)(.+?)(?<!\s)\2\1:?$")
_BOLD_ITALIC = re.compile(r"^\*\*\*(?!\s)(.+?)(?<!\s)\*\*\*:?$")
_ITALIC = re.compile(r"^([*_])(?![*_\s])(.+?)(?<![*_\s])\1:?$")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+#.-]*)")
_RULE = re.compile(r"^\s{0,3}(?:(?:[*_-]\s*){3,})$")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_BARE_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$|^[^|`]+\|[^|]+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CODE_SIGNS = re.compile(r"[{};]\s*$|==|=>|->|\w\.\w+\(|^\s*[\w.\[\]'\"]+\s*=[^=]|^\s*(?:import|from|def|class|return|\$|#include)\b")
_WORD = re.compile(r"[A-Za-z][a-z'’-]*[,.;:!?)\"”]*$")
_TITLE_END = re.compile(r"[.!?]$")


def heading_of(line: str) -> tuple[int, str] | None:
    """(level, title) if the line is an ATX heading or a short bold/italic line standing alone as a sub-heading."""
    m = _ATX.match(line)
    if m:
        return len(m.group(1)), m.group(2)
    stripped = line.strip()
    for pattern, level in ((_BOLD_ITALIC, BOLD_LEVEL), (_BOLD, BOLD_LEVEL), (_ITALIC, ITALIC_LEVEL)):
        m = pattern.match(stripped)
        if m:
            title = m.groups()[-1]
            if reads_as_title(title):
                return level, title
    return None


def reads_as_title(text: str) -> bool:
    """Whether an emphasised line stands as a sub-heading: short, and not ending like a sentence."""
    return len(text.split()) <= MAX_TITLE_WORDS and not _TITLE_END.search(text.rstrip("*_ ")) \
        and any(ch.isalpha() for ch in text)


def clean_title(title: str, refs: frozenset[str] = frozenset()) -> str:
    return heading_text(title, refs)


FORMULA_CHARS = 40  # an unlabelled code block of one line this short is a displayed formula (_Reader.code)


def looks_like_code(lines: list[str]) -> bool:
    """A fenced or indented block is code unless most of its lines read as sentences (a pasted transcript)."""
    body = [line for line in lines if line.strip()]
    if not body:
        return False
    return sum(_reads_as_prose(line) for line in body) < 0.5 * len(body)


def _reads_as_prose(line: str) -> bool:
    words = line.split()
    return len(words) >= 6 and sum(bool(_WORD.match(w)) for w in words) >= 0.7 * len(words) and not _CODE_SIGNS.search(line)


def _table_cells(line: str) -> list[str]:
    """Cells split at pipes that are not escaped; '\\|' in a cell is a pipe (GFM, inside code spans too)."""
    cells = re.split(r"(?<!\\)\|", line.strip())
    cells = cells[1:] if len(cells) > 1 and not cells[0].strip() else cells
    cells = cells[:-1] if len(cells) > 1 and not cells[-1].strip() else cells
    return [c.strip().replace("\\|", "|") for c in cells]


def _table_row(line: str) -> bool:
    return bool(_TABLE_ROW.match(line.replace("\\|", "  ")))  # an escaped pipe divides no cells


class _Reader:
    """Walks the lines once, keeping the heading path and the units of the current section."""

    def __init__(self, lines: list[str], source: str):
        self.lines, self.source = lines, source
        self.refs = references(lines)  # labels of '[label]: url' lines: '[text][label]' is a link to one
        self.width = wrap_width(lines)
        self.kind = "prose" if self.width is None and _story(lines) else "text"  # hard-wrapped prose flows as prose
        self.chunks: list[Chunk] = []
        self.stack: list[tuple[int, str, int]] = []  # (level, title, file line) of each open heading
        self.units: list[Unit] = []
        self.paragraph: list[tuple[int, str, object]] = []  # (line, text, Line) of the open paragraph
        self.header: list[str] | None = None  # the open table's header cells
        self.carried: list[str] = []  # captions of a picture-only first section, for the next passage

    # -- sections ----------------------------------------------------------------------------------
    def heading(self, number: int, level: int, title: str) -> None:
        self.end_paragraph()
        title = clean_title(title, self.refs)
        if not title.strip("=-~ "):
            return  # a '## =====' rule, not a section
        section_level = self.stack[-1][0] if self.stack else 0
        text = sum(len(u.text) for u in self.units if u.kind != "code")
        if self.units and level > section_level and text < MIN_SECTION:
            # Too short to stand alone ("Logistic regression differs in a few ways."): read it with its first sub-section.
            self.units[-1].paragraph_end = True
            self.units.append(Unit(number, title, paragraph_end=True))
        else:
            self.flush()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title, number))

    def flush(self) -> None:
        self.end_paragraph()
        heading = " > ".join(t for _, t, _ in self.stack)
        captions = [c for u in self.units for c in u.captions]
        if self.carried:
            self.units.insert(0, Unit(0, "", captions=self.carried))
        chunks = pack(self.units, self.source, heading)
        if self.stack:
            chunks = [replace(c, heading_line=self.stack[-1][2]) for c in chunks]
        self.units, self.carried = [], []
        if chunks:
            self.chunks.extend(chunks)
        elif captions and self.chunks:  # a section that is only a picture: its caption joins the passage before
            self.chunks[-1] = replace(self.chunks[-1], captions=self.chunks[-1].captions + tuple(captions))
        elif captions:
            self.carried = captions

    # -- paragraphs --------------------------------------------------------------------------------
    def add_lines(self, group: list[tuple[int, str]]) -> None:
        """Lines of a paragraph, read together when a link or tag runs across them; each keeps its own number."""
        for (number, raw), shown in zip(group, display_lines([raw for _, raw in group], self.refs)):
            if _ITEM.match(raw) or shown.link_share >= NAV_SHARE:
                self.end_paragraph(keep_open=True)  # a list item or a link line starts afresh: no soft wrap into it
            if _BARE_ITEM.match(shown.text):
                shown.text = shown.index = ""  # an empty list item ('* ', or one holding only a picture)
            self.paragraph.append((number, shown.text, shown))

    def end_paragraph(self, keep_open: bool = False) -> None:
        if not self.paragraph:
            return
        lines = [(n, t) for n, t, _ in self.paragraph if t.strip()]
        infos = {n: info for n, _, info in self.paragraph}
        captions = [c for _, _, info in self.paragraph for c in info.captions]
        self.paragraph = []
        if not lines:
            if captions:
                self.units.append(Unit(0, "", captions=captions))
            return
        units = flow(lines, self.width, self.kind)
        for u in units:
            info = infos[u.line]
            if info.index != info.text:
                u.index_text = info.index if len(units) == 1 or u.text == info.text else None
            if info.link_share >= NAV_SHARE:
                u.kind = "nav"
        units[0].captions = captions
        if keep_open:
            units[-1].paragraph_end = False
        elif units[-1].text.rstrip().endswith(":"):
            units[-1].keep_with_next = True  # "Use UDP over TCP when:" belongs to the list under it
        self.units.extend(units)

    def blank(self) -> None:
        self.end_paragraph()
        self.header = None
        if self.units:
            self.units[-1].paragraph_end = True

    # -- blocks ------------------------------------------------------------------------------------
    def code(self, block: list[tuple[int, str]], lang: str = "") -> None:
        self.end_paragraph()
        body = [t for _, t in block if t.strip()]
        # one short unlabelled line reads with the text around it: a displayed formula ("Y = a + bX") whose
        # explanation follows, not a program to rank apart
        formula = not lang and len(body) == 1 and len(body[0].strip()) <= FORMULA_CHARS
        is_code = bool(lang) and lang.lower() not in ("text", "txt", "plain", "plaintext", "md", "markdown") \
            or (looks_like_code(body) and not formula)
        for number, text in block:
            if not text.strip():
                continue
            if is_code:
                self.units.extend(Unit(number, piece, kind="code") for piece in split_long(text.rstrip()))
            else:  # transcript lines are paragraphs of their own; a backslash in a code block is literal
                shown = display(text, self.refs, escapes=False)
                for piece in flow([(number, shown.text.strip())], None):
                    self.units.append(piece)
        if self.units:
            self.units[-1].paragraph_end = True

    def table_row(self, number: int, raw: str) -> None:
        self.end_paragraph(keep_open=True)
        if _TABLE_RULE.match(raw):
            return
        cells = [display(c, self.refs).text for c in _table_cells(raw)]
        if self.header is None:
            self.header = cells
            index = None
        else:
            pairs = [f"{h}: {c}" if h else c for h, c in zip(self.header, cells) if c]
            index = "; ".join(pairs)
        text = "| " + " | ".join(cells) + " |"  # padding spaces carry nothing
        pieces = split_long(text)
        self.units.extend(Unit(number, piece, kind="table", index_text=index if len(pieces) == 1 else None) for piece in pieces)


def chunk_markdown(lines: list[str], source: str) -> list[Chunk]:
    """Split a Markdown file into passages, each with its heading path and line range."""
    reader = _Reader(lines, source)
    i, n = 0, len(lines)
    if lines and lines[0].strip() == "---":  # YAML front matter is metadata, not notes
        close = next((j for j in range(1, min(n, 60)) if lines[j].strip() in ("---", "...")), None)
        i = close + 1 if close else 0
    in_list = False
    while i < n:
        line, number = lines[i], i + 1
        quote = _QUOTE.match(line)  # a fence inside a quote ('> ```') is code too
        fence = _FENCE.match(line[quote.end() :] if quote else line)
        if fence:
            block, i = _fenced(lines, i, fence.group(1), bool(quote))
            reader.code(block, fence.group(2))
            continue
        if not line.strip() or quote and not line[quote.end() :].strip():  # '>' alone ends a paragraph too
            reader.blank()
            i += 1
            continue
        indented = line.startswith(("    ", "\t"))
        if indented and not in_list and not reader.paragraph:
            block = []
            while i < n and (lines[i].startswith(("    ", "\t")) or not lines[i].strip()):
                block.append((i + 1, lines[i]))
                i += 1
            reader.code(block)
            continue
        nxt = lines[i + 1] if i + 1 < n else ""
        setext = _SETEXT.match(nxt) and not reader.paragraph and not _ITEM.match(line) and len(line.strip()) <= 120 \
            and not _table_row(line) and line.strip()
        if setext:
            reader.heading(number, 1 if nxt.strip()[0] == "=" else 2, line.strip())
            i += 2
            continue
        h = heading_of(line)
        if h:
            reader.heading(number, *h)
            in_list = False
        elif _RULE.match(line):
            reader.blank()
        elif _table_row(line) and (reader.header is not None or _TABLE_RULE.match(nxt)):
            reader.table_row(number, line)
        else:
            if _ITEM.match(line):
                in_list = True
            elif not indented:
                in_list = in_list and bool(reader.paragraph)
            # A tag or link wrapped over lines (<img src=...\n width=...>, [Suite 1\nNew York](/x)) is read at once,
            # so it never shows raw; each line keeps its own words and number.
            close = _group_end(lines, i, reader.refs)
            reader.add_lines([(j + 1, lines[j]) for j in range(i, close + 1)])
            i = close
        i += 1
    reader.flush()
    return reader.chunks


def _fenced(lines: list[str], i: int, marker: str, quoted: bool) -> tuple[list[tuple[int, str]], int]:
    """(numbered lines, next line index) of the code block whose fence opens at line ``i``.

    A fence inside a quote is read without the '>' and closes where the quote does."""
    block, i = [], i + 1
    while i < len(lines):
        line = lines[i]
        if quoted:
            quote = _QUOTE.match(line)
            if not quote:
                return block, i
            line = line[quote.end() :]
        if line.strip().startswith(marker[0] * 3):
            return block, i + 1
        block.append((i + 1, line))
        i += 1
    return block, i


_OPEN_TAG = re.compile(r"<[A-Za-z][\w-]*(?:\s[^<>]*)?$")
MAX_TAG_LINES = 12


def _group_end(lines: list[str], i: int, refs: frozenset[str]) -> int:
    """The last line read with line ``i``: where a tag or a link left open on it closes (``i`` when none)."""
    end = _tag_close(lines, i)
    if link_opens(lines[i]):
        j = i + 1
        while j < min(len(lines), i + MAX_TAG_LINES) and lines[j].strip() and not (
                _ITEM.match(lines[j]) or _FENCE.match(lines[j]) or _ATX.match(lines[j])):
            j += 1  # a paragraph ends at a blank line or a new block, and a link with it
        end = max(end, i + link_reach(lines[i:j], refs))
    return end


def _tag_close(lines: list[str], i: int) -> int:
    """The line where a tag left open at the end of line ``i`` closes (``i`` when none is open, or it never does)."""
    if not _OPEN_TAG.search(lines[i]):
        return i
    for j in range(i + 1, min(len(lines), i + MAX_TAG_LINES)):
        if not lines[j].strip() or "<" in lines[j].split(">")[0]:
            return i
        if ">" in lines[j]:
            return j
    return i


def _story(lines: list[str]) -> bool:
    """Whether a note of unwrapped lines reads as running prose (pack.reads_as_prose): an article or a story saved
    as Markdown, one paragraph a line, under few headings."""
    text, other, fenced = [], 0, False
    for line in lines:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif fenced:
            other += len(line)
        elif line.strip() and not heading_of(line):
            text.append(line.strip())
    return reads_as_prose(text, sum(1 for line in lines if heading_of(line)), other)


def chunk_plain(lines: list[str], source: str) -> list[Chunk]:
    """Plain text: paragraphs separated by blank lines, no headings; hard-wrapped prose read as prose."""
    width = wrap_width(lines)
    # unwrapped, a story or article saved one paragraph a line is still running prose (pack.reads_as_prose)
    kind = "prose" if width is None and reads_as_prose([line.strip() for line in lines if line.strip()], 0) else "text"
    units: list[Unit] = []
    paragraph: list[tuple[int, str]] = []
    for number, line in enumerate([*lines, ""], start=1):
        if line.strip():
            paragraph.append((number, line.strip()))
        elif paragraph:
            units.extend(flow(paragraph, width, kind))
            paragraph = []
    return pack(units, source, "")
