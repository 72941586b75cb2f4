"""Where Markdown links, images, URLs and paths are in a line: CommonMark's brackets, destinations, titles and
reference labels, and the bare URLs and paths that are no markup.

Only finding them lives here; what a passage shows in their place (their words, never a URL) is ingest.inline's.
"""
from __future__ import annotations

import re
from typing import Iterator

# '[text](url "title")', '[text][ref]', '[text][]', '[ref]', '![alt](src)'
MAX_NESTING = 8  # links or images inside link text, this deep (a badge in a link is 1)
DEFINITION = re.compile(r"""^\s{0,3}\[((?:[^\]\\]|\\.)+)\]:[ \t]*(?:<[^>\n]*>|\S+)(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$""")
FOOTNOTE_DEF = re.compile(r"^(\s{0,3})\[\^([^\]\s]+)\]:\s?")


def label_key(label: str) -> str:
    """How link labels compare: case and runs of spaces do not matter."""
    return " ".join(label.split()).casefold()


def references(lines: list[str]) -> frozenset[str]:
    """The labels a note defines: link definitions ('[label]: url') and footnotes ('[^1]: text', as '^1')."""
    labels = set()
    for line in lines:
        m = DEFINITION.match(line) or FOOTNOTE_DEF.match(line)
        if m:
            labels.add(label_key(m.group(1) if m.re is DEFINITION else "^" + m.group(2)))
    return frozenset(labels)


# URLs and Windows paths are the note's characters as written: '_tmp_' in 's3://b/_tmp_/f' is no emphasis and
# '\*' in 'C:\logs\*.txt' no escape. They stop before brackets, quotes and backticks, and at a ')' they did not
# open, so a link around one ('[the office](https://en.wikipedia.org/wiki/Office_(building))') is still found.
_TOKEN = r"""(?:[^\s<>\[\]`"()]|\([^\s<>\[\]`"()]*\))"""
VERBATIM = (r"(?<![<\w.+-])[A-Za-z][\w+.-]{0,31}://" + _TOKEN + "*"  # 's3://'; '<https://..>' is an autolink
            r"|(?<![<\w.])www\." + _TOKEN + "+"
            r"|(?<![\w\\])[A-Za-z]:\\" + _TOKEN + "*"  # 'C:\logs'
            r"|(?<![\w\\])\\\\[A-Za-z0-9][\w.$-]{0,62}\\" + _TOKEN + "*")  # '\\server\share'
_SENTENCE_PUNCT = ".,:;!?'"


_OPENER = re.compile(r"(?:^|(?<=[\s(\[]))(\*+|_+)(?=\S|$)")  # a run of '*' or '_' that may open emphasis


def verbatim(token: str, before: str) -> str:
    """A URL or path found by ``VERBATIM`` without what belongs to the sentence: a trailing full stop, or the
    closing half of emphasis opened earlier on the line (``before``: the line up to the token), as in
    '**www.example.org**' or '*Source: https://example.org/paper*'."""
    openers = {m.group(1) for m in _OPENER.finditer(before)}
    end = len(token)
    while end:
        if token[end - 1] in _SENTENCE_PUNCT:
            end -= 1
            continue
        run = next((r for r in sorted(openers, key=len, reverse=True) if token[:end].endswith(r) and end > len(r)), None)
        if run is None:
            break
        end -= len(run)
        openers.discard(run)
    return token[:end]


BRACKET = re.compile(r"[\[\]]")


def _bracket_pairs(text: str) -> dict[int, int]:
    """Each '[' that a later ']' balances -> that ']' (one pass: a line of a thousand '[' stays fast)."""
    pairs: dict[int, int] = {}
    open_at: list[int] = []
    for m in BRACKET.finditer(text) if "[" in text else ():
        if m.group() == "[":
            open_at.append(m.start())
        elif open_at:
            pairs[open_at.pop()] = m.start()
    return pairs


def _skip_space(text: str, at: int) -> int:
    """Past spaces and tabs, and at most one line break."""
    while at < len(text) and text[at] in " \t":
        at += 1
    if at < len(text) and text[at] == "\n":
        at += 1
        while at < len(text) and text[at] in " \t":
            at += 1
    return at


# A bare destination holds no spaces, and parentheses only balanced, two deep (Wikipedia's 'Foo_(bar)').
_BARE_DEST = re.compile(r"(?:[^\s()]|\((?:[^\s()]|\([^\s()]*\))*\))*")


def _inline_target(text: str, at: int) -> tuple[int, str, str] | None:
    """(end, destination, title) of '(dest "title")' whose '(' is just before ``at``; None if it is not one."""
    at, n = _skip_space(text, at), len(text)
    if at < n and text[at] == "<":
        close = re.compile(r"[<>\n]").search(text, at + 1)
        if not close or close.group() != ">":
            return None
        dest, at = text[at + 1 : close.start()], close.end()
    else:
        end = _BARE_DEST.match(text, at).end()
        dest, at = text[at:end], end
    title = ""
    spaced = _skip_space(text, at)
    if spaced > at and spaced < n and text[spaced] in "\"'(":
        close_at = text.find(")" if text[spaced] == "(" else text[spaced], spaced + 1)
        if close_at < 0:
            return None
        title, at = text[spaced + 1 : close_at], close_at + 1
    at = _skip_space(text, at)
    return (at + 1, dest, title) if at < n and text[at] == ")" else None


def _target(text: str, at: int, label: str, refs: frozenset[str]) -> tuple[int, str, str] | None:
    """What makes '[label]' ending just before ``at`` a link: (end, destination, title), or None."""
    if text.startswith("(", at):
        inline = _inline_target(text, at + 1)
        if inline:
            return inline
    if text.startswith("[", at):
        close = text.find("]", at + 1, at + 1000)  # CommonMark: a label is under 1000 characters
        if close > 0 and "[" not in text[at + 1 : close] and _defined(text[at + 1 : close] or label, refs):
            return close + 1, "", ""
    return (at, "", "") if _defined(label, refs) else None


def _defined(label: str, refs: frozenset[str]) -> bool:
    return bool(refs) and len(label) < 1000 and label_key(label) in refs


def scan(text: str, refs: frozenset[str]) -> Iterator[tuple[int, int, int, int, str, str, bool]]:
    """The outermost links and images, in order: (begin, '[' at, ']' at, end, destination, title, is image)."""
    pairs = _bracket_pairs(text)
    at = i = 0
    while (start := text.find("[", i)) >= 0:
        close = pairs.get(start, -1)
        target = _target(text, close + 1, text[start + 1 : close], refs) if close > 0 else None
        if target is None:
            i = start + 1  # not a link: the '[' is text, and a link may still start inside
            continue
        end, dest, title = target
        image = start > at and text[start - 1] == "!"
        yield (start - 1 if image else start), start, close, end, dest, title, image
        at = i = end
