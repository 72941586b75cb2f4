"""Where sentences end, and the sentences of a passage with the passage lines they stand in.

One splitter serves the chunker (a passage boundary never falls inside a sentence), retrieval (a
passage is scored partly by its best sentence), the answer (the sentences that answer are shown
first) and review cards. Notes often wrap one sentence over several lines ("... that represents a" /
"virtual network card"); a line that does not end a sentence and is followed by one starting in
lower case is joined with it, so the sentence is whole.
"""
from __future__ import annotations

import re

from .records import Chunk

# A sentence ends at . ! ? (or an ellipsis), after any closing quotes, brackets and footnote marks ([2]), before a space and
# something that can start a sentence; or glued to a capitalised word ("instance.But"), but not inside an
# identifier ("Code.ZipFile", "S3.Bucket").
_END = re.compile(
    r"(?<=[.!?…])[\"'”’»)\]]*(?:\[\d{1,3}\])*(\s+)(?=[\"'“‘«(\[]*[A-Z0-9À-ÖØ-Þ])"
    r"|(?<=[a-z0-9)][.!?])(?=[A-Z][a-z]*(?:[\s,;:]|$))")
# Words after which a period does not end the sentence: titles, initials, common Latin and reference abbreviations.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "mt", "no", "vs", "etc", "e.g", "i.e", "cf", "al", "fig",
    "figs", "eq", "eqs", "ref", "vol", "vols", "ch", "sec", "pp", "p", "approx", "ca", "inc", "ltd", "co", "corp",
    "dept", "est", "gen", "gov", "lt", "col", "capt", "rev", "hon", "ed", "eds", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "a.m", "p.m", "ph.d",
}
_LAST_WORD = re.compile(r"([\w.]+)\.[\"'”’»)\]]*$")
_ENDS = (".", "!", "?", ":", ";", "…")
_FILE_ONLY = re.compile(r"^\S+\.(?:png|jpe?g|gif|svg|webp|pdf|zip)$", re.I)  # an image link's target: not a sentence
MIN_WORDS = 3
# A line ending in one of these, written in lower case, cannot end a sentence ("I would like the story of" /
# "Reliance to be told"): where lines are the file's own (a PDF page, a text or Markdown file; not a paragraph,
# slide, cell or web page element a reader set apart, nor a table or code) the next line goes on with it even when
# it starts with a capital, as text wrapped in a narrow column does. "Vitamin A", "X OR Y" are no such words.
_SKIPS_LINES = (".md", ".markdown")  # readers that leave out lines inside a paragraph
# A label over a figure, a table or a listing: "Figure 3: ...", "Table 2.1 - ...", "Listing 4-2: ..." (not "Table
# salt is ...", "Figure x - axis"): it names what follows and says nothing itself.
CAPTION = re.compile(r"^\W*(?:Listing|Figure|Fig\.|Table|Exhibit|Chart|Diagram|Illustration|Plate|Graph)\s+"
                     r"(?:\d[\w.\-]*|(?-i:[IVXLC]+)\b)\s*[:.—–-]\s", re.I)
_ELEMENTS = (".html", ".htm")  # readers whose passage lines are blocks set apart, though cited by source lines
_GOES_ON = re.compile(r"\b(?:a|an|the|of|to|in|on|at|by|for|from|with|into|onto|than|and|or|nor|but|as|that|which|"
                      r"whose|is|are|was|were|be|been|its|their|our|your|his|her|my)$")


def _is_abbreviation(before: str) -> bool:
    m = _LAST_WORD.search(before)
    if not m:
        return False
    word = m.group(1).lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())  # "J. Smith", "p. 4"


