"""Markup inside a line that carries no words: emphasis, links, images, inline HTML, entities.

``display`` turns one Markdown line into what a passage shows (the student's words, in order, so they
still stand in the cited line), what retrieval reads (no URLs), image captions, and how much of it is link text.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"']([^\"']*)[\"'])?\s*\)")
_IMAGE_REF = re.compile(r"!\[([^\]]*)\]\[[^\]]*\]")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(alt|title|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?[^)\s>]*>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_LINK_REF = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_COMMENT = re.compile(r"<!--.*?-->")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
_MARK = "\ue002{}\ue003"  # brackets link text while the rest of the line is cleaned, to measure it afterwards
_MARKED = re.compile("\ue002(.*?)\ue003")

# Emphasis markers ('**', '***', '__') are dropped only in pairs that really delimit emphasis, found
# with CommonMark's flanking rules: '__' inside a word ('snake__case') never opens or closes, and an
# unpaired one ('window.__pwned', '**kwargs') is just text.
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_RUN = re.compile(r"\*+|_+")
_DUNDER = re.compile(r"[a-z0-9_]+")  # '__init__', '__name__': Python names, not bold words
_THEMATIC_BREAK = re.compile(r"^\s*(?:[*_]\s*){3,}$")
_PLACEHOLDER = "\ue000{}\ue001"  # private-use characters: not whitespace, not punctuation, (almost) never in notes
_SET_ASIDE = re.compile("\ue000(\\d+)\ue001")




def strip_emphasis(text: str) -> str:
    """Drop backticks and the '**'/'__' markers that delimit emphasis; keep every other character.

    Code spans are set aside first, so markers inside them stay literal, and an
    emphasis may still span a code span ('**use `x` here**').
    """
    if _THEMATIC_BREAK.match(text):
        return ""  # '***' is a rule, not text
    spans: list[str] = []

    def set_aside(m: re.Match) -> str:
        spans.append(m.group(2))
        return _PLACEHOLDER.format(len(spans) - 1)

    if "\ue000" not in text:  # a note that already holds the placeholder character keeps its code spans as text
        text = _CODE_SPAN.sub(set_aside, text)
    kept, at = [], 0
    for start, end in _emphasis_markers(text):
        kept.append(text[at:start])
        at = end
    text = "".join(kept) + text[at:]
    text = text.replace("`", "")  # an unmatched backtick carries no words
    return _SET_ASIDE.sub(lambda m: spans[int(m.group(1))], text) if spans else text


def _emphasis_markers(text: str) -> list[tuple[int, int]]:
    """Sorted (start, end) of the marker runs that open or close emphasis; each closer takes the nearest opener."""
    openers: list[tuple[str, int, int]] = []
    cuts: list[tuple[int, int]] = []
    for m in _RUN.finditer(text):
        run = m.group()
        if len(run) not in (2, 3):
            continue  # single '*'/'_' were never stripped; longer runs are not emphasis
        opens, closes = _can_open_close(text, m.start(), m.end())
        match = next((i for i in range(len(openers) - 1, -1, -1) if openers[i][0] == run), None) if closes else None
        if match is not None:
            _, start, end = openers[match]
            del openers[match:]  # openers between a pair can no longer be closed
            if not (run[0] == "_" and _DUNDER.fullmatch(text[end:m.start()])):
                cuts += [(start, end), m.span()]
        elif opens:
            openers.append((run, m.start(), m.end()))
    return sorted(cuts)


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


def caption(path: str) -> str:
    """Readable caption from an image file name: 'IAM_Policy_Structure.png' -> 'IAM Policy Structure'."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem)  # camelCase
    return re.sub(r"[\s_\-.]+", " ", stem).strip()


@dataclass
class Line:
    text: str  # what the passage shows
    index: str  # what retrieval reads: ``text`` without URLs
    captions: list[str] = field(default_factory=list)
    link_share: float = 0.0  # share of the line's letters that are link text


def _img_caption(tag: str) -> str:
    attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(tag)}
    return (attrs.get("alt") or attrs.get("title") or caption(attrs.get("src", ""))).strip()


def display(line: str) -> Line:
    """One Markdown line as a passage shows it, as retrieval reads it, its image captions and link share."""
    if _LINK_DEF.match(line):
        return Line("", "")  # '[1]: https://...' reference definitions carry no words of the note
    captions: list[str] = []

    def image(m: re.Match) -> str:
        captions.append((m.group(1) or (m.group(3) if m.lastindex and m.lastindex >= 3 else "") or caption(m.group(2) or "")).strip())
        return " "

    def html_image(m: re.Match) -> str:
        captions.append(_img_caption(m.group()))
        return " "

    text = _QUOTE.sub("", line)
    text = _COMMENT.sub("", text)
    text = _IMAGE.sub(image, text)
    text = _IMAGE_REF.sub(lambda m: captions.append(m.group(1)) or " ", text)
    text = _HTML_IMG.sub(html_image, text)
    text = _LINK.sub(lambda m: _MARK.format(m.group(1)), text)
    text = _LINK_REF.sub(lambda m: _MARK.format(m.group(1)), text)
    text = _AUTOLINK.sub(lambda m: m.group(1), text)
    text = _TAG.sub("", text)
    text = strip_emphasis(text)
    text = html.unescape(text) if "&" in text else text
    linked = sum(ch.isalnum() for m in _MARKED.finditer(text) for ch in m.group(1))
    text = _MARKED.sub(lambda m: m.group(1), text)
    text = re.sub(r"[ \t]{2,}", " ", text).rstrip() if captions or "\ue002" in line else text.rstrip()
    letters = sum(ch.isalnum() for ch in text)
    index = _URL.sub(" ", text) if "://" in text or "www." in text else text
    return Line(text, index.rstrip(), [c for c in captions if c], linked / letters if letters else 0.0)
