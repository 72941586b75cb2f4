"""Documents a library reads into structure (slides, Word, EPUB, HTML, notebooks): blocks packed into passages.

A reader turns its file into ``Block``s, each cited by one number (a paragraph, a slide, a cell, a source
line); this module owns the heading path and the packing, so every format cuts passages by the same rules
as Markdown does.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from .pack import Unit, pack, reads_as_prose, split_long
from .records import Chunk

MIN_SECTION = 120  # a section shorter than this is read with its first sub-section (as in Markdown)
MAX_HEADING_CHARS = 150  # a "heading" longer than this is a paragraph someone styled as one: read it as text


@dataclass
class Block:
    number: int  # the unit it is cited by: paragraph, slide, cell, source line
    text: str
    level: int = 0  # > 0: a heading of this level; it opens a section of the heading path
    kind: str = "text"  # text, code, table or nav
    index_text: str | None = None  # what retrieval reads, when it differs from ``text``
    end: int | None = None  # the last unit (source line, paragraph) the block's text comes from, when not ``number``
    indent: int = 0  # a nested list item's depth, shown as two spaces a level (other white space is folded)
    keep_with_next: bool = False  # a lead-in ("Use UDP when:") or an item of its list: no passage ends after it


def chunk_blocks(blocks: Iterable[Block], source: str, unit: str, *, heading: tuple[str, ...] = (),
                 chapter: int | None = None, whole: bool = False, ocr: bool = False,
                 prose: bool | None = None) -> list[Chunk]:
    """Passages of ``blocks`` under the heading path ``heading`` + the blocks' own headings.

    ``unit`` is how the numbers cite: "lines" (they are source lines), "paragraph", "chapter" (paragraphs
    of chapter ``chapter``), "slide", "cell" or "page". With ``whole`` a passage never spans two numbers
    (a slide, a cell, a page is read on its own), and a number's lines stay separate lines. ``prose``: whether
    the document reads as running prose (pack.reads_as_prose), when the reader knows better than its blocks tell.
    """
    chunks: list[Chunk] = []
    ends: dict[int, int] = {}  # unit "lines": a block's first line -> its last
    stack: list[tuple[int, str]] = []
    units: list[Unit] = []
    current: int | None = None  # the number being read, when ``whole``
    blocks = list(blocks)
    # running prose: packed sentence by sentence
    story = not whole and unit != "page" and (read_as_prose(blocks) if prose is None else prose)

    def path() -> str:
        return " > ".join([*heading, *(t for _, t in stack)])

    def flush() -> None:
        nonlocal units
        if units:
            page = units[0].line if whole else None
            chunks.extend(_cited(c, unit, chapter, ocr) for c in pack(units, source, path(), page=page))
        units = []

    for block in blocks:
        text = " ".join(block.text.split()) if block.kind != "code" else block.text.rstrip()
        if not text.strip():
            continue
        if block.end:
            ends[block.number] = max(block.end, ends.get(block.number, 0))
        if whole and current is not None and block.number != current:
            flush()
        current = block.number
        if block.level and len(text) > MAX_HEADING_CHARS:  # (an EPUB's or web page's <h2> of a whole paragraph)
            block = replace(block, level=0)
        if block.level:
            section = stack[-1][0] if stack else 0
            said = sum(len(u.text) for u in units if u.kind != "code")
            if not (units and block.level > section and said < MIN_SECTION):
                flush()
            elif units:
                units[-1].paragraph_end = True
            if units or whole:
                # Read with what follows (a short section, or a slide title): the title is text of its unit too.
                units.append(Unit(block.number, text, paragraph_end=True, keep_with_next=True))
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, text))
            continue
        lines = text.split("\n") if block.kind == "code" else [text]
        for line in lines:
            pieces = split_long(line, each_sentence=story) if block.kind != "code" else [line]
            if block.indent:  # under its "- ", a long item's later pieces align with its text
                pieces = ["  " * block.indent + ("" if i == 0 else "  ") + p for i, p in enumerate(pieces)]
            units.extend(Unit(block.number, piece, kind="prose" if story and block.kind == "text" else block.kind, end=block.end or 0,
                              index_text=block.index_text if len(pieces) == 1 and len(lines) == 1 else None)
                         for piece in pieces)
        if units:
            units[-1].paragraph_end, units[-1].keep_with_next = True, block.keep_with_next
    flush()
    if ends and unit == "lines":
        chunks = [replace(c, end_line=max(c.end_line, *(ends.get(n, n) for n in c.lines))) for c in chunks]
    elif ends:  # a table row read as one line cites up to its last paragraph
        chunks = [replace(c, last=max(c.last, *(ends.get(n, n) for n in c.lines))) if c.lines else c for c in chunks]
    return chunks


def read_as_prose(blocks: list[Block], paragraphs: list[str] | None = None, sections: int = 0) -> bool:
    """pack.reads_as_prose asked of a document's blocks: their text (or its ``paragraphs``, where a reader cut
    them), their headings and ``sections`` more (an EPUB's chapters), the rest (code, tables, links) apart."""
    text = [b.text for b in blocks if not b.level and b.kind == "text"] if paragraphs is None else paragraphs
    return reads_as_prose(text, sum(1 for b in blocks if b.level) + sections,
                          sum(len(b.text) for b in blocks if not b.level and b.kind != "text"))


def _cited(chunk: Chunk, unit: str, chapter: int | None, ocr: bool) -> Chunk:
    """The packed passage, cited by ``unit``: packing numbers lines (or pages); move them to the unit."""
    if unit in ("lines", "page"):
        return replace(chunk, ocr=ocr)  # packing already cites these
    if chunk.page is not None:
        first = last = chunk.page
    else:
        # numbers may go back (text after a nested paragraph belongs to the outer one): cite the whole span
        first, last = min(chunk.lines or (chunk.start_line,)), max(chunk.lines or (chunk.end_line,))
    return replace(chunk, start_line=None, end_line=None, page=None, unit=unit, first=first, last=last,
                   chapter=chapter if unit == "chapter" else None, ocr=ocr)
