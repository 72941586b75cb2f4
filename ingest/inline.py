"""Markup inside a line that carries no words: escapes, emphasis, links, images, inline HTML, entities.

``display`` turns one Markdown line into what a passage shows (the student's words, in order, so they
still stand in the cited line), what retrieval reads (no URLs), image captions, and how much of it is link text.
``display_lines`` does the same for lines a link or tag runs across, one ``Line`` per source line.
"""
from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field

from .emphasis import strip_emphasis
from .links import BRACKET, DEFINITION, FOOTNOTE_DEF, MAX_NESTING, VERBATIM, scan, verbatim

_QUOTE = re.compile(r"^\s*(?:>\s?)+")
# A heading inside a quote or a list item ('> ### Title', '* ##### Title') is shown as its words.
_NESTED_ATX = re.compile(r"^(\s*(?:>\s?)*\s*(?:(?:[-*+]|\d{1,9}[.)])\s+)?)#{1,6}(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(alt|title|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>")
_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>")
_BREAKING_TAGS = {"br", "p", "div", "li", "td", "th", "tr", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd"}
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# Sub- and superscripts are written 'x_t', 'x^2' (a word of their own, as in the note's source, where the tag
# parts them): glued to the word before they would make a word the note does not have ('actualt').
_SCRIPT = re.compile(r"<(sub|sup)>([^<>\n]*)</\1>", re.I)
_GLUES = ")]}'*_\ue003\ue005\ue009"  # a script after these belongs to what precedes: '(x+1)^2', '`DayOfYear`^2', '*x*^2'

_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+")
_MARK = "\ue002{}\ue003"  # brackets link text while the rest of the line is cleaned, to measure it afterwards
_MARKED = re.compile("\ue002(.*?)\ue003", re.S)

# Backslash escapes and code spans are set aside first (CommonMark: a backslash before ASCII punctuation
# is that character, literally; inside a code span nothing is markup), so no later rule reads them as markup.
# URLs and Windows paths (links.VERBATIM) are set aside as written too.
_ASCII_PUNCT = r"""!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~"""
_PROTECT = re.compile("(" + VERBATIM + r")|\\([" + _ASCII_PUNCT + r"])|\\(?=\n|$)|(`+)")
_KEPT = "\ue004{}\ue005"
_KEPT_BACK = re.compile("\ue004(\\d+)\ue005")

# A sub- or superscript's marks ('_', '^', '{', '}'), kept apart while the line is cleaned: a passage shows them
# ('CO_2', which stands in 'CO<sub>2</sub>'), retrieval reads the word whole ('CO2', as a question writes it).
_SCRIPT_MARKS = {"\ue006": "_", "\ue007": "^", "\ue008": "{", "\ue009": "}"}
_SCRIPT_MARKED = re.compile("[\ue006-\ue009]")
_PRIVATE = re.compile("[\ue002-\ue009]")


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


def _protect(text: str, kept: list[str], escapes: bool = True) -> str:
    """Set aside URLs and paths (as written), backslash escapes (as the literal character; as written when
    ``escapes`` is False) and code spans (as their content)."""
    out, at = [], 0
    while m := _PROTECT.search(text, at):  # from where the last one ended: after a code span, or a URL cut short
        out.append(text[at : m.start()])
        at = m.end()
        if m.group(1) is not None:
            token = verbatim(m.group(1), text[: m.start()])
            kept.append(token)
            out.append(_KEPT.format(len(kept) - 1))
            at = m.start() + len(token)
            continue
        if m.group(3) is None:
            kept.append((m.group(2) or "") if escapes else m.group())  # a character, or a hard line break ('\' at the end)
            out.append(_KEPT.format(len(kept) - 1))
            continue
        close = re.compile(f"(?<!`){m.group(3)}(?!`)").search(text, m.end())
        if close is None:
            out.append(m.group(3))  # an unmatched run is literal backticks
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
def _links(text: str, refs: frozenset[str], captions: list[str], restore, depth: int = 0) -> str:
    """Links replaced by their (marked) words, images by a space with their caption collected: never a URL.

    ``restore`` gives back what ``_protect`` set aside in a destination, for a caption made from a file name."""
    if depth > MAX_NESTING:
        return text
    out, at = [], 0
    for begin, start, close, end, dest, title, image in scan(text, refs):
        label = text[start + 1 : close]
        out.append(text[at:begin])
        words = _links(label, refs, captions, restore, depth + 1)
        if image:
            captions.append(words.strip() or title or caption(restore(dest)))
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
def display(line: str, refs: frozenset[str] = frozenset(), escapes: bool = True) -> Line:
    """One Markdown line as a passage shows it, as retrieval reads it, its image captions and link share.

    With ``escapes`` False a backslash is always itself (a line of a code block read as prose)."""
    return display_lines([line], refs, escapes=escapes)[0]


def heading_text(title: str, refs: frozenset[str] = frozenset()) -> str:
    """A heading's words: markup, stray '**' and a trailing ':' dropped; escaped characters kept as written."""
    return display_lines([title], refs, heading=True)[0].text


_MARKUP = re.compile(r"[\\`\[<*_&>#\ue002-\ue009]")  # a line without any of these shows as written


def display_lines(lines: list[str], refs: frozenset[str] = frozenset(), heading: bool = False,
                  escapes: bool = True) -> list[Line]:
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

    def aside(shown: str) -> str:
        kept.append(shown)
        return _KEPT.format(len(kept) - 1)

    def restore(text: str) -> str:
        return _KEPT_BACK.sub(lambda m: kept[int(m.group(1))], text)

    def html_image(m: re.Match) -> str:
        captions.append(_img_caption(restore(m.group())))
        return " " + _breaks(m.group())

    def script(m: re.Match) -> str:
        """'actual<sub>t</sub>' -> 'actual_t', 'e<sup>-x</sup>' -> 'e^{-x}': the script stays a word of its own."""
        body, before, after = m.group(2), m.string[m.start() - 1 : m.start()], m.string[m.end() : m.end() + 1]
        if not body.strip() or not (before.isalnum() or before in _GLUES):
            return body
        mark = "\ue007" if m.group(1).lower() == "sup" else "\ue006"
        if body.isalnum() and not after.isalnum():
            return mark + body
        return mark + "\ue008" + body + "\ue009"  # 'H_{2}O', 'max_{a'}Q': where the script ends

    def tag(m: re.Match) -> str:
        return (" " if m.group(1).lower() in _BREAKING_TAGS else "") + _breaks(m.group())

    def resolve(text: str) -> str:
        text = strip_emphasis(text)
        if heading:
            text = re.sub(r"\*{2,3}", "", text).strip().strip("*_ ").strip().rstrip(":").strip()
        text = html.unescape(text) if "&" in text else text  # before escapes come back: '\&amp;' stays as written
        return restore(text)

    text = _protect(source, kept, escapes)
    text = _COMMENT.sub(lambda m: _breaks(m.group()), text)
    text = _HTML_IMG.sub(html_image, text)
    text = _AUTOLINK.sub(lambda m: aside(restore(m.group(1))), text)
    text = _links(text, refs, captions, restore)
    text = resolve(_TAG.sub(tag, _SCRIPT.sub(script, text)))
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
    if _SCRIPT_MARKED.search(text):
        text, index = _SCRIPT_MARKED.sub(lambda m: _SCRIPT_MARKS[m.group()], text), _SCRIPT_MARKED.sub("", index)
    return Line(text, index.rstrip(), [], share)
