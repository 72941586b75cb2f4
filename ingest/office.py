"""What the Office readers share: opening a package safely, parsing untrusted XML, tables as row blocks."""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .blocks import Block
from .pack import LONG_LINE
from .records import one_line
from .records import IngestError

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an encrypted OOXML file or an old .doc/.ppt
PROTECTED = "is password-protected (or an old binary Office file); save an unprotected .pptx/.docx copy and ingest that"
# Paragraph styles that hold program text: Word's "HTML Preformatted" and "Macro Text", LibreOffice's "Preformatted
# Text", "Source Code" and "Verbatim" of converters, anyone's "Code".
CODE_STYLE = re.compile(r"\b(?:code|preformatted|verbatim|macro text)\b", re.IGNORECASE)
MAX_XML_BYTES = 200 * 2**20  # XML unpacked from one file; more is a zip bomb or far beyond a note
REL = "http://schemas.openxmlformats.org/package/2006/relationships"

Para = tuple[int, str]  # a numbered paragraph: (its number, its text)


@dataclass
class Table:
    """A table's rows; each cell holds its paragraphs and the tables nested in it, in document order."""
    rows: list[list["Cell"]]


Cell = tuple[int, int, list[Para | Table]]  # (grid column, columns spanned, what the cell holds)


def open_package(path: Path, source: str, kind: str, apps: str) -> zipfile.ZipFile:
    """The file as a zip archive, or IngestError naming what to do (re-save it, or remove the password)."""
    with open(path, "rb") as fh:
        if fh.read(8) == OLE_MAGIC:
            raise IngestError(source, PROTECTED)
    try:
        archive = zipfile.ZipFile(path)
        unpacked = sum(i.file_size for i in archive.infolist() if i.filename.endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as e:
        raise IngestError(source, f"not a readable {kind} file ({one_line(e)}); re-save it in {apps} and ingest again")
    if unpacked > MAX_XML_BYTES:
        archive.close()
        raise IngestError(source, f"unpacks to {unpacked / 2**20:.0f} MB of XML, too much for one note; "
                                  "split it into smaller files and ingest again")
    return archive


def parse_xml(data: bytes):
    """An lxml tree of untrusted XML: no entities expanded, nothing fetched."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    return etree.fromstring(data, parser)


def table_blocks(rows: list[list[Cell]]) -> list[Block]:
    """Blocks for a table's rows. A row of a table with two or more columns reads as one line, cells joined
    by " | ", cited from its first paragraph to its last (``end``), indexed with the header row's cells
    ("Header: cell; ..."); a one-column table (a box around text), a row too long for one line or a row
    with a table nested in a cell is read cell by cell: each paragraph on its own, a nested table as its
    own rows (by these same rules) where it stands, so nothing in it is lost and every number still cites
    the paragraph it stands for."""
    tabular = any(len(row) > 1 for row in rows)
    header: dict[int, str] | None = None  # grid column -> the first row's cell over it
    blocks: list[Block] = []
    for row in rows:
        cells = [(col, span, " ".join(t for _, t in paragraphs(items))) for col, span, items in row]
        numbers = [n for _, _, items in row for n, _ in paragraphs(items)]
        text = " | ".join(t for _, _, t in cells if t)
        if not numbers:
            continue
        nested = any(isinstance(item, Table) for _, _, items in row for item in items)
        if not tabular or nested or len(text) > LONG_LINE:
            blocks.extend(b for _, _, items in row for b in _cell_blocks(items))
            continue
        if header is None:
            header = {c: t for col, span, t in cells for c in range(col, col + span)}
            index = None
        else:
            pairs = [f"{header[col]}: {t}" if header.get(col) and header[col] != t else t for col, _, t in cells if t]
            index = "; ".join(pairs)
        blocks.append(Block(numbers[0], text, kind="table", index_text=index, end=numbers[-1]))
    return blocks


def paragraphs(items: list[Para | Table]) -> Iterator[Para]:
    """A cell's numbered paragraphs in document order, those of the tables nested in it included."""
    for item in items:
        if isinstance(item, Table):
            for row in item.rows:
                for _, _, inner in row:
                    yield from paragraphs(inner)
        else:
            yield item


def _cell_blocks(items: list[Para | Table]) -> Iterator[Block]:
    for item in items:
        if isinstance(item, Table):
            yield from table_blocks(item.rows)
        else:
            yield Block(*item)
