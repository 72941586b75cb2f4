"""OpenDocument text (.odt), cited by paragraph ("notes/x.odt, ¶ 4-6").

Paragraph numbering: the 1-based index among the non-empty paragraphs of the body in reading order. The
paragraphs are the ``text:p`` and ``text:h`` elements under ``office:body/office:text`` in document order:
inside lists, sections and indexes (a table of contents) too, a table's cells row by row, left to right (a
table nested in a cell is read in its place inside that cell, as rows of its own), and the paragraphs of a
text box (``draw:text-box``, or the text of a shape) right after the paragraph it is anchored in, as the Word
reader reads a text box; a box nested in a box follows its own anchor paragraph inside the outer box, and a
frame anchored to the page (a ``draw:*`` child of ``office:text``) is read where it stands in the body.
Left out, neither counted nor indexed: images (``draw:image``, their title and description too, as the Word
reader leaves out alt text), footnotes, endnotes, comments (``office:annotation``), the deleted text of
tracked changes, and cells hidden by a merge (``table:covered-table-cell``). A paragraph's text is its text
with ``text:s`` as that many spaces and tabs and line breaks as spaces, notes, comments and frames left out;
a paragraph whose text is empty after strip() is not counted (its text boxes still are).

``text:h`` is a heading of its ``text:outline-level`` (1 when absent); a paragraph in the "Title" style is
a level 1 heading and then every outline level is one deeper, as in the Word reader. A paragraph in a text
box is never a heading (a sidebar does not open a section).
"""
from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Iterator

from .blocks import MAX_HEADING_CHARS, Block, chunk_blocks
from .records import one_line
from .records import Chunk, IngestError
from .markdown import BOLD_LEVEL, reads_as_title
from .office import CODE_STYLE, Cell, Para, Table, open_package, parse_xml, table_blocks

APPS = "LibreOffice"
_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}
_DRAW = f"{{{_NS['draw']}}}"
_BOX, _IMAGE = f"{_DRAW}text-box", f"{_DRAW}image"


def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{_NS[prefix]}}}{local}"


P, H, TABLE, ROW, CELL, COVERED, _LIST = map(_q, ("text:p", "text:h", "table:table", "table:table-row",
                                                 "table:table-cell", "table:covered-table-cell", "text:list"))
_ROW_GROUPS = set(map(_q, ("table:table-header-rows", "table:table-rows", "table:table-row-group")))
_SKIP = set(map(_q, ("text:tracked-changes", "office:annotation", "office:annotation-end", "text:note",
                     "table:table-columns", "table:table-column", "table:table-column-group", "office:forms")))
_INDEXES = set(map(_q, ("text:table-of-content", "text:illustration-index", "text:table-index", "text:object-index",
                        "text:user-index", "text:alphabetical-index", "text:bibliography")))


