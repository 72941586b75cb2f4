"""Saved web pages (.html, .htm): the visible text as blocks, each cited by the source lines it comes from.

The page is parsed with the standard library's HTMLParser, which reports where each piece of text starts,
so a block cites the lines its words are on (not the line of its tag). Scripts, styles, hidden elements and
the site's navigation, header and footer are dropped; headings open sections; a table row is one block read
with its header; a table used for layout is read as the paragraphs in its cells.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .blocks import Block, chunk_blocks, read_as_prose
from .markdown import BOLD_LEVEL, reads_as_title
from .pack import split_long
from .records import Chunk, IngestError
from .sentences import split_text
from .textfile import legacy_decode

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as an editor counts lines (see textfile.py)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_DECLARED = (re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I),
             re.compile(rb"""<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I))

_VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCK = frozenset("address article aside blockquote body caption center dd details dialog dir div dl dt fieldset "
                   "figcaption figure footer form header hgroup hr html legend li main menu nav ol p pre section "
                   "summary table tbody td textarea tfoot th thead tr ul".split()) | set(_HEADINGS)
_CLOSES_P = _BLOCK - {"body", "html", "caption", "tbody", "td", "tfoot", "th", "thead", "tr", "legend"}
_SCOPE = frozenset("applet button caption html marquee object table td template th".split())
_NOT_SHOWN = frozenset("button canvas datalist head iframe noscript object script select style svg template title".split())
_IN_HEAD = frozenset("base basefont bgsound link meta noscript script style template title".split())
_CHROME_ROLES = frozenset("banner contentinfo navigation search".split())  # the site around the page, not the page
_CONTENT = frozenset("article main section".split())  # a header or footer inside these belongs to the text
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# A heading's permalink ("Osmosis<a href="#osmosis">¶</a>", as documentation generators write them): a mark to click,
# not a word of the heading.
_PERMALINK_MARKS = frozenset("¶ # § 🔗 ⚓".split())
# A footer written as a division ("<div class="footer">", "id="site-footer"", as many generators and older sites do):
# the site's copyright and credits, as a <footer> is.
_FOOTER_NAME = re.compile(r"(?<![a-z])footer(?![a-z])", re.I)
_CELLS = ("td", "th")
_TABLE_PARTS = frozenset({"tr", "thead", "tbody", "tfoot", "td", "th", "col", "colgroup"})
_CODE_SIGNS = re.compile(r"[{};]\s*$|==|=>|->|\w\.\w+\(|^\s*[\w.\[\]]+\s*=[^=]|^\s*(?:import|from|def|class|return|#include)\b")
_PUNCTUATION = ".,;:!?\"'()[]«»¡¿“”‘’—–…"
MAX_DEPTH = 200  # deeper nesting is flattened, so walking the tree never exhausts the stack
NAV_SHARE = 0.6  # a block whose letters are mostly link text is navigation
LAYOUT_CELL_CHARS = 600  # a cell this long is a region of the page, not a table value


@dataclass
class _Text:
    text: str
    line: int  # the source line the text starts on (0: a <br>, which continues the line before)


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A small tree with browsers' implied end tags (an open <p> closes at the next block, <li> at the next <li>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _IN_HEAD:
            self._close(("head",), set())  # the body began without a <body> tag
        if tag in _CLOSES_P:
            self._close(("p",), _SCOPE)
        if tag == "li":
            self._close(("li",), _SCOPE | {"ol", "ul"})
        elif tag in ("dd", "dt"):
            self._close(("dd", "dt"), _SCOPE | {"dl"})
        elif tag == "tr":
            self._close(("tr",), {"table"})
        elif tag in _CELLS:
            self._close(_CELLS, {"tr", "table"})
        elif tag in ("thead", "tbody", "tfoot"):
            self._close(("thead", "tbody", "tfoot"), {"table"})
        if tag in _HEADINGS and self.stack[-1].tag in _HEADINGS:
            self.stack.pop()
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        boundary = {"table"} if tag in ("tr", "thead", "tbody", "tfoot", *_CELLS) else _SCOPE
        self._close((tag,), boundary - {tag})

    def handle_data(self, data: str) -> None:
        if data.strip() and self.stack[-1].tag == "head":
            self.stack.pop()  # words after the head's elements are the body's, as browsers read them
        # With convert_charrefs this is called before the position moves past the text: where it starts.
        self.stack[-1].children.append(_Text(data, self.getpos()[0]))

    def _close(self, names: tuple[str, ...], boundary: set | frozenset) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag in names:
                del self.stack[i:]
                return
            if self.stack[i].tag in boundary:
                return


