"""Markup inside a line that carries no words: escapes, emphasis, links, images, inline HTML, entities.

``display`` turns one Markdown line into what a passage shows (the student's words, in order, so they
still stand in the cited line), what retrieval reads (no URLs), image captions, and how much of it is link text.
``display_lines`` does the same for lines a link or tag runs across, one ``Line`` per source line.
"""
from __future__ import annotations

import bisect
import html
import re
import unicodedata
from dataclasses import dataclass, field

from .links import BRACKET, DEFINITION, FOOTNOTE_DEF, MAX_NESTING, scan

_QUOTE = re.compile(r"^\s*(?:>\s?)+")
# A heading inside a quote or a list item ('> ### Title', '* ##### Title') is shown as its words.
_NESTED_ATX = re.compile(r"^(\s*(?:>\s?)*\s*(?:(?:[-*+]|\d{1,9}[.)])\s+)?)#{1,6}(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(alt|title|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>")
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
_BREAKING_TAGS = {"br", "p", "div", "li", "td", "th", "tr", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd"}
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
_MARK = "\ue002{}\ue003"  # brackets link text while the rest of the line is cleaned, to measure it afterwards
_MARKED = re.compile("\ue002(.*?)\ue003", re.S)

# Backslash escapes and code spans are set aside first (CommonMark: a backslash before ASCII punctuation
# is that character, literally; inside a code span nothing is markup), so no later rule reads them as markup.
_ASCII_PUNCT = r"""!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"""
_PROTECT = re.compile(r"\\([" + _ASCII_PUNCT + r"])|\\(?=\n|$)|(`+)")
_KEPT = "\ue004{}\ue005"
_KEPT_BACK = re.compile("\ue004(\\d+)\ue005")

# Emphasis markers ('*', '_', '**', '***', '__') are dropped only in pairs that really delimit emphasis,
# found with CommonMark's flanking rules: '_' inside a word ('snake_case') never opens or closes, and an
# unpaired one ('window.__pwned', '**kwargs', '2 * 3') is just text.
_RUN = re.compile(r"\*+|_+")
_DUNDER = re.compile(r"[a-z0-9_]+")  # '__init__', '__name__': Python names, not bold words
_THEMATIC_BREAK = re.compile(r"^\s*(?:[*_]\s*){3,}$")
_PRIVATE = re.compile("[\ue002-\ue005]")


def _strip_emphasis(text: str) -> str:
    """Drop the markers that delimit emphasis, and stray backticks; code spans are set aside already."""
    if _THEMATIC_BREAK.match(text):
        return ""  # '***' is a rule, not text
    kept, at = [], 0
    for start, end in _emphasis_markers(text):
        kept.append(text[at:start])
        at = end
    return ("".join(kept) + text[at:]).replace("`", "")  # an unmatched backtick carries no words


def _emphasis_markers(text: str) -> list[tuple[int, int]]:
    """Sorted (start, end) of the marker runs that open or close emphasis; each closer takes the nearest opener."""
    openers: list[tuple[str, int, int]] = []
    cuts: list[tuple[int, int]] = []
    for m in _RUN.finditer(text):
        run = m.group()
        if len(run) > 3:
            continue  # longer runs are not emphasis
        opens, closes = _can_open_close(text, m.start(), m.end())
        match = next((i for i in range(len(openers) - 1, -1, -1) if openers[i][0] == run), None) if closes else None
        if match is not None:
            _, start, end = openers[match]
            del openers[match:]  # openers between a pair can no longer be closed
            inner = text[end : m.start()]
            # '*.*' in 'GRANT ON *.*' encloses no word: the stars are the note's, not emphasis.
            if any(ch.isalnum() for ch in inner) and not (run == "__" and _DUNDER.fullmatch(inner)):
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
    stem = path.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1].rsplit(".", 1)[0]
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


def _breaks(text: str) -> str:
    """The line breaks inside removed markup, kept so a group of lines still splits into as many lines."""
    return "\n" * text.count("\n")


def _protect(text: str, kept: list[str]) -> str:
    """Set aside backslash escapes (as the literal character) and code spans (as their content)."""
    out, at = [], 0
    for m in _PROTECT.finditer(text):
        if m.start() < at:
            continue  # inside a code span already taken
        out.append(text[at : m.start()])
        at = m.end()
        if m.group(2) is None:
            kept.append(m.group(1) or "")  # an escaped character, or a hard line break ('\' at a line end)
            out.append(_KEPT.format(len(kept) - 1))
            continue
        close = re.compile(f"(?<!`){m.group(2)}(?!`)").search(text, m.end())
        if close is None:
            out.append(m.group(2))  # an unmatched run is literal backticks
            continue
        body = text[m.end() : close.start()]
        inner = body.replace("\n", " ")
        if len(inner) > 2 and inner[0] == inner[-1] == " " and inner.strip():
            inner = inner[1:-1]  # CommonMark: one space each side is padding
        kept.append(inner)
        out.append(_KEPT.format(len(kept) - 1) + _breaks(body))
        at = close.end()
    out.append(text[at:])
    return "".join(out)


