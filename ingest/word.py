"""Word documents (.docx), cited by paragraph ("notes/x.docx, ¶ 12-15").

Paragraph numbering (a contract other code checks): the 1-based index among the non-empty paragraphs of
the document body in reading order. The direct children of ``w:body`` are walked; a ``w:p`` is one
paragraph; a ``w:tbl`` contributes, row by row and left to right, the ``w:p`` directly inside each
physical ``w:tc`` (a cell merged across columns with ``w:gridSpan`` is one ``w:tc``, so it counts once).
A paragraph's text is every ``w:t`` in it (tabs and breaks as white space) except text boxes
(``w:txbxContent``), a fallback copy (``mc:Fallback``) and text moved away (``w:moveFrom``); a paragraph
whose text is empty after strip() is not counted. Headers, footers, footnotes, comments, text boxes and
tables nested in a cell are not body paragraphs, so they are neither counted nor indexed.

Styles "Title" and "Heading 1".."Heading 9" (or a style based on one, or an outline level) are headings:
Title is level 1 and "Heading n" is level n, or n + 1 when the document has a Title, so a heading path
reads "Title > Section > Sub-section". Opening the package and reading table rows is ingest/office.py's, shared
with the PowerPoint and OpenDocument readers.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterator

from .blocks import Block, chunk_blocks
from .office import MAX_HEADING_CHARS, REL, Cell, open_package, parse_xml, table_blocks
from .records import one_line
from .records import Chunk, IngestError

_HEADING = re.compile(r"heading\s*([1-9])$", re.IGNORECASE)
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


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
    """What Word shows of a paragraph, text boxes left out (they are not body paragraphs)."""
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


def _blocks(body, w: str, styles: dict) -> Iterator[Block]:
    """Body paragraphs numbered as the module docstring says, headings with their level, table rows."""
    P, TBL, TR, TC = (f"{{{w}}}{t}" for t in ("p", "tbl", "tr", "tc"))
    number = 0
    items: list = []  # ("p", number, text, heading) or ("tbl", rows)
    for child in body:
        if child.tag == P:
            text = paragraph_text(child, w)
            if text.strip():
                number += 1
                items.append(("p", number, text, _heading(child, w, styles)))
        elif child.tag == TBL:
            rows: list[list[Cell]] = []
            for tr in child.iterchildren(TR):
                row: list[Cell] = []
                col = 0
                for tc in tr.iterchildren(TC):
                    span = tc.find(f"{{{w}}}tcPr/{{{w}}}gridSpan")
                    width = int(span.get(f"{{{w}}}val", "1")) if span is not None and span.get(f"{{{w}}}val", "").isdigit() else 1
                    paras = []
                    for p in tc.iterchildren(P):
                        text = paragraph_text(p, w)
                        if text.strip():
                            number += 1
                            paras.append((number, " ".join(text.split())))
                    row.append((col, max(width, 1), paras))
                    col += max(width, 1)
                rows.append(row)
            items.append(("tbl", rows))
    has_title = any(item[0] == "p" and item[3] == "title" for item in items)
    for item in items:
        if item[0] == "tbl":
            yield from table_blocks(item[1])
            continue
        _, n, text, heading = item
        if heading is None or len(text.strip()) > MAX_HEADING_CHARS:
            yield Block(n, text)
        else:
            yield Block(n, text, level=1 if heading == "title" else heading + has_title)