def chunk_odt(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Passages of an OpenDocument text, each cited by the paragraphs it stands in."""
    with open_package(path, source, "OpenDocument text", APPS) as archive:
        names = set(archive.namelist())
        try:
            manifest = archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
            if b"encryption-data" in manifest:
                raise IngestError(source, "is password-protected; save an unprotected copy and ingest that")
            root = parse_xml(archive.read("content.xml"))
        except (IngestError, MemoryError):
            raise
        except Exception as e:  # content.xml missing or damaged
            raise IngestError(source, f"not a readable OpenDocument text file ({one_line(e)}); re-save it in {APPS} and ingest again")
    body = root.find(f"{_q('office:body')}/{_q('office:text')}")
    if body is None:
        raise IngestError(source, "has no text body (a spreadsheet or drawing saved as .odt?); "
                                  f"save it as an OpenDocument text in {APPS} and ingest again")
    blocks = list(_blocks(body, _title_styles(root), _code_styles(root), _bold_styles(root)))
    return chunk_blocks(blocks, source, "paragraph"), []


def _title_styles(root) -> set[str]:
    """Style names that mean "Title": the style itself and automatic styles derived from it."""
    names = {"Title"}
    auto = root.find(_q("office:automatic-styles"))
    for style in auto.iterchildren(_q("style:style")) if auto is not None else ():
        if style.get(_q("style:parent-style-name")) == "Title":
            names.add(style.get(_q("style:name"), ""))
    return names


def _code_styles(root) -> set[str]:
    """Paragraph style names that hold program text ("Preformatted Text"), and the styles derived from them."""
    styles = [(s.get(_q("style:name"), ""), s.get(_q("style:parent-style-name"), ""))
              for part in (root.find(_q("office:styles")), root.find(_q("office:automatic-styles"))) if part is not None
              for s in part.iterchildren(_q("style:style"))]
    names = {name for name, _ in styles if CODE_STYLE.search(name.replace("_20_", " "))}
    for _ in range(3):  # derived styles, a few generations down
        names |= {name for name, parent in styles if parent in names or CODE_STYLE.search(parent.replace("_20_", " "))}
    return names


def _bold_styles(root) -> set[str]:
    """Text (span) style names that set bold type: "Strong Emphasis" and any whose font weight is bold."""
    names = {"Strong_20_Emphasis"}
    for part in (root.find(_q("office:styles")), root.find(_q("office:automatic-styles"))):
        for style in part.iterchildren(_q("style:style")) if part is not None else ():
            props = style.find(_q("style:text-properties"))
            if (props is not None and props.get(_q("fo:font-weight")) in ("bold", "700", "800", "900")) \
                    or style.get(_q("style:parent-style-name")) in names:
                names.add(style.get(_q("style:name"), ""))
    return names


def _all_bold(p, bold: set[str]) -> bool:
    """Whether all the words of paragraph ``p`` stand in bold spans (a bold line heading what follows)."""
    def walk(el, inside: bool) -> bool:
        if (el.text or "").strip() and not inside:
            return False
        for child in el:
            if isinstance(child.tag, str) and not (child.tag in _SKIP or child.tag.startswith(_DRAW)):
                if not walk(child, inside or (child.tag == _q("text:span") and child.get(_q("text:style-name")) in bold)):
                    return False
            if (child.tail or "").strip() and not inside:
                return False
        return True
    return walk(p, False)


def _walk(el, nav: bool = False, boxed: bool = False) -> Iterator[tuple[object, bool, bool]]:
    """(paragraph, in an index, in a text box) in document order, each paragraph's text boxes right after it;
    tables as (table, False, boxed), their cells read by ``_table``."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP or tag == COVERED:
            continue
        if tag in (P, H):
            yield child, nav, boxed
            for box in _boxes(child):
                yield from _walk(box, nav, True)
        elif tag == TABLE:
            yield child, False, boxed
        elif tag.startswith(_DRAW):  # a frame anchored to the page, standing in the body itself
            for box in _boxes((child,)):
                yield from _walk(box, nav, True)
        else:
            yield from _walk(child, nav or tag in _INDEXES, boxed)


def _boxes(children) -> Iterator[object]:
    """The text boxes (or shapes holding text) among ``children`` and what they hold, not those inside another
    box (its walk reads them), nor an image's text (a stand-in for the picture) or what notes hold."""
    for child in children:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP or tag == _IMAGE:
            continue
        if tag == _BOX or (tag.startswith(_DRAW) and any(c.tag in (P, H, _LIST) for c in child)):
            yield child
        else:
            yield from _boxes(child)


def text_of(p) -> str:
    """What a paragraph shows, notes, comments and frames left out."""
    out: list[str] = []

    def walk(el) -> None:
        out.append(el.text or "")
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                if tag == _q("text:s"):
                    count = child.get(_q("text:c"), "1")
                    out.append(" " * min(int(count) if count.isdigit() else 1, 80))
                elif tag in (_q("text:tab"), _q("text:line-break")):
                    out.append(" ")
                elif not (tag in _SKIP or tag.startswith(_DRAW)):
                    walk(child)
            out.append(child.tail or "")

    walk(p)
    return "".join(out)


def _rows(table) -> Iterator[object]:
    for child in table:
        if child.tag == ROW:
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _table(table, numbers: Iterator[int]) -> Table:
    """A table's rows, each cell's paragraphs numbered in document order, nested tables where they stand."""
    rows: list[list[Cell]] = []
    for tr in _rows(table):
        row: list[Cell] = []
        col = 0
        for tc in tr:
            if tc.tag not in (CELL, COVERED):
                continue
            repeat = tc.get(_q("table:number-columns-repeated"), "1")
            span = tc.get(_q("table:number-columns-spanned"), "1")
            width = int(repeat) if repeat.isdigit() else 1
            if tc.tag == CELL:
                held: list[Para | Table] = []
                for el, *_ in _walk(tc):
                    if el.tag == TABLE:
                        held.append(_table(el, numbers))
                    elif text := " ".join(text_of(el).split()):
                        held.append((next(numbers), text))
                row.append((col, int(span) if span.isdigit() and int(span) > 0 else 1, held))
            col += max(width, 1)
        rows.append(row)
    return Table(rows)


def _blocks(body, titles: set[str], codes: set[str] = frozenset(), bold: set[str] = frozenset()) -> Iterator[Block]:
    """Numbered paragraphs as the module docstring says: headings with their level, table rows, the rest."""
    numbers = count(1)
    items: list = []  # ("p", number, text, heading level, "title" or None, nav, code, bold) or a Table
    for el, nav, boxed in _walk(body):
        if el.tag == TABLE:
            items.append(_table(el, numbers))
            continue
        text = text_of(el)
        if not text.strip():
            continue
        level = None
        if el.tag == H and not boxed:
            value = el.get(_q("text:outline-level"), "1")
            level = int(value) if value.isdigit() and int(value) > 0 else 1
        title = "title" if el.tag == P and not boxed and el.get(_q("text:style-name")) in titles else None
        body_text = level is None and not title and not boxed
        style = el.get(_q("text:style-name"), "")
        code = body_text and (style in codes or bool(CODE_STYLE.search(style.replace("_20_", " "))))
        listed = el.getparent() is not None and el.getparent().tag == _q("text:list-item")  # a bold term of a list
        items.append(("p", next(numbers), text, level, title, nav, code, body_text and not listed and _all_bold(el, bold)))
    has_title = any(isinstance(item, tuple) and item[4] for item in items)
    for item in items:
        if isinstance(item, Table):
            yield from table_blocks(item.rows)
            continue
        _, n, text, level, title, nav, code, strong = item
        if strong and not nav and not code and reads_as_title(text.strip()):  # as a bold line in Markdown
            yield Block(n, text, level=BOLD_LEVEL)
        elif nav or (level is None and not title) or len(text.strip()) > MAX_HEADING_CHARS:
            yield Block(n, text, kind="nav" if nav else "code" if code else "text")
        else:
            yield Block(n, text, level=1 if title else level + has_title)
