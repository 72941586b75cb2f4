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
    """'notes/x.md:12-14', 'notes/x.md:12' or 'notes/x.pdf p.3'."""
    if page is not None:
        return f"{source} p.{page}"
    if start_line is None:
        return source
    if start_line == end_line or end_line is None:
        return f"{source}:{start_line}"
    return f"{source}:{start_line}-{end_line}"


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

    def line_of(self, text_line: int) -> int | None:
        """File line number of the 0-based ``text_line`` of the passage."""
        if 0 <= text_line < len(self.lines):
            return self.lines[text_line]
        return None

    @property
    def citation(self) -> str:
        return citation(self.source, self.start_line, self.end_line, self.page)

    @property
    def search_text(self) -> str:
        """What retrieval sees: heading path for context, the text, image captions."""
        parts = [self.heading, self.index_text or self.text, *self.captions]
        return "\n".join(p for p in parts if p)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["captions"] = list(self.captions)
        d["lines"] = list(self.lines)
        if not d["index_text"]:
            del d["index_text"]
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
            kind=d.get("kind") or "text",
            index_text=d.get("index_text") or "",
        )


class IngestError(Exception):
    """A file that could not be ingested; the message says what to do."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
