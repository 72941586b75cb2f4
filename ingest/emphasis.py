"""Emphasis in a Markdown line: which '*' and '_' runs delimit it (and are dropped), and which are text.

A pass over the line with one stack of openers per kind of run, so a hostile line stays linear.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Emphasis markers ('*', '_', '**', '***', '__') are dropped only in pairs that really delimit emphasis,
# found with CommonMark's flanking rules: '_' inside a word ('snake_case') never opens or closes, and an
# unpaired one ('window.__pwned', '**kwargs', '2 * 3') is just text. Stricter than CommonMark for '*', because
# in notes a star between letters or digits is far more often a product than emphasis: a run with digits on
# both sides ('2*3') never opens or closes, and a pair with letters or digits on both sides of both runs
# ('mass*volume*g', 'A*B*C') is text, unless it marks capitals inside a lower-case word ('Auto*R*egressive',
# how notes spell out an acronym). One side inside a word is still emphasis: '*A*uto', 'foo*bar*'.
_RUN = re.compile(r"\*+|_+")
_DUNDER = re.compile(r"[a-z0-9_]+")  # '__init__', '__name__': Python names, not bold words
_CAPITALS = re.compile(r"[A-Z]+")
_THEMATIC_BREAK = re.compile(r"^\s*(?:[*_]\s*){3,}$")


def strip_emphasis(text: str) -> str:
    """Drop the markers that delimit emphasis, and stray backticks; code spans are set aside already."""
    if _THEMATIC_BREAK.match(text):
        return ""  # '***' is a rule, not text
    kept, at = [], 0
    for start, end in _emphasis_markers(text):
        kept.append(text[at:start])
        at = end
    return ("".join(kept) + text[at:]).replace("`", "")  # an unmatched backtick carries no words


@dataclass
class _Opener:
    run: str
    inside: bool  # letters or digits on both sides ('o*R')
    start: int
    end: int


def _emphasis_markers(text: str) -> list[tuple[int, int]]:
    """Sorted (start, end) of the marker runs that open or close emphasis; each closer takes the nearest opener.

    One stack of openers per run and per inside-a-word, so a closer looks at two stack tops, never back along
    the line: linear, where scanning all openers made '*a *a ... a** a**' quadratic."""
    openers: list[_Opener] = []  # in line order
    stacks: dict[tuple[str, bool], list[int]] = {}  # (run, inside) -> indexes into ``openers``, ascending
    words = [0]  # words[i]: letters and digits in text[:i], to ask in one step whether a pair encloses any
    for ch in text:
        words.append(words[-1] + ch.isalnum())
    cuts: list[tuple[int, int]] = []
    for m in _RUN.finditer(text):
        run, start, end = m.group(), m.start(), m.end()
        if len(run) > 3 or _between(text, start, end, str.isdigit):
            continue  # longer runs are not emphasis; '2*3' is arithmetic
        opens, closes = _can_open_close(text, start, end)
        inside = _between(text, start, end, str.isalnum)
        match = _partner(text, stacks, openers, run, inside, end) if closes else None
        if match is not None:
            opener = openers[match]
            for dropped in reversed(openers[match:]):  # openers between a pair can no longer be closed
                stacks[(dropped.run, dropped.inside)].pop()
            del openers[match:]
            # '*.*' in 'GRANT ON *.*' encloses no word: the stars are the note's, not emphasis.
            if words[start] > words[opener.end] and not (run == "__" and _DUNDER.fullmatch(text, opener.end, start)):
                cuts += [(opener.start, opener.end), (start, end)]
        elif opens:
            stacks.setdefault((run, inside), []).append(len(openers))
            openers.append(_Opener(run, inside, start, end))
    return sorted(cuts)


def _partner(text: str, stacks: dict, openers: list[_Opener], run: str, inside: bool, end: int) -> int | None:
    """Index of the nearest opener the closer text[end - len(run):end] pairs with, or None."""
    outer, inner = stacks.get((run, False)), stacks.get((run, True))
    candidates = [outer[-1]] if outer else []
    if inner:
        o = openers[inner[-1]]
        capitals = (text[o.start - 1].islower() and end < len(text) and text[end].islower()
                    and _CAPITALS.fullmatch(text, o.end, end - len(run)))
        if not inside or capitals:  # both runs inside words: a product, unless capitals are marked in a word
            candidates.append(inner[-1])
    return max(candidates, default=None)


def _between(text: str, start: int, end: int, test) -> bool:
    """Whether the characters on both sides of text[start:end] pass ``test``."""
    return 0 < start and end < len(text) and test(text[start - 1]) and test(text[end])


def _can_open_close(text: str, start: int, end: int) -> tuple[bool, bool]:
    """CommonMark's rules for a delimiter run text[start:end]: may it open, may it close emphasis?"""
    before = _neighbour(text[start - 1] if start else "")
    after = _neighbour(text[end] if end < len(text) else "")
    left = after != "space" and (after != "punct" or before != "word")
    right = before != "space" and (before != "punct" or after != "word")
    if text[start] == "*":
        return left, right
    return left and (not right or before == "punct"), right and (not left or after == "punct")


def _neighbour(c: str) -> str:
    """'space' (text edges too), 'punct' or 'word'."""
    if not c or c.isspace():
        return "space"
    return "punct" if unicodedata.category(c)[0] in "PS" else "word"
