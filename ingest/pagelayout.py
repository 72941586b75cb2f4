"""Where things sit on a PDF page: filled form values placed beside their labels, and how much of the page
pictures cover.

A filled form keeps its values in widget annotations, not in the page's text, so a text extractor shows
"Height (cm):" with nothing after it. Each filled widget's rectangle is matched against the positions of the
page's text pieces: the label is the nearest piece on its row (or just above it), and the value is written
beside it. A scanned page is one picture drawn over (nearly) the whole page.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_WIDGETS = 2000  # form widgets looked at on one page
PUSHBUTTON, HIDDEN = 1 << 16, 2 | 32  # /Ff bit of a button that holds no value; /F bits of a widget not shown
TICKED = "[x]"  # how a ticked box or chosen radio button reads in the text
CHAR_WIDTH = 0.5  # a text piece's width estimated as this many font sizes a character (pypdf gives no widths)
ABOVE_LINES = 2.5  # a label above a field stands within this many font sizes of its top
MAX_FORMS = 20  # nested form XObjects followed when measuring pictures
MAX_OPERATIONS = 200_000  # content operators read for that: a page built to be endless is not a scan


@dataclass(frozen=True)
class FilledField:
    name: str
    value: str  # the text written beside the label
    box: tuple[float, float, float, float]  # left, bottom, right, top in page units
    ticked: bool  # a check box or radio button (its label may stand on either side)
    state: str  # the button's state name, for a field that stands nowhere on the page


@dataclass(frozen=True)
class Piece:
    x: float
    y: float  # baseline
    size: float
    text: str

    @property
    def end(self) -> float:
        return self.x + CHAR_WIDTH * self.size * len(self.text)


def fill_form(page, text: str) -> str:
    """``text`` (the page's extracted text) with the values of the page's filled form fields: each after its
    label (a ticked box before a label on its right), or as "Field name: value" lines at the end when no label
    is found. Empty fields add nothing; a damaged form leaves the text as it was."""
    try:
        fields = filled_fields(page)
        if not fields:
            return text
        return _place(fields, _pieces(page), text)
    except Exception:  # a broken form is no reason to lose the page's text
        return text


def filled_fields(page) -> list[FilledField]:
    """The page's visible form widgets that hold a value, in page order."""
    found: list[FilledField] = []
    for ref in list(page.get("/Annots") or [])[:MAX_WIDGETS]:
        widget = ref.get_object()
        if widget.get("/Subtype") != "/Widget" or int(widget.get("/F", 0)) & HIDDEN:
            continue
        kind, name = _inherited(widget, "/FT"), str(_inherited(widget, "/T") or "").strip()
        left, bottom, right, top = (float(v) for v in widget["/Rect"])
        box = (min(left, right), min(bottom, top), max(left, right), max(bottom, top))
        value = _inherited(widget, "/V")
        if kind == "/Btn":
            if int(_inherited(widget, "/Ff") or 0) & PUSHBUTTON:
                continue
            state = widget.get("/AS")
            on = state if state is not None else value  # a radio group's value is its chosen button's state
            if on is not None and str(on) not in ("/Off", ""):
                found.append(FilledField(name, TICKED, box, True, str(on).lstrip("/")))
        elif kind in ("/Tx", "/Ch"):
            written = _written(value, _inherited(widget, "/Opt"))
            if written:
                found.append(FilledField(name, written, box, False, ""))
    return found


def _inherited(node, key: str):
    """A field attribute, from the widget or the field above it (fields pass /FT, /V, /Ff ... to their kids)."""
    for _ in range(32):  # a parent chain that loops is cut, not followed
        if node is None:
            return None
        if key in node:
            return node[key].get_object() if hasattr(node[key], "get_object") else node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def _written(value, options) -> str:
    """A text or choice field's value as text: a choice's export value shown as its display text."""
    values = list(value) if isinstance(value, list) else [value]
    shown: dict[str, str] = {}
    for option in options or []:
        option = option.get_object() if hasattr(option, "get_object") else option
        if isinstance(option, list) and len(option) == 2:
            shown[str(option[0])] = str(option[1])
    texts = [" ".join(shown.get(str(v), str(v)).split()) for v in values if isinstance(v, str)]
    return ", ".join(t for t in texts if t)


def _pieces(page) -> list[Piece]:
    """The page's text pieces with their positions, in the order the extractor writes them."""
    pieces: list[Piece] = []

    def visit(text, cm, tm, font, size) -> None:
        if not text or not text.strip():
            return
        a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
        x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        pieces.append(Piece(x, y, (size or 1.0) * (math.hypot(a, b) or 1.0), text.strip()))

    page.extract_text(visitor_text=visit)
    return pieces


def _label(field: FilledField, pieces: list[Piece]) -> tuple[int, bool] | None:
    """The piece labelling ``field`` and whether the value goes after it (else before): the nearest piece on
    the field's row (left of a value field, either side of a box), or for a value field the one just above."""
    left, bottom, right, top = field.box
    row = [(i, p) for i, p in enumerate(pieces) if bottom - 0.5 * p.size <= p.y <= top]
    gaps = [(left - p.end, i, True) for i, p in row if p.x < left and p.end <= left + p.size]
    if field.ticked:
        gaps += [(p.x - right, i, False) for i, p in row if p.x >= right - 0.5 * p.size]
    if gaps:
        _, i, after = min(gaps)
        return i, after
    if field.ticked:
        return None
    above = [(p.y - top, p.x, i) for i, p in enumerate(pieces)
             if top < p.y <= top + ABOVE_LINES * p.size and p.x <= right and p.end >= left]
    return (min(above)[2], True) if above else None


def _place(fields: list[FilledField], pieces: list[Piece], text: str) -> str:
    inserts: list[tuple[int, float, str]] = []
    unplaced: list[str] = []
    for field in fields:
        at = _position(field, pieces, text)
        if at is None:
            unplaced.append(f"{field.name or 'Field'}: {field.value if not field.ticked else field.state or 'on'}")
        else:
            inserts.append((at[0], field.box[0], at[1]))
    out, last = [], 0
    for position, _, words in sorted(inserts):
        out += [text[last:position], words]
        last = position
    out.append(text[last:])
    filled = "".join(out)
    return "\n".join([filled.rstrip("\n"), *unplaced]) if unplaced else filled


def _position(field: FilledField, pieces: list[Piece], text: str) -> tuple[int, str] | None:
    """Where in ``text`` the field's value goes and the words inserted there; None when its label is not found."""
    found = _label(field, pieces)
    if found is None:
        return None
    index, after = found
    label = pieces[index].text
    # The same label may stand several times: it is the n-th time in the text when it is in n-1 pieces before.
    nth = sum(p.text.count(label) for p in pieces[:index])
    start = -1
    for _ in range(nth + 1):
        start = text.find(label, start + 1)
        if start < 0:
            return None
    if not after:
        return start, f"{field.value} "
    end = start + len(label)
    return end, f" {field.value}" + ("" if end == len(text) or text[end].isspace() else " ")


def picture_cover(page) -> float:
    """The share of the page (0..1) that pictures are drawn over: about 1 for a scanned page.

    Measured from where the content stream draws each picture (its transformation matrix), through nested
    form XObjects, so a scan cut into strips or layered (text mask over background) counts whole.
    """
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if width <= 0 or height <= 0:
        return 0.0
    left, bottom = float(box.left), float(box.bottom)
    area = 0.0
    for x0, y0, x1, y1 in _picture_boxes(page, page.get_contents(), page.get("/Resources"), (1, 0, 0, 1, 0, 0), [0, 0]):
        area += max(0.0, min(x1, left + width) - max(x0, left)) * max(0.0, min(y1, bottom + height) - max(y0, bottom))
    return min(1.0, area / (width * height))


Matrix = tuple[float, float, float, float, float, float]


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m applied, then n (PDF's row-vector convention)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
            m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


def _picture_boxes(page, contents, resources, ctm: Matrix, counts: list[int]):
    """Page-space boxes of the pictures a content stream draws; ``counts``: forms opened, operators read."""
    from pypdf.generic import ContentStream

    if contents is None:
        return
    if not isinstance(contents, ContentStream):
        contents = ContentStream(contents, page.pdf)
    xobjects = (resources.get_object().get("/XObject") if resources is not None else None) or {}
    xobjects = xobjects.get_object() if hasattr(xobjects, "get_object") else xobjects
    stack: list[Matrix] = []
    for operands, operator in contents.operations:
        counts[1] += 1
        if counts[1] > MAX_OPERATIONS:
            return
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q" and stack:
            ctm = stack.pop()
        elif operator == b"cm" and len(operands) == 6:
            ctm = _times(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif operator == b"INLINE IMAGE":
            yield _unit_square(ctm)
        elif operator == b"Do" and operands and operands[0] in xobjects:
            drawn = xobjects[operands[0]].get_object()
            if drawn.get("/Subtype") == "/Image":
                yield _unit_square(ctm)
            elif drawn.get("/Subtype") == "/Form" and counts[0] < MAX_FORMS:
                counts[0] += 1
                inner = tuple(float(v) for v in drawn.get("/Matrix", (1, 0, 0, 1, 0, 0)))
                yield from _picture_boxes(page, drawn, drawn.get("/Resources", resources), _times(inner, ctm), counts)


def _unit_square(ctm: Matrix) -> tuple[float, float, float, float]:
    """Where a picture (drawn on the unit square) lands on the page: its bounding box."""
    xs = [ctm[4], ctm[0] + ctm[4], ctm[2] + ctm[4], ctm[0] + ctm[2] + ctm[4]]
    ys = [ctm[5], ctm[1] + ctm[5], ctm[3] + ctm[5], ctm[1] + ctm[3] + ctm[5]]
    return min(xs), min(ys), max(xs), max(ys)
