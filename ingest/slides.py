"""PowerPoint decks (.pptx), cited by slide ("notes/x.pptx, slide 7").

Slides are numbered 1.. in presentation order, hidden ones included. A slide's text is its shapes in the
order of the slide XML (a group read shape by shape, a table row by row, left to right), then its speaker
notes. The title placeholder is the slide's heading, so every passage of a slide carries its title. A
sub-bullet (a paragraph of outline level n > 0) shows as a nested Markdown list item does, "- " after two
spaces a level, so a point's sub-points read under it. A broken slide or shape is skipped with a warning and
the rest of the deck is read.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Iterator

from .blocks import MAX_HEADING_CHARS, Block, chunk_blocks
from .records import one_line
from .records import Chunk, IngestError
from .office import REL, open_package, parse_xml

APPS = "PowerPoint or LibreOffice"


def chunk_pptx(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Passages of a deck, slide by slide, and a warning for each slide or shape that could not be read."""
    prs, warnings, broken = _open(path, source)
    chunks: list[Chunk] = []
    for number, rid in enumerate(_slide_ids(prs, source), start=1):
        blocks: list[Block] = []
        try:
            slide = _slide(prs, rid)
            title_id = _title_id(slide)
            for shape in slide.shapes:
                blocks.extend(_guarded(shape, number, title_id, warnings))
        except Exception as e:  # python-pptx on a damaged slide: any error; this slide only
            reason = broken.get(rid) or (str(e) if isinstance(e, _Missing) else one_line(e))
            warnings.append(f"slide {number}: could not be read ({reason})")
            continue
        try:
            notes = slide.notes_slide.notes_text_frame if slide.has_notes_slide else None
            blocks.extend(_paragraphs(notes, number) if notes is not None else ())
        except Exception as e:  # the slide itself is fine: keep it, say its notes are missing
            warnings.append(f"slide {number}: speaker notes could not be read ({one_line(e)}); they were left out")
        chunks.extend(chunk_blocks(blocks, source, "slide", whole=True))
    if not chunks and warnings:
        raise IngestError(source, f"no slide could be read ({warnings[0]}); re-save it in {APPS} and ingest again")
    return chunks, warnings


def _open(path: Path, source: str):
    """The presentation, the warnings of opening it, and why each slide whose part was dropped is broken."""
    from pptx import Presentation

    def unreadable(e: BaseException) -> IngestError:
        return IngestError(source, f"not a readable PowerPoint file ({one_line(e)}); re-save it in {APPS} and ingest again")

    with open_package(path, source, "PowerPoint", APPS) as archive:
        try:
            return Presentation(str(path)), [], {}
        except MemoryError:
            raise
        except Exception as first:  # a part python-pptx cannot parse fails the whole deck: drop it and retry
            try:
                data, warnings, broken = _without_broken_parts(archive)
            except Exception:
                raise unreadable(first) from None
            if data is None:
                raise unreadable(first) from None
            try:
                return Presentation(io.BytesIO(data)), warnings, broken
            except MemoryError:
                raise
            except Exception:
                raise unreadable(first) from None


