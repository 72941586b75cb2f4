"""Filled PDF form values, written beside their labels in the page's text.

A filled form keeps its values in widget annotations, not in the page's text, so a text extractor shows
"Height (cm):" with nothing after it. Each filled widget's rectangle is matched against the positions of the
page's text pieces: the label is the nearest piece on its row (or just above it), and the value is written
beside it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_WIDGETS = 2000  # form widgets looked at on one page
PUSHBUTTON, HIDDEN = 1 << 16, 2 | 32  # /Ff bit of a button that holds no value; /F bits of a widget not shown
TICKED = "[x]"  # how a ticked box or chosen radio button reads in the text
CHAR_WIDTH = 0.5  # a text piece's width estimated as this many font sizes a character (pypdf gives no widths)
ABOVE_LINES = 2.5  # a label above a field stands within this many font sizes of its top


@dataclass(frozen=True)
class FilledField:
    name: str
    value: str  # the text written beside the label
    box: tuple[float, float, float, float] | None  # left, bottom, right, top in page units; None: not placed
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
    """The page's visible form widgets that hold a value, in page order. A widget whose own entries cannot be
    read is left out; one without a readable rectangle keeps its value (no box: it is listed, not placed)."""
    found: list[FilledField] = []
    for ref in list(page.get("/Annots") or [])[:MAX_WIDGETS]:
        try:
            field = _filled(ref.get_object())
        except Exception:  # one damaged widget is no reason to lose the others
            continue
        if field is not None:
            found.append(field)
    return found


def _filled(widget) -> FilledField | None:
    if widget.get("/Subtype") != "/Widget" or int(widget.get("/F", 0)) & HIDDEN:
        return None
    kind, name = _inherited(widget, "/FT"), str(_inherited(widget, "/T") or "").strip()
    box = _box(widget.get("/Rect"))
    value = _inherited(widget, "/V")
    if kind == "/Btn":
        if int(_inherited(widget, "/Ff") or 0) & PUSHBUTTON:
            return None
        state = widget.get("/AS")
        on = state if state is not None else value  # a radio group's value is its chosen button's state
        if on is not None and str(on) not in ("/Off", ""):
            return FilledField(name, TICKED, box, True, str(on).lstrip("/"))
    elif kind in ("/Tx", "/Ch"):
        written = _written(value, _inherited(widget, "/Opt"))
        if written:
            return FilledField(name, written, box, False, "")
    return None


def _box(rect) -> tuple[float, float, float, float] | None:
    """A widget's /Rect as (left, bottom, right, top), or None when it is missing or not four numbers."""
    try:
        rect = rect.get_object() if hasattr(rect, "get_object") else rect
        left, bottom, right, top = (float(v) for v in rect)
    except (TypeError, ValueError):
        return None
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


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
    """A text or choice field's value as text: a choice's export value shown as its display text, a name
    without its slash, a number as written."""
    values = list(value) if isinstance(value, list) else [value]
    shown: dict[str, str] = {}
    for option in options or []:
        option = option.get_object() if hasattr(option, "get_object") else option
        if isinstance(option, list) and len(option) == 2:
            shown[str(option[0])] = str(option[1])
    texts = [" ".join(shown.get(str(v), _text(v)).split()) for v in values]
    return ", ".join(t for t in texts if t)


def _text(value) -> str:
    """A single field value as it reads: strings as they are, names (/Yes) as words, numbers; else nothing."""
    from pypdf.generic import NameObject

    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, NameObject):  # a name is a str too, written with its slash
        return value[1:]
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(float(value))
    return ""


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
    if field.box is None:
        return None
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
