"""Where things sit on a PDF page: how much of it pictures cover, and which of its text is drawn invisibly.

A scanned page is one picture drawn over (nearly) the whole page, and OCR tools lay the text they read over it
invisibly (text render mode 3). Form values are ingest.pageforms'.
"""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_FORMS = 20  # nested form XObjects followed when measuring pictures and text
MAX_OPERATIONS = 200_000  # content operators read for that: a page built to be endless is not a scan
INVISIBLE = 3  # text render mode of text neither filled nor stroked: how OCR layers are drawn


@dataclass(frozen=True)
class Drawing:
    """What a page draws, as far as telling a scan with an OCR text layer goes."""

    cover: float  # share of the page (0..1) pictures are drawn over: about 1 for a scanned page
    hidden: float  # share of the characters the page shows that are drawn invisibly (0 when it shows none)


@dataclass
class _Tally:
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    shown: int = 0  # characters of text shown ...
    hidden: int = 0  # ... of them in render mode 3, neither filled nor stroked
    forms: int = 0  # form XObjects opened
    operations: int = 0  # content operators read


def drawing(page) -> Drawing:
    """Where the page's pictures lie and how much of its text is invisible.

    Measured from the content stream: each picture where its transformation matrix puts it, through nested
    form XObjects, so a scan cut into strips or layered (text mask over background) counts whole. OCR tools
    lay their text over the scan in render mode 3 ("3 Tr": invisible, only there to be found); typed text is
    drawn to be seen, even when a picture fills the page (a slide with a screenshot and a caption).
    """
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    tally = _Tally()
    _walk(page, page.get_contents(), page.get("/Resources"), (1, 0, 0, 1, 0, 0), 0, tally)
    hidden = tally.hidden / tally.shown if tally.shown else 0.0
    if width <= 0 or height <= 0:
        return Drawing(0.0, hidden)
    left, bottom = float(box.left), float(box.bottom)
    area = 0.0
    for x0, y0, x1, y1 in tally.boxes:
        area += max(0.0, min(x1, left + width) - max(x0, left)) * max(0.0, min(y1, bottom + height) - max(y0, bottom))
    return Drawing(min(1.0, area / (width * height)), hidden)


def text_layers(page) -> tuple[str, str]:
    """The page's text as extracted, split into what is drawn invisibly (render mode 3) and what is seen.

    pypdf reports text when it ends a line or a text object; a mode changed in the middle of one is taken
    for the whole of it.
    """
    mode, stack = [0], []  # the render mode in force, and the modes saved by q (and around a form's Do)
    hidden: list[str] = []
    shown: list[str] = []

    def before(operator, operands, cm, tm) -> None:
        if operator in (b"q", b"Do"):
            stack.append(mode[0])
        elif operator == b"Q" and stack:
            mode[0] = stack.pop()
        elif operator == b"Tr":
            mode[0] = _mode(operands, mode[0])

    def after(operator, operands, cm, tm) -> None:
        if operator == b"Do" and stack:  # a form's changes to the graphics state end with it
            mode[0] = stack.pop()

    def visit(text, cm, tm, font, size) -> None:
        (hidden if mode[0] == INVISIBLE else shown).append(text)

    page.extract_text(visitor_operand_before=before, visitor_operand_after=after, visitor_text=visit)
    return "".join(hidden), "".join(shown)


Matrix = tuple[float, float, float, float, float, float]


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m applied, then n (PDF's row-vector convention)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
            m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


def _walk(page, contents, resources, ctm: Matrix, mode: int, tally: _Tally) -> None:
    """Tally the pictures a content stream draws (page-space boxes) and the characters it shows, by render mode."""
    from pypdf.generic import ContentStream

    if contents is None:
        return
    if not isinstance(contents, ContentStream):
        contents = ContentStream(contents, page.pdf)
    xobjects = (resources.get_object().get("/XObject") if resources is not None else None) or {}
    xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
    stack: list[tuple[Matrix, int]] = []  # q saves the text render mode with the matrix
    for operands, operator in contents.operations:
        tally.operations += 1
        if tally.operations > MAX_OPERATIONS:
            return
        if operator == b"q":
            stack.append((ctm, mode))
        elif operator == b"Q" and stack:
            ctm, mode = stack.pop()
        elif operator == b"cm" and len(operands) == 6:
            ctm = _times(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif operator == b"Tr":
            mode = _mode(operands, mode)
        elif operator in _SHOWS and operands:
            count = _characters(operands[-1])
            tally.shown += count
            tally.hidden += count if mode == INVISIBLE else 0
        elif operator == b"INLINE IMAGE":
            tally.boxes.append(_unit_square(ctm))
        elif operator == b"Do" and operands and operands[0] in xobjects:
            drawn = xobjects[operands[0]].get_object()
            if drawn.get("/Subtype") == "/Image":
                tally.boxes.append(_unit_square(ctm))
            elif drawn.get("/Subtype") == "/Form" and tally.forms < MAX_FORMS:
                tally.forms += 1
                inner = tuple(float(v) for v in drawn.get("/Matrix", (1, 0, 0, 1, 0, 0)))
                _walk(page, drawn, drawn.get("/Resources", resources), _times(inner, ctm), mode, tally)


def _mode(operands, mode: int) -> int:
    """The render mode a Tr sets; a damaged one leaves the mode as it was."""
    try:
        return int(operands[0])
    except (IndexError, TypeError, ValueError):
        return mode


_SHOWS = {b"Tj", b"'", b'"', b"TJ"}  # text-showing operators; the string is the last operand (TJ: an array)


def _characters(shown) -> int:
    """Characters (string bytes) a text-showing operand shows: a TJ array's strings, its numbers aside."""
    if isinstance(shown, (str, bytes)):
        return len(shown)
    if isinstance(shown, list):
        return sum(len(item) for item in shown if isinstance(item, (str, bytes)))
    return 0


def _unit_square(ctm: Matrix) -> tuple[float, float, float, float]:
    """Where a picture (drawn on the unit square) lands on the page: its bounding box."""
    xs = [ctm[4], ctm[0] + ctm[4], ctm[2] + ctm[4], ctm[0] + ctm[2] + ctm[4]]
    ys = [ctm[5], ctm[1] + ctm[5], ctm[3] + ctm[5], ctm[1] + ctm[3] + ctm[5]]
    return min(xs), min(ys), max(xs), max(ys)
