"""Word documents (.docx), cited by paragraph ("notes/x.docx, ¶ 12-15").

Paragraph numbering (a contract other code checks): the 1-based index among the non-empty paragraphs of
the document body in reading order, which is the document order of the ``w:p`` elements under ``w:body``:
a table's paragraphs row by row and left to right (a cell merged across columns with ``w:gridSpan`` is one
``w:tc``, so it counts once), a table nested in a cell where it stands in that cell, the paragraphs of
content controls (``w:sdt``) and custom XML where they stand, and the paragraphs of a text box
(``w:txbxContent``) right after the paragraph it is anchored in. A paragraph's text is every ``w:t`` in it
(tabs and breaks as white space) except its text boxes (paragraphs of their own), a fallback copy
(``mc:Fallback``, which repeats its ``mc:Choice``: never read) and text moved away (``w:moveFrom``); a
paragraph whose text is empty after strip() is not counted. Headers, footers, footnotes, endnotes and
comments are other parts of the package: neither counted nor indexed.

Styles "Title" and "Heading 1".."Heading 9" (or a style based on one, or an outline level) are headings:
Title is level 1 and "Heading n" is level n, or n + 1 when the document has a Title, so a heading path
reads "Title > Section > Sub-section". A paragraph in a table cell or a text box is never a heading (a
sidebar does not open a section). A table of contents in a content control is read as navigation, like
an OpenDocument index. Opening the package and reading table rows (nested tables too) is
ingest/office.py's, shared with the PowerPoint and OpenDocument readers.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from itertools import count
from typing import Iterator, NamedTuple

from .blocks import MAX_HEADING_CHARS, Block, chunk_blocks
from .markdown import BOLD_LEVEL, reads_as_title
from .office import CODE_STYLE, REL, Cell, Para, Table, open_package, parse_xml, table_blocks
from .records import one_line
from .records import Chunk, IngestError

_HEADING = re.compile(r"heading\s*([1-9])$", re.IGNORECASE)
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
# The fixed-width fonts code is pasted in (a paragraph all in one reads as code, as one in a code style does).
_MONOSPACE = re.compile(r"^(?:courier|consolas|menlo|monaco|lucida console|cascadia|source code|fira code|"
                        r"jetbrains mono|dejavu sans mono|liberation mono|roboto mono|sf mono|inconsolata)", re.IGNORECASE)


def chunk_docx(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Passages of a Word document, each cited by the paragraphs it stands in."""
    with open_package(path, source, "Word", "Word or LibreOffice") as archive:
        try:
            main = _main_part(archive)
            root = parse_xml(archive.read(main))
        except MemoryError:
            raise
        except Exception as e:  # a missing part, lxml's XMLSyntaxError, a zlib error: the package is damaged
            raise IngestError(source, f"not a readable Word file ({one_line(e)}); re-save it in Word or LibreOffice and ingest again")
        warnings: list[str] = []
        try:
            styles = _styles(archive, main)
        except MemoryError:
            raise
        except Exception as e:  # the text is still there: read it, without headings
            styles = {}
            warnings.append(f"its styles could not be read ({one_line(e)}); headings were read as text")
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    body = root.find(f"{{{ns}}}body")
    if body is None:
        raise IngestError(source, "not a Word document (no document body); re-save it as .docx and ingest again")
    blocks = list(_blocks(body, ns, styles))
    return chunk_blocks(blocks, source, "paragraph"), warnings