def decode_html(data: bytes, source: str) -> tuple[str, str | None]:
    """The page's text: by its BOM, else its declared charset, else UTF-8, else cp1252 (with a warning)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), None
    if b"\x00" in data[:8192]:
        raise IngestError(source, "looks like a binary file (NUL bytes), not a web page; "
                                  "remove it or give it the right extension")
    declared = next((m.group(1).decode("ascii") for p in _DECLARED if (m := p.search(data[:8192]))), None)
    codec = _codec(declared)
    if codec:
        try:
            return data.decode(codec), None
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    said = f"declares {declared} but is not valid {declared}" if codec else "declares no charset and is not valid UTF-8"
    text, fallback = legacy_decode(data)
    return text, f"{said}; decoded as {fallback} (add <meta charset=\"utf-8\"> and save it as UTF-8 to silence this)"


def _codec(label: str | None) -> str | None:
    """Python's codec for a declared charset; browsers read ASCII and Latin-1 labels as cp1252."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("ascii", "latin-1", "iso8859-1"):
        return "cp1252"
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name  # a BOM-less page cannot be UTF-16


def chunk_html(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Passages of a saved web page, each cited by the source lines its text stands on."""
    text, warning = decode_html(path.read_bytes(), source)
    builder = _TreeBuilder()
    try:
        builder.feed(_LINE_BREAK.sub("\n", text))  # HTMLParser counts only '\n'; an editor counts CR too
        builder.close()
    except Exception as e:  # HTMLParser is lenient; anything it still raises is a page it cannot read
        from .records import one_line

        raise IngestError(source, f"is not a readable web page ({one_line(e)}); "
                                  "re-save it from the browser and ingest again") from None
    walker = _Walker()
    walker.block(builder.root, "text", False)
    title = " ".join(_title(builder.root).split())
    has_h1 = any(b.level == 1 for b in walker.blocks)
    heading = (title,) if title and not has_h1 else ()
    # its blocks are sentences (each cites its own lines): whether it reads as prose is a matter of its paragraphs
    prose = read_as_prose(walker.blocks, walker.paragraphs)
    return chunk_blocks(walker.blocks, source, "lines", heading=heading, prose=prose), [warning] if warning else []


def _title(root: _Node) -> str:
    """The text of the page's <title> (it sits in <head>, which is never walked as text)."""
    todo = [root]
    while todo:
        node = todo.pop(0)
        if node.tag == "title":
            return "".join(t.text for t in node.children if isinstance(t, _Text))
        todo.extend(c for c in node.children if isinstance(c, _Node) and c.tag in ("html", "head"))
    return ""


def _shown(node: _Node, in_content: bool) -> bool:
    """False for what a reader of the page does not see as its text (scripts, hidden parts, site chrome)."""
    a = node.attrs
    if node.tag in _NOT_SHOWN or "hidden" in a or a.get("aria-hidden") == "true" or _HIDDEN_STYLE.search(a.get("style", "")):
        return False
    if node.tag == "nav" or a.get("role") in _CHROME_ROLES:
        return False
    if node.tag == "a" and a.get("href", "").startswith("#") and _own_text(node).strip() in _PERMALINK_MARKS:
        return False
    footer = node.tag == "footer" or bool(_FOOTER_NAME.search(f"{a.get('class', '')} {a.get('id', '')}"))
    return in_content or not (node.tag == "header" or footer)


def _own_text(node: _Node) -> str:
    return "".join(c.text if isinstance(c, _Text) else _own_text(c) for c in node.children)


class _Walker:
    """Walks the tree once, collecting the text of the open block until the next block boundary."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[tuple[_Text, bool]] = []  # (text, inside a link)
        self.tables = False  # a table was read (a cell holding one is part of a layout)
        self.strong: set[int] = set()  # ids of the texts in bold type (<strong>, <b>)
        self.paragraphs: list[str] = []  # the text of each paragraph, before it is cut into sentences
        self.listed = 0  # inside this many list items or table cells (a bold term there is no heading)

    def block(self, node: _Node, ctx: str, in_content: bool) -> None:
        """A block element: its text (and its inner blocks') read under ``ctx`` ('text', 'pre' or 'h1'..'h6')."""
        in_content = in_content or node.tag in _CONTENT
        if node.tag == "table":
            self.table(node, in_content)
            return
        own = node.tag if node.tag in _HEADINGS or node.tag == "pre" else ctx
        item = node.tag in ("li", "dd", "dt")
        self.listed += item
        self.flush(ctx)
        self.inline(node, own, False, in_content)
        self.flush(own, node.tag)
        self.listed -= item

    def inline(self, node: _Node, ctx: str, link: bool, in_content: bool, strong: bool = False) -> None:
        for child in node.children:
            if isinstance(child, _Text):
                self.parts.append((child, link))
                if strong:
                    self.strong.add(id(child))
            elif not _shown(child, in_content):
                continue
            elif child.tag == "br":
                self.parts.append((_Text(" ", 0), link))  # in <pre> too: a passage line is a source line
            elif child.tag in _BLOCK:
                self.block(child, ctx, in_content)
            else:
                self.inline(child, ctx, link or child.tag == "a", in_content, strong or child.tag in ("strong", "b"))

    def flush(self, ctx: str, tag: str | None = None) -> None:
        parts, self.parts = self.parts, []
        if ctx == "pre":
            self.code(parts)
            return
        text, lines = _collapse(parts)
        if not text:
            return
        if ctx in _HEADINGS:
            self.blocks.append(Block(lines[0], text, level=_HEADINGS[ctx], end=max(lines)))
            return
        letters = sum(len("".join(t.text.split())) for t, _ in parts)
        linked = sum(len("".join(t.text.split())) for t, link in parts if link)
        kind = "nav" if linked >= NAV_SHARE * letters else "text"
        if tag in ("p", "div") and not self.listed and kind == "text" and all(id(t) in self.strong for t, _ in parts if t.text.strip()) \
                and reads_as_title(text):
            self.blocks.append(Block(lines[0], text, level=BOLD_LEVEL, end=max(lines)))  # a bold line heads what
            return  # follows, as in Markdown
        if kind == "text":
            self.paragraphs.append(text)
        # A paragraph is cut at sentence ends here, so each sentence cites the lines it stands on (a page's source
        # wraps a paragraph over many lines; its passage lines are these blocks, never joined again).
        at = 0
        for piece in (p for sentence in split_text(text) for p in split_long(sentence)):
            found = text.find(piece, at)
            if found == -1:  # split_long put a space between glued sentences ('end.Next'): find where it begins
                found = text.find(piece.split(" ", 1)[0], at)
            at = max(found, at)
            where = [n for n in lines[at : at + len(piece)] if n] or [n for n in lines[at:] if n]
            self.blocks.append(Block(where[0], piece, kind=kind, end=max(where)))
            at += len(piece)

    def code(self, parts: list[tuple[_Text, bool]]) -> None:
        """Preformatted text, one block per source line: code, or lines of prose (a transcript, a poem)."""
        lines: dict[int, str] = {}
        line = 0
        for t, _ in parts:
            line = t.line or line  # a <br> has no line of its own: it continues the last one
            for i, piece in enumerate(t.text.split("\n")):
                line += 1 if i else 0
                lines[line] = lines.get(line, "") + piece
        kept = [(n, s.rstrip()) for n, s in sorted(lines.items()) if s.strip()]
        kind = "text" if 2 * sum(map(_reads_as_prose, (s for _, s in kept))) >= len(kept) else "code"
        self.blocks.extend(Block(n, s, kind=kind, end=n) for n, s in kept)

    def table(self, node: _Node, in_content: bool) -> None:
        """A data table: one block per row, indexed with its header. A layout table: the text in its cells."""
        self.flush("text")
        self.tables = True
        # A caption, and what a sloppy page put in the table outside any cell (browsers show it above), come first.
        above = _Node("div", {}, [c for c in node.children if isinstance(c, _Text) or c.tag not in _TABLE_PARTS])
        self.block(above, "text", in_content)
        rows: list[list[tuple[_Node, list[Block]]]] = []
        layout = False
        for row in _rows(node):
            cells = []
            for cell in row:
                inner = _Walker()
                inner.listed = 1
                inner.block(cell, "text", in_content)
                cells.append((cell, inner.blocks))
                # A cell holding a table, a heading or several paragraphs lays out the page: it is no value.
                layout = layout or inner.tables or len(inner.blocks) > 1 \
                    or any(b.level or len(b.text) > LAYOUT_CELL_CHARS for b in inner.blocks)
            rows.append(cells)
        if layout:
            self.blocks.extend(b for cells in rows for _, blocks in cells for b in blocks)
            return
        header: list[str] | None = None
        for cells in rows:
            shown = [" ".join(blocks[0].text.split()) if blocks else "" for _, blocks in cells]
            seen = [blocks[0] for _, blocks in cells if blocks]
            if not seen:
                continue
            spans = [min(int(c.attrs["colspan"]), 100) if c.attrs.get("colspan", "").isdigit() else 1 for c, _ in cells]
            spans = [max(n, 1) for n in spans]
            index = None
            filled = [(c, s) for (c, _), s in zip(cells, shown) if s]
            # The header is the first row of header cells, unless it is one title spanning a wider table.
            if header is None and all(c.tag == "th" for c, _ in filled) and (len(filled) > 1 or len(cells) == 1):
                header = [s for s, n in zip(shown, spans) for _ in range(n)]
            elif header is not None:
                columns = [sum(spans[:i]) for i in range(len(cells))]
                index = "; ".join(f"{header[col]}: {s}" if col < len(header) and header[col] else s
                                  for s, col in zip(shown, columns) if s)
            first, last = min(b.number for b in seen), max(b.end or b.number for b in seen)
            self.blocks.append(Block(first, " | ".join(s for s in shown if s), kind="table", index_text=index, end=last))


def _reads_as_prose(line: str) -> bool:
    """Six or more words, mostly words of any script, and none of code's signs."""
    words = line.split()
    wordy = sum(w.strip(_PUNCTUATION).replace("'", "").replace("’", "").replace("-", "").isalpha() for w in words)
    return len(words) >= 6 and wordy >= 0.7 * len(words) and not _CODE_SIGNS.search(line)


def _collapse(parts: list[tuple[_Text, bool]]) -> tuple[str, list[int]]:
    """The parts' text with each run of whitespace made one space, and the source line of each character."""
    chars: list[str] = []
    lines: list[int] = []
    line = 0
    for t, _ in parts:
        line = t.line or line  # a <br> has no line of its own
        for ch in t.text:
            if ch.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    lines.append(0)
            else:
                chars.append(ch)
                lines.append(line)
            line += ch == "\n"
    while chars and chars[-1] == " ":
        chars.pop()
        lines.pop()
    return "".join(chars), lines


def _rows(table: _Node):
    """The rows of a table (not of tables inside it), each as its list of cells."""
    loose: list[_Node] = []  # cells outside any <tr>, as sloppy pages write them
    for child in table.children:
        if not isinstance(child, _Node):
            continue
        if child.tag in ("thead", "tbody", "tfoot"):
            yield from _rows(child)
        elif child.tag == "tr":
            yield [c for c in child.children if isinstance(c, _Node) and c.tag in _CELLS]
        elif child.tag in _CELLS:
            loose.append(child)
    if loose:
        yield loose
