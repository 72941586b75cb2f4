"""Whether a passage is a table of contents: titles with page numbers, the numbers rising down the list.

A contents page names every topic of a book or report, so it shares the words of any question about them and,
left as text, ranks first and gives an answer like "Item 1A. | Risk Factors | 9". Recognised, it is a navigation
passage (kind "nav"): ranked below content and never an answer sentence, still found when asked for by its words.
Decided by shape alone, so it holds for any language's titles and any reader (a PDF page, a web page's table, a
Word document's list).
"""
from __future__ import annotations

import re

# "Risk Factors .... 9", "Item 1A. | Risk Factors | 9", "Business 4": a title, then its page
_PAGE_LAST = re.compile(r"^(?P<title>\S.{1,150}?)(?:\s*\.{2,}\s*|\s*\|\s*|\s+)(?P<page>\d{1,4})$")
# "6 Key Performance Indicators": the page first, then a title in capitals
_PAGE_FIRST = re.compile(r"^(?P<page>\d{1,4})\s+(?P<title>[^\W\d_][^|]{2,150})$")
MIN_ENTRIES = 4
MIN_SHARE = 0.4  # of its lines: a title wrapped onto a second line halves the share of a real contents page
RISING = 0.8  # of neighbouring entries whose page does not go back (two columns of a page read one after the other)


def _page(line: str) -> int | None:
    line = line.strip()
    m = _PAGE_LAST.match(line) or _PAGE_FIRST.match(line)
    title = m.group("title") if m else ""
    if not re.search(r"[^\W\d_]{3}", title) or re.search(r"[.!?:;,]$", title.rstrip()) or len(re.findall(r"\d+", title)) > 2:
        return None  # a sentence that ends on a number ("The cluster has 4"), "Total: 12", a row of figures: no entry
    return int(m.group("page"))


def is_contents(text: str) -> bool:
    """Whether ``text`` (a passage, lines apart) reads as a table of contents: at least four entries, most of its
    lines, on at least three different pages that rise down the list (a slide's "Topic 1", "Topic 2" has one or
    two numbers; a table of figures rarely rises row after row; a numbered list counts up by one)."""
    lines = [line for line in text.split("\n") if line.strip()]
    pages = [p for p in map(_page, lines) if p is not None]
    if len(pages) < MIN_ENTRIES or len(pages) < MIN_SHARE * len(lines) or len(set(pages)) < 3:
        return False
    steps = [b - a for a, b in zip(pages, pages[1:])]
    # numbers that count up one by one number a list ("1 Install", "2 Configure") or a figure's parts, not pages
    return sum(step >= 0 for step in steps) >= RISING * len(steps) and 2 * sum(step == 1 for step in steps) < len(steps)