def _main_part(archive: zipfile.ZipFile) -> str:
    """The main document part named by the package relationships (word/document.xml as a rule)."""
    rels = parse_xml(archive.read("_rels/.rels"))
    for rel in rels.iter(f"{{{REL}}}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    return "word/document.xml"


def _styles(archive: zipfile.ZipFile, main: str) -> dict[str, tuple[str, str | None, int | None]]:
    """Paragraph styles: id -> (name in lower case, id it is based on, outline level), "" -> the default."""
    folder = main.rsplit("/", 1)[0] + "/" if "/" in main else ""
    name = f"{folder}styles.xml"
    if name not in archive.namelist():
        return {}
    root = parse_xml(archive.read(name))
    w = root.tag[1:].split("}")[0]
    styles: dict[str, tuple[str, str | None, int | None]] = {}
    for style in root.iter(f"{{{w}}}style"):
        if style.get(f"{{{w}}}type") != "paragraph":
            continue
        sid = style.get(f"{{{w}}}styleId", "")
        label = style.find(f"{{{w}}}name")
        based = style.find(f"{{{w}}}basedOn")
        outline = style.find(f"{{{w}}}pPr/{{{w}}}outlineLvl")
        styles[sid] = ((label.get(f"{{{w}}}val", "") if label is not None else sid).lower(),
                       based.get(f"{{{w}}}val") if based is not None else None, _level(outline, w))
        if style.get(f"{{{w}}}default") in ("1", "true", "on"):
            styles[""] = styles[sid]
    return styles


def _level(outline, w: str) -> int | None:
    """A paragraph's or style's outline level 0-9 as set (9 is body text), None when not set."""
    value = outline.get(f"{{{w}}}val") if outline is not None else None
    return int(value) if value is not None and value.isdigit() else None


def _heading(p, w: str, styles: dict) -> int | str | None:
    """"title", a heading level 1-9, or None for body text."""
    pstyle = p.find(f"{{{w}}}pPr/{{{w}}}pStyle")
    sid = pstyle.get(f"{{{w}}}val", "") if pstyle is not None else ""
    outline = _level(p.find(f"{{{w}}}pPr/{{{w}}}outlineLvl"), w)  # set on the paragraph, it wins over its style
    seen: set[str] = set()
    while outline is None and sid in styles and sid not in seen:  # follow "based on" up to a heading style
        seen.add(sid)
        name, based, outline = styles[sid]
        if name == "title":
            return "title"
        m = _HEADING.match(name)
        if m:
            return int(m.group(1))
        sid = based or ""
    return outline + 1 if outline is not None and outline < 9 else None


def paragraph_text(p, w: str) -> str:
    """What Word shows of a paragraph, its text boxes left out (paragraphs of their own, read after it)."""
    skip = {f"{{{w}}}txbxContent", f"{{{w}}}pPr", f"{{{w}}}rPr", f"{{{w}}}moveFrom", f"{{{_MC}}}Fallback"}
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in skip:
                continue
            local = tag.rsplit("}", 1)[-1]
            if local == "t" and tag.startswith(f"{{{w}}}"):
                out.append(child.text or "")
            elif local in ("tab", "ptab"):
                out.append("\t")
            elif local in ("br", "cr"):
                out.append("\n")
            elif local == "noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(out)


class _Paragraph(NamedTuple):
    number: int
    text: str
    heading: int | str | None
    nav: bool
    code: bool = False
    bold: bool = False  # every run bold: a short one is a sub-heading, as a bold line in Markdown


def _bold(p, w: str, styles: dict) -> bool:
    """Whether every run with words is bold (set on the run, or its character style is "Strong"), in a paragraph
    that is no list item (numbered, or in a List style): a bold item is a term of its list, not a heading."""
    pstyle = p.find(f"{{{w}}}pPr/{{{w}}}pStyle")
    name = styles.get(pstyle.get(f"{{{w}}}val", "") if pstyle is not None else "", ("",))[0]
    if p.find(f"{{{w}}}pPr/{{{w}}}numPr") is not None or name.startswith("list"):
        return False
    runs = [run for run in _own_runs(p, w) if "".join(t.text or "" for t in run.iter(f"{{{w}}}t")).strip()]
    def bold(run) -> bool:
        b = run.find(f"{{{w}}}rPr/{{{w}}}b")
        style = run.find(f"{{{w}}}rPr/{{{w}}}rStyle")
        return (b is not None and b.get(f"{{{w}}}val", "1") not in ("0", "false", "off")) or \
            (style is not None and style.get(f"{{{w}}}val", "").lower() == "strong")
    return bool(runs) and all(bold(run) for run in runs)


def _own_runs(p, w: str) -> list:
    """The paragraph's runs, not those of its text boxes or of a fallback copy (paragraph_text reads the same)."""
    skip = {f"{{{w}}}txbxContent", f"{{{_MC}}}Fallback"}
    out: list = []

    def walk(el) -> None:
        for child in el:
            if child.tag in skip:
                continue
            if child.tag == f"{{{w}}}r":
                out.append(child)
            walk(child)
    walk(p)
    return out


def _code(p, w: str, styles: dict) -> bool:
    """Whether a paragraph is program text: a code style (or one based on it), or every run in a fixed-width font."""
    pstyle = p.find(f"{{{w}}}pPr/{{{w}}}pStyle")
    sid, seen = (pstyle.get(f"{{{w}}}val", "") if pstyle is not None else ""), set()
    while sid in styles and sid not in seen:
        seen.add(sid)
        name, based, _ = styles[sid]
        if CODE_STYLE.search(name):
            return True
        sid = based or ""
    fonts = [run.find(f"{{{w}}}rPr/{{{w}}}rFonts") for run in _own_runs(p, w) if run.find(f"{{{w}}}t") is not None]
    return bool(fonts) and all(f is not None and _MONOSPACE.match(f.get(f"{{{w}}}ascii", "")) for f in fonts)


def _blocks(body, w: str, styles: dict) -> Iterator[Block]:
    """Body paragraphs numbered as the module docstring says, headings with their level, table rows."""
    items = list(_read(body, _Reader(w, styles)))
    has_title = any(isinstance(item, _Paragraph) and item.heading == "title" for item in items)
    for item in items:
        if isinstance(item, Table):
            yield from table_blocks(item.rows)
        elif item.bold and not item.nav and not item.code and reads_as_title(item.text.strip()):
            yield Block(item.number, item.text, level=BOLD_LEVEL)
        elif item.nav or item.heading is None or len(item.text.strip()) > MAX_HEADING_CHARS:
            yield Block(item.number, item.text, kind="nav" if item.nav else "code" if item.code else "text")
        else:
            yield Block(item.number, item.text, level=1 if item.heading == "title" else item.heading + has_title)


class _Reader:
    """What one walk of the body shares: the namespace, the styles and the paragraph count."""

    def __init__(self, w: str, styles: dict):
        self.w, self.styles, self.numbers = w, styles, count(1)
        self.P, self.TBL, self.TR, self.TC, self.SDT, self.TXBX = (
            f"{{{w}}}{t}" for t in ("p", "tbl", "tr", "tc", "sdt", "txbxContent"))
        # Never read: properties, and copies of text that stands elsewhere (a fallback, text moved away).
        self.skip = {f"{{{w}}}{t}" for t in ("sectPr", "pPr", "rPr", "tblPr", "tcPr", "trPr", "sdtPr", "sdtEndPr",
                                             "customXmlPr", "moveFrom")} | {f"{{{_MC}}}Fallback"}


def _read(el, r: _Reader, nav: bool = False, boxed: bool = False) -> Iterator[_Paragraph | Table]:
    """The paragraphs and tables under ``el`` in document order; wrappers (content controls, custom XML,
    mc:Choice) are read through, and a paragraph's text boxes follow it."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str) or tag in r.skip:
            continue
        if tag == r.P:
            text = paragraph_text(child, r.w)
            if text.strip():
                heading = None if boxed else _heading(child, r.w, r.styles)
                body = heading is None and not boxed
                yield _Paragraph(next(r.numbers), text, heading, nav, body and _code(child, r.w, r.styles),
                                 body and _bold(child, r.w, r.styles))
            for box in _boxes(child, r):
                yield from _read(box, r, nav, boxed=True)
        elif tag == r.TBL:
            yield _table(child, r)
        else:
            yield from _read(child, r, nav or (tag == r.SDT and _is_toc(child, r.w)), boxed)


def _table(tbl, r: _Reader) -> Table:
    """A table's rows, each cell's paragraphs numbered in document order, nested tables where they stand."""
    rows: list[list[Cell]] = []
    for tr in _within(tbl, r.TR, r):
        row: list[Cell] = []
        col = 0
        for tc in _within(tr, r.TC, r):
            span = tc.find(f"{{{r.w}}}tcPr/{{{r.w}}}gridSpan")
            value = span.get(f"{{{r.w}}}val", "") if span is not None else ""
            width = max(int(value), 1) if value.isdigit() else 1
            held: list[Para | Table] = [item if isinstance(item, Table) else (item.number, " ".join(item.text.split()))
                                        for item in _read(tc, r, boxed=True)]
            row.append((col, width, held))
            col += width
        rows.append(row)
    return Table(rows)


def _within(el, tag: str, r: _Reader) -> Iterator:
    """The ``tag`` children of ``el``, those wrapped in a content control or custom XML included."""
    for child in el:
        if child.tag == tag:
            yield child
        elif isinstance(child.tag, str) and child.tag not in r.skip and child.tag not in (r.P, r.TBL, r.TR, r.TC):
            yield from _within(child, tag, r)


def _boxes(p, r: _Reader) -> Iterator:
    """The text boxes anchored in paragraph ``p`` (not those inside another box: that box reads them)."""
    for child in p:
        if not isinstance(child.tag, str) or child.tag in r.skip:
            continue
        if child.tag == r.TXBX:
            yield child
        else:
            yield from _boxes(child, r)


def _is_toc(sdt, w: str) -> bool:
    """A content control holding Word's table of contents (its building-block gallery says so)."""
    gallery = sdt.find(f"{{{w}}}sdtPr/{{{w}}}docPartObj/{{{w}}}docPartGallery")
    return gallery is not None and gallery.get(f"{{{w}}}val", "").lower().startswith("table of contents")