def _without_broken_parts(archive: zipfile.ZipFile) -> tuple[bytes | None, list[str], dict[str, str]]:
    """The package without its unparsable XML parts (None if all parse), a warning for each dropped part that
    is not a slide, and for each dropped slide its relationship id -> why."""
    bad: dict[str, str] = {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for name in archive.namelist():
            try:
                data = archive.read(name)  # a damaged member (bad CRC, broken deflate) is a broken part too
                if name.endswith((".xml", ".rels")):
                    parse_xml(data)
            except MemoryError:
                raise
            except Exception as e:
                bad[name] = one_line(e)
                continue
            copy.writestr(name, data)
    if not bad:
        return None, [], {}
    targets = {}
    if "ppt/_rels/presentation.xml.rels" in archive.namelist() and "ppt/_rels/presentation.xml.rels" not in bad:
        rels = parse_xml(archive.read("ppt/_rels/presentation.xml.rels"))
        targets = {"ppt/" + r.get("Target", "").lstrip("/").removeprefix("ppt/"): r.get("Id")
                   for r in rels.iter(f"{{{REL}}}Relationship")}
    broken = {targets[name]: f"{name}: {why}" for name, why in bad.items() if name in targets}
    warnings = [f"{name} could not be read ({why}); it was left out" for name, why in bad.items() if name not in targets]
    return out.getvalue(), warnings, broken


def _slide_ids(prs, source: str) -> list[str]:
    """The relationship id of each slide in presentation order (read from the XML, so a slide whose part is
    missing still has its number and gets a warning instead of failing the whole deck)."""
    try:
        id_list = prs.element.sldIdLst
        return [sld.rId for sld in id_list.sldId_lst] if id_list is not None else []
    except Exception as e:
        raise IngestError(source, f"not a readable PowerPoint file ({one_line(e)}); re-save it in {APPS} and ingest again")


class _Missing(Exception):
    """A slide listed in the deck whose part is not in the file."""


def _slide(prs, rid: str):
    try:
        part = prs.part.related_part(rid)
    except KeyError:
        raise _Missing("its slide part is missing from the file") from None
    return part.slide


def _title_id(slide) -> int | None:
    """The shape id of the slide's title placeholder (None if it has none, or it cannot be told)."""
    try:
        title = slide.shapes.title
        return title.shape_id if title is not None else None
    except Exception:
        return None  # the title is then read as ordinary text


def _guarded(shape, number: int, title_id: int | None, warnings: list[str]) -> list[Block]:
    """A shape's blocks; a shape that fails is skipped with a warning (the rest of the slide is read)."""
    try:
        return list(_shape_blocks(shape, number, title_id, warnings))
    except Exception as e:
        warnings.append(f"slide {number}: a shape could not be read ({one_line(e)}); it was left out")
        return []


def _shape_blocks(shape, number: int, title_id: int | None, warnings: list[str]) -> Iterator[Block]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER

    if shape.is_placeholder and shape.placeholder_format.type in (
            PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.HEADER):
        return  # the deck's date, footer and page number, on every slide: like a document's running footer
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for inner in shape.shapes:
            yield from _guarded(inner, number, title_id, warnings)
    elif getattr(shape, "has_table", False):
        yield from _table(shape.table, number)
    elif shape.has_text_frame:
        title = " ".join(p.text for p in shape.text_frame.paragraphs)
        if title_id is not None and shape.shape_id == title_id and len(title.strip()) <= MAX_HEADING_CHARS:
            yield Block(number, title, level=1)
        else:  # a "title" holding a whole paragraph is read as text, not carried on every passage
            yield from _paragraphs(shape.text_frame, number)


def _paragraphs(frame, number: int) -> Iterator[Block]:
    """One block per paragraph (a bullet), so bullets stay separate lines of the passage; a sub-bullet indented
    by its level, and a lead-in ending in ':' kept in one passage with the sub-bullets under it."""
    outline = [(_level(p), p.text) for p in frame.paragraphs if p.text.strip()]
    lead: int | None = None  # the level of the open lead-in, whose deeper bullets stay with it
    for i, (level, text) in enumerate(outline):
        lead = lead if lead is not None and level > lead else (level if text.rstrip().endswith(":") else None)
        after = outline[i + 1][0] if i + 1 < len(outline) else -1
        yield Block(number, f"- {text}" if level else text, indent=level, keep_with_next=lead is not None and after > lead)


def _level(paragraph) -> int:
    """The paragraph's outline level 0-8; 0 when the file sets none or one python-pptx cannot read."""
    try:
        return min(max(int(paragraph.level), 0), 8)
    except Exception:  # a damaged lvl attribute: read the text, flat
        return 0


def _table(table, number: int) -> Iterator[Block]:
    """A row per block, cells joined by " | ", indexed with the first row's cells as the header."""
    header: list[str] = []
    for r, row in enumerate(table.rows):
        cells = [("" if cell.is_spanned else " ".join(cell.text.split())) for cell in row.cells]
        if r == 0:
            for c, cell in enumerate(row.cells):  # a header merged across columns heads each of them
                header.append(header[-1] if c and cell.is_spanned else cells[c])
            index = None
        else:
            pairs = [f"{h}: {c}" if h and h != c else c for h, c in zip([*header, *[""] * len(cells)], cells) if c]
            index = "; ".join(pairs)
        yield Block(number, " | ".join(c for c in cells if c), kind="table", index_text=index)
