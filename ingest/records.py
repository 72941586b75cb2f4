"""Small typed records that carry their citation through the whole pipeline."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower-case, every run of non-alphanumeric characters turned into one space.

    This is the comparison used to check that a passage really stands in the
    lines it cites, and that a key phrase appears in a passage.
    """
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def citation(source: str, start_line: int | None, end_line: int | None, page: int | None) -> str:
    """'notes/x.md:12-14', 'notes/x.md:12' or 'notes/x.pdf p.3' (other units: ``Chunk.citation``)."""
    if page is not None:
        return f"{source} p.{page}"
    if start_line is None:
        return source
    if start_line == end_line or end_line is None:
        return f"{source}:{start_line}"
    return f"{source}:{start_line}-{end_line}"


# What a person reads for each kind of unit; ranges read "¶ 3-5", "cells 14-15".
_UNIT_WORDS = {"lines": ("line", "lines"), "page": ("page", "pages"), "slide": ("slide", "slides"),
               "paragraph": ("¶", "¶"), "chapter": ("¶", "¶"), "cell": ("cell", "cells")}
UNIT_KINDS = tuple(_UNIT_WORDS)


def locator(kind: str, start: int, end: int, chapter: int | None = None) -> str:
    """'lines 12-18', 'page 4', 'slide 7', '¶ 310-314', 'chapter 3, ¶ 12-15', 'cell 14'."""
    one, many = _UNIT_WORDS[kind]
    where = f"{one} {start}" if start == end else f"{many} {start}-{end}"
    return f"chapter {chapter}, {where}" if kind == "chapter" else where


@dataclass(frozen=True)
class Chunk:
    """One citable passage of a note.

    ``start_line``/``end_line`` are 1-based and inclusive (text files);
    ``page`` is 1-based (PDFs). ``heading`` is the heading path
    ("Section > Sub > Sub-sub"); it is kept out of ``text`` so that ``text``
    is exactly what the cited lines say.
    """

    source: str
    heading: str
    text: str
    start_line: int | None = None
    end_line: int | None = None
    page: int | None = None
    captions: tuple[str, ...] = field(default=())
    # File line of each line of ``text`` (text files only), so a sentence can
    # be cited to its own line.
    lines: tuple[int, ...] = field(default=())
    # "text" (notes as written), "prose" (hard-wrapped paragraphs: a line break is only a wrap), "table",
    # "code" (ranked below prose unless a question reads like code) or "nav" (link lists, tables of contents).
    kind: str = "text"
    # What retrieval reads when it differs from ``text``: links by their words only (no URLs), table rows
    # with their header. ``text`` stays what the student sees.
    index_text: str = ""
    # Units other than lines and pages: "slide", "paragraph", "chapter" (EPUB: paragraphs of chapter
    # ``chapter``) or "cell", numbered ``first``..``last`` (README: "Citations" says how each is counted).
    unit: str = ""
    first: int | None = None
    last: int | None = None
    chapter: int | None = None
    ocr: bool = False  # the text was read from an image by OCR
    # The last file line of each line of ``text``, where one wraps over several (a web page's sentence); else empty.
    line_ends: tuple[int, ...] = field(default=())
    # The file line of the innermost heading (a text note's "## PCR (Polymerase Chain Reaction)"): what it says is cited
    # there, since ``heading`` is kept out of ``text``. None where a note has no such lines (a PDF, a Word file, a
    # notebook, whose passages are cited by cell).
    heading_line: int | None = None

    def line_of(self, text_line: int) -> int | None:
        """File line number of the 0-based ``text_line`` of the passage."""
        if 0 <= text_line < len(self.lines):
            return self.lines[text_line]
        return None

    def last_line_of(self, text_line: int) -> int | None:
        """File line where the 0-based ``text_line`` of the passage ends."""
        if 0 <= text_line < len(self.line_ends):
            return self.line_ends[text_line]
        return self.line_of(text_line)

    @property
    def unit_kind(self) -> str:
        return self.unit or ("page" if self.page is not None else "lines")

    @property
    def span(self) -> tuple[int, int]:
        """The first and last unit cited (lines, the page, slides, paragraphs or cells)."""
        if self.unit:
            return self.first or 0, self.last or self.first or 0
        if self.page is not None:
            return self.page, self.page
        return self.start_line or 0, self.end_line or self.start_line or 0

    @property
    def locator(self) -> str:
        return locator(self.unit_kind, *self.span, self.chapter)

    def unit_json(self) -> dict:
        start, end = self.span
        return {"kind": self.unit_kind, "start": start, "end": end, "chapter": self.chapter}

    def cite(self, start: int, end: int) -> str:
        """The citation of units ``start``..``end`` of this passage (a sentence inside it)."""
        if not self.unit:
            return citation(self.source, start, end, self.page)
        return f"{self.source}, {locator(self.unit, start, end, self.chapter)}"

    @property
    def citation(self) -> str:
        if not self.unit:
            return citation(self.source, self.start_line, self.end_line, self.page)
        return self.cite(*self.span)

    @property
    def search_text(self) -> str:
        """What retrieval sees: heading path for context, the text, image captions."""
        parts = [self.heading, self.index_text or self.text, *self.captions]
        return "\n".join(p for p in parts if p)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["captions"] = list(self.captions)
        d["lines"] = list(self.lines)
        d["line_ends"] = list(self.line_ends)
        for name, empty in (("line_ends", []), ("index_text", ""), ("unit", ""), ("first", None), ("last", None), ("chapter", None), ("ocr", False),
                            ("heading_line", None)):
            if d[name] == empty:
                del d[name]  # the common case (a text note) stays as small as before
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Chunk":
        return cls(
            source=d["source"],
            heading=d["heading"],
            text=d["text"],
            start_line=d.get("start_line"),
            end_line=d.get("end_line"),
            page=d.get("page"),
            captions=tuple(d.get("captions") or ()),
            lines=tuple(d.get("lines") or ()),
            line_ends=tuple(d.get("line_ends") or ()),
            kind=d.get("kind") or "text",
            index_text=d.get("index_text") or "",
            unit=d.get("unit") or "",
            first=d.get("first"),
            last=d.get("last"),
            chapter=d.get("chapter"),
            ocr=bool(d.get("ocr")),
            heading_line=d.get("heading_line"),
        )


class IngestError(Exception):
    """A file that could not be ingested; the message says what to do."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


MESSAGE_CHARS = 200  # an exception's text is cut here: a report line, not a dump


def one_line(e: BaseException) -> str:
    """'ExceptionType: message' on one line, cut short (a report line, never a traceback)."""
    kind = type(e).__name__
    module = type(e).__module__.split(".")[0]
    if module != "builtins":
        kind = f"{module}.{kind}"  # 'zlib.error' says more than 'error'
    text = exception_text(e)
    return f"{kind}: {text}" if str(e).strip() else kind


def exception_text(e: BaseException) -> str:
    """The exception's message on one line, at most MESSAGE_CHARS long (its type if it has none)."""
    text = " ".join(str(e).split())
    if not text:
        return type(e).__name__
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1].rstrip() + "…"