# -- links and images, found by ingest.links ------------------------------------------------------------
def _links(text: str, refs: frozenset[str], captions: list[str], depth: int = 0) -> str:
    """Links replaced by their (marked) words, images by a space with their caption collected: never a URL."""
    if depth > MAX_NESTING:
        return text
    out, at = [], 0
    for begin, start, close, end, dest, title, image in scan(text, refs):
        label = text[start + 1 : close]
        out.append(text[at:begin])
        words = _links(label, refs, captions, depth + 1)
        if image:
            captions.append(words.strip() or title or caption(dest))
            out.append(" " + _breaks(text[begin:end]))
        elif label.startswith("^") and not dest:
            out.append(_breaks(label))  # a footnote mark ('[^1]') carries no words
        else:
            glued = " " if begin == at and at else ""  # two links side by side are two things: '[a](x)[b](y)'
            out.append(glued + _MARK.format(words) + _breaks(text[close:end]))
        at = end
    out.append(text[at:])
    return "".join(out)


def link_opens(line: str) -> bool:
    """Whether a '[' in the line is left open at its end (a link may go on on the next line)."""
    depth = 0
    for m in BRACKET.finditer(_protect(line, [])) if "[" in line else ():
        depth = depth + 1 if m.group() == "[" else max(depth - 1, 0)
    return depth > 0


def link_reach(lines: list[str], refs: frozenset[str] = frozenset()) -> int:
    """How many lines past the first one the links and images that start on it run (0: they end on it)."""
    text = _protect("\n".join(lines), [])
    breaks = [i for i, ch in enumerate(text) if ch == "\n"]
    reach = 0
    for begin, _, _, end, *_ in scan(text, refs):
        if bisect.bisect_right(breaks, begin) > reach:
            break  # starts on a line no earlier link reaches
        reach = max(reach, bisect.bisect_right(breaks, end - 1))
    return reach


# -- one line (or a few read together) as shown and as indexed ----------------------------------------------
def display(line: str, refs: frozenset[str] = frozenset()) -> Line:
    """One Markdown line as a passage shows it, as retrieval reads it, its image captions and link share."""
    return display_lines([line], refs)[0]


def heading_text(title: str, refs: frozenset[str] = frozenset()) -> str:
    """A heading's words: markup, stray '**' and a trailing ':' dropped; escaped characters kept as written."""
    return display_lines([title], refs, heading=True)[0].text


_MARKUP = re.compile(r"[\\`\[<*_&>#\ue002-\ue005]")  # a line without any of these shows as written


def display_lines(lines: list[str], refs: frozenset[str] = frozenset(), heading: bool = False) -> list[Line]:
    """Markdown lines read together (a link or tag runs across them): one ``Line`` each, captions on the first.

    ``refs`` are the labels the note defines (``references``): '[text][label]' and '[label]' are links only
    when the label is defined, as in CommonMark, so 'a[i][j]' stays as written.
    """
    if len(lines) == 1 and not heading and not _MARKUP.search(lines[0]):
        return [_line(lines[0], False)]
    pieces: list[str] = []
    for line in lines:
        line = _PRIVATE.sub("", line)
        if DEFINITION.match(line):
            line = ""  # '[1]: https://...' reference definitions carry no words of the note
        nested = _NESTED_ATX.match(line)
        if nested and nested.group(1).strip():
            line = _QUOTE.sub("", nested.group(1)) + nested.group(2)
        pieces.append(FOOTNOTE_DEF.sub(r"\1", _QUOTE.sub("", line)))
    source = "\n".join(pieces)
    kept: list[str] = []
    captions: list[str] = []

    def set_aside(m: re.Match) -> str:
        kept.append(m.group(1))
        return _KEPT.format(len(kept) - 1)

    def html_image(m: re.Match) -> str:
        captions.append(_img_caption(m.group()))
        return " " + _breaks(m.group())

    def tag(m: re.Match) -> str:
        return (" " if m.group(1).lower() in _BREAKING_TAGS else "") + _breaks(m.group())

    def resolve(text: str) -> str:
        text = _strip_emphasis(text)
        if heading:
            text = re.sub(r"\*{2,3}", "", text).strip().strip("*_ ").strip().rstrip(":").strip()
        text = html.unescape(text) if "&" in text else text  # before escapes come back: '\&amp;' stays as written
        return _KEPT_BACK.sub(lambda m: kept[int(m.group(1))], text)

    text = _protect(source, kept)
    text = _COMMENT.sub(lambda m: _breaks(m.group()), text)
    text = _HTML_IMG.sub(html_image, text)
    text = _AUTOLINK.sub(set_aside, text)
    text = _links(text, refs, captions)
    text = resolve(_TAG.sub(tag, text))
    captions = [" ".join(_MARKED.sub(r"\1", resolve(c)).split()) for c in captions]
    out = [_line(t, text != source) for t in _split_marked(text)]
    out[0].captions = [c for c in captions if c]
    return out


def _split_marked(text: str) -> list[str]:
    """Split at line breaks, closing and reopening a link mark that runs across one."""
    return _MARKED.sub(lambda m: _MARK.format(m.group(1).replace("\n", "\ue003\n\ue002")), text).split("\n")


def _line(text: str, changed: bool) -> Line:
    linked = sum(ch.isalnum() for m in _MARKED.finditer(text) for ch in m.group(1))
    text = _MARKED.sub(lambda m: m.group(1), text)
    # Markup taken out leaves spaces behind ('Negative <br />Review'); the indent before the words stays.
    text = re.sub(r"(?<=\S)[ \t]{2,}", " ", text).rstrip() if changed else text.rstrip()
    share = linked / max(1, sum(ch.isalnum() for ch in text)) if linked else 0.0
    index = _URL.sub(" ", text) if "://" in text or "www." in text else text
    return Line(text, index.rstrip(), [], share)
