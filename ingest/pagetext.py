"""Page text as a reader sees it: running headers, footers and page numbers out, line-end hyphens joined.

A PDF's text layer is a page of wrapped lines. What repeats at the top or bottom of most pages (a book
title, a chapter name, "Page 12 of 300") is not content, and a word split at a line end ("flat-" /
"tened") is one word. Passages still cite the page.
"""
from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running headers or footers
REPEAT_SHARE = 0.4  # a line shape on this share of pages (and at least MIN_REPEATS) is a running header/footer
MIN_REPEATS = 3
# A scanned book's header read by OCR differs by a letter here and there: a line this close to a running one (and
# this long, so a short line of text is not taken for one) is that header too.
FUZZY_RATIO, MIN_FUZZY = 0.9, 12
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s*)?[\divxlc]{1,6}(?:\s*(?:of|/)\s*\d+)?\s*$", re.I)
_HYPHEN_END = re.compile(r"([A-Za-zÀ-ÿ]{2,})-$")
_LOWER_START = re.compile(r"^([a-zà-ÿ]+[.,;:!?)\]]*)(.*)$")  # the word, with punctuation ending it


def _shape(line: str) -> str:
    """A line without its numbers: '49 THE SIEGE' and 'THE SIEGE 50' repeat as one shape."""
    return " ".join(re.sub(r"\d+", " ", line.lower()).split())


def _edges(count: int) -> set[int]:
    """Which of a page's ``count`` lines may be running headers or footers: never most of a short page."""
    depth = EDGE_LINES if count >= 4 * EDGE_LINES else 1 if count >= 3 else 0
    return set(range(depth)) | set(range(count - depth, count))


def running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of the lines that repeat at the edges of many pages."""
    counts: Counter[str] = Counter()
    for lines in pages:
        body = [line for line in lines if line.strip()]
        counts.update({_shape(body[i]) for i in _edges(len(body))})
    need = max(MIN_REPEATS, int(REPEAT_SHARE * len(pages)))
    return {shape for shape, n in counts.items() if n >= need and any(ch.isalpha() for ch in shape)}


def _runs(shape: str, running: set[str]) -> bool:
    """Whether an edge line is a running header: one of the repeating shapes, or one misread by OCR by a letter or
    two ("the siege op vicksbueg" for "the siege of vicksburg"), when the shape is long enough to tell."""
    if shape in running:
        return True
    return len(shape) >= MIN_FUZZY and any(abs(len(shape) - len(r)) <= 2 and len(r) >= MIN_FUZZY
                                           and SequenceMatcher(None, shape, r).ratio() >= FUZZY_RATIO for r in running)


def clean_page(lines: list[str], running: set[str]) -> list[str]:
    """The page's content lines: edge lines that repeat across pages and bare page numbers dropped, hyphens joined."""
    body = [line.strip() for line in lines if line.strip()]
    edge = _edges(len(body))
    kept = [line for i, line in enumerate(body)
            if not (i in edge and (_runs(_shape(line), running) or _PAGE_NUMBER.match(line)))]
    return join_hyphens(kept)


def join_hyphens(lines: list[str]) -> list[str]:
    """'flat-' at a line end and 'tened ...' after it become 'flattened' and '...'."""
    out = list(lines)
    for i in range(len(out) - 1):
        m = _HYPHEN_END.search(out[i])
        nxt = _LOWER_START.match(out[i + 1]) if m else None
        if m and nxt:
            out[i] = out[i][:-1] + nxt.group(1)
            out[i + 1] = nxt.group(2).lstrip()
    return [line for line in out if line]


def outline_titles(reader) -> dict[int, str]:
    """1-based page -> heading path from the PDF's bookmarks (empty when it has none or they are unreadable)."""
    starts: list[tuple[int, list[str]]] = []

    def walk(items, path: list[str]) -> None:
        last: list[str] = path
        for item in items:
            if isinstance(item, list):
                walk(item, last)
                continue
            try:
                page = reader.get_destination_page_number(item) + 1
                title = " ".join(str(item.title).split())
            except Exception:  # a broken bookmark is no reason to lose the text
                continue
            last = path + [title]
            starts.append((page, last))

    try:
        walk(reader.outline, [])
    except Exception:
        return {}
    titles: dict[int, str] = {}
    current: list[str] = []
    by_page = sorted(starts, key=lambda s: s[0])
    j = 0
    for page in range(1, len(reader.pages) + 1):
        while j < len(by_page) and by_page[j][0] <= page:
            current = by_page[j][1]
            j += 1
        if current:
            titles[page] = " > ".join(current)
    return titles