def sentence_ends(text: str) -> list[int]:
    """Offsets in ``text`` where a sentence ends (each is where the next one starts, spaces skipped)."""
    ends = []
    for m in _END.finditer(text):
        cut = m.start(1) if m.group(1) is not None else m.start()
        if _is_abbreviation(text[max(0, cut - 64) : cut]):  # the last word only: a 2 MB line stays linear
            continue
        ends.append(m.end())
    return ends


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets in ``text`` of each sentence, white space around it left out."""
    spans, at = [], 0
    for end in [*sentence_ends(text), len(text)]:
        piece = text[at:end]
        if piece.strip():
            start = at + len(piece) - len(piece.lstrip())
            spans.append((start, at + len(piece.rstrip())))
        at = end
    return spans


def split_text(text: str) -> list[str]:
    """The sentences of a run of text, stripped, in order."""
    return [text[a:b] for a, b in sentence_spans(text)]


def _clean(line: str) -> str:
    return line.strip().lstrip("-•*>").strip()


def _starts_item(raw: str) -> bool:
    """Whether a line of a passage, as written, opens a list item or a quotation: a line of its own."""
    return raw.lstrip().startswith(("-", "•", "*", ">")) or bool(re.match(r"\s*\d+[.)]\s", raw))


def _joined(chunk: Chunk) -> list[tuple[str, list[tuple[int, int]]]]:
    """Each logical line's text and where its passage lines start in it: [(offset, 0-based passage line)]."""
    out: list[tuple[str, list[tuple[int, int]]]] = []
    # lines as the file wrapped them: not a web page's (each of its lines is an element, cited by source lines)
    wrapped = not chunk.unit and chunk.kind not in ("table", "code") and not chunk.source.lower().endswith(_ELEMENTS)
    gap = False  # a blank line since the last text: a paragraph ended, whatever its last character
    title = _bare_title(_inner_heading(chunk))
    raws = chunk.text.split("\n")
    # each text line's own file line, in a plain text file (which keeps every line but blank ones; Markdown leaves
    # out comments, image lines and link definitions inside a paragraph): a line skipped was blank
    numbered = wrapped and len(chunk.lines) == len(raws) and (not chunk.source.lower().endswith(_SKIPS_LINES)
                                                              or chunk.kind == "prose")  # a story's lines skip none
    for i, raw in enumerate(raws):
        gap = gap or (numbered and i > 0 and chunk.lines[i] > chunk.last_line_of(i - 1) + 1)
        text = _clean(raw)
        if not text or _FILE_ONLY.match(text):
            gap = gap or not text
            continue
        starts_item = _starts_item(raw)
        prev = out[-1][0] if out else ""
        open_paren = prev.count("(") > prev.count(")")
        joins = text[0].islower() or (chunk.kind == "prose" and wrapped) or (wrapped and bool(_GOES_ON.search(prev)))
        # “I beg your pardon.” ends too, unless a line in lower case tells who said it ("asked Mara.")
        ended = prev.endswith(_ENDS) or (prev.rstrip("\"'”’»)]").endswith(_ENDS) and not text[0].islower()) \
            or bool(title and _bare_title(prev) == title) or bool(CAPTION.match(prev))  # a page's printed title
        # ("8.5 Tidal Locking") or a figure's caption: no sentence runs on from it
        if out and not gap and not starts_item and (open_paren or (joins and not ended)):
            out[-1][1].append((len(prev) + 1, i))
            out[-1] = (f"{prev} {text}", out[-1][1])
        else:
            out.append((text, [(0, i)]))
        gap = False
    return out


def repeats_heading(chunk: Chunk, text: str) -> bool:
    """Whether ``text`` is the passage's own heading as printed on the page ("8.5 Tidal Locking"): a title, no
    statement."""
    return bool(chunk.heading) and _bare_title(text) == _bare_title(_inner_heading(chunk))


def _inner_heading(chunk: Chunk) -> str:
    return chunk.heading.rsplit(" > ", 1)[-1] if chunk.heading else ""


def _bare_title(text: str) -> str:
    """A title without its section number, for comparing: "3.2.7 Sound Waves" -> "sound waves"."""
    return re.sub(r"^(?:\d+\.)*\d+\.?\s+", "", text.strip()).lower()


def _line_at(starts: list[tuple[int, int]], offset: int) -> int:
    return next(line for at, line in reversed(starts) if at <= offset)


def split_sentences(chunk: Chunk) -> list[tuple[str, int, int]]:
    """(sentence, first line, last line) of the passage for every sentence of three words or more: the lines the
    sentence itself stands on, not those of the whole paragraph it was joined from."""
    out: list[tuple[str, int, int]] = []
    for text, starts in _joined(chunk):
        pieces: list[list] = []  # [text, start offset, end offset]
        for start, end in sentence_spans(text):
            piece = text[start:end]
            if pieces and pieces[-1][0].endswith("?") and not piece.endswith("?"):
                # "Why X? Well, Y." is one thought: keep the answer with its question
                pieces[-1] = [f"{pieces[-1][0]} {piece}", pieces[-1][1], end]
            else:
                pieces.append([piece, start, end])
        out.extend((p, _line_at(starts, a), _line_at(starts, b - 1)) for p, a, b in pieces if len(p.split()) >= MIN_WORDS)
    return out


def sentence_context(chunk: Chunk, sentence: str) -> str:
    """What gets embedded for a sentence: its innermost heading gives it context."""
    inner = _inner_heading(chunk)
    return f"{inner}: {sentence}" if inner else sentence


ENDED = (*_ENDS, '"', "”", "’", "'", ")", "]")  # a sentence ending so is finished, closing quote or bracket and all


def cut_between(a: Chunk, b: Chunk, a_last: tuple[str, int, int], b_first: tuple[str, int, int]) -> bool:
    """Whether the last sentence of passage ``a`` (``a_last``: text, first and last 0-based passage line) and the
    first of the next passage ``b`` are two pieces of one sentence the boundary cut ("After retiring, he said he
    still" / "regretted not completing a hat-trick ..."), by the rules that join a passage's own lines (_joined): the
    first piece stops unfinished, the rest goes on in lower case on the next line of the same file and section, not
    as a new list item; both are text as the file wrapped it (not a table, code, running prose whose passages end
    where sentences do, or a slide, paragraph or web page element a reader set apart)."""
    if a.kind != "text" or b.kind != "text" or a.source != b.source or a.heading != b.heading or a.unit or b.unit \
            or a.source.lower().endswith(_ELEMENTS):
        return False
    if a_last[0].rstrip().endswith(ENDED) or not b_first[0].lstrip()[:1].islower():
        return False
    lines = b.text.split("\n")
    if b_first[1] >= len(lines) or _starts_item(lines[b_first[1]]):
        return False  # a bullet of its own, though written in lower case
    if a.page is not None or b.page is not None:
        return a.page is not None and b.page is not None and 0 <= b.page - a.page <= 1
    ended, goes_on = a.last_line_of(a_last[2]), b.line_of(b_first[1])
    return ended is not None and goes_on is not None and 0 <= goes_on - ended <= 1

