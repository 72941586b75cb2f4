"""Whether a passage is a table of contents: titles with page numbers, the numbers rising down the list.

A contents page names every topic of a book or report, so it shares the words of any question about them and,
left as text, ranks first and gives an answer like "Item 1A. | Risk Factors | 9". Recognised, it is a navigation
passage (kind "nav"): ranked below content and never an answer sentence, still found when asked for by its words.
Decided by shape, so it holds for any reader (a PDF page, a web page's table, a Word document's list); a list of
dates, ports, prices or times is not one (a page number has at most three digits, and a title with a bare number
beside it counts only on a printed page or under a "Contents" line).
"""
from __future__ import annotations

import re

# "Risk Factors .... 9", "Item 1A. | Risk Factors | 9": a title, dot leaders or a table cell, then its page
_LED = re.compile(r"^(?P<title>\S.{1,150}?)(?:\s*(?:\.\s?){2,}\s*|\s*…+\s*|\s*\|\s*)(?P<page>\d{1,3})$")
# "Business 4", "6 Key Performance Indicators": a title and its page, side by side
_PAGE_LAST = re.compile(r"^(?P<title>\S.{1,150}?)\s+(?P<page>\d{1,3})$")
_PAGE_FIRST = re.compile(r"^(?P<page>\d{1,3})\s+(?P<title>[^\W\d_][^|]{2,150})$")
_HEADED = re.compile(r"^\W*(?:table of )?contents\W*$", re.I)
MIN_ENTRIES = 4
MIN_SHARE = 0.4  # of its lines: a title wrapped onto a second line halves the share of a real contents page
RISING = 0.8  # of neighbouring entries whose page does not go back (two columns of a page read one after the other)
PLAIN_WORDS = 2  # the mean words of a title beside a bare number: "Coffee 2", "Tea 3" price things, not chapters


def _entry(line: str) -> tuple[int, str, bool] | None:
    """(page, title, led by dots or a cell) for a line that reads as a contents entry."""
    line = line.strip()
    m = _LED.match(line)
    led = bool(m)
    m = m or _PAGE_LAST.match(line) or _PAGE_FIRST.match(line)
    title = m.group("title").strip(" .|") if m else ""
    if not re.search(r"[^\W\d_]{3}", title) or re.search(r"[!?:;,]$", title) or len(re.findall(r"\d+", title)) > 2:
        return None  # a sentence ending on a number ("The cluster has 4"), "Total: 12", a row of figures: no entry
    return int(m.group("page")), title, led


_LEADERS = re.compile(r"(?:\.\s?){2,}\s*$|…+\s*$")


def _pages_joined(lines: list[str]) -> list[str]:
    """A title with its dot leaders on one line and its page on the next (as a page's text layer may give them) as
    one entry: "Sound Waves . . . . ." + "141" -> "Sound Waves . . . . . 141"."""
    out: list[str] = []
    for line in lines:
        if out and re.fullmatch(r"\s*\d{1,3}\s*", line) and _LEADERS.search(out[-1]):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return out


def is_contents(text: str, printed: bool = False) -> bool:
    """Whether ``text`` (a passage, lines apart; ``printed``: a PDF page) reads as a table of contents: at least four
    entries, most of its lines, on at least three different pages that rise down the list and not one by one (a
    numbered list counts up by one)."""
    lines = _pages_joined([line for line in text.split("\n") if line.strip()])
    entries = [e for e in map(_entry, lines) if e is not None]
    if not (printed or any(_HEADED.match(line) for line in lines)):
        entries = [e for e in entries if e[2]]  # bare numbers beside titles: only where a page is printed or headed
    elif sum(len(title.split()) for _, title, led in entries if not led) < PLAIN_WORDS * sum(not led for *_, led in entries):
        entries = [e for e in entries if e[2]]
    pages = [page for page, _, _ in entries]
    if len(pages) < MIN_ENTRIES or len(pages) < MIN_SHARE * len(lines) or len(set(pages)) < 3:
        return False
    steps = [b - a for a, b in zip(pages, pages[1:])]
    return sum(step >= 0 for step in steps) >= RISING * len(steps) and 2 * sum(step == 1 for step in steps) < len(steps)
