"""Turning lines into short, citable passages.

A *unit* is one line of a file, or a piece of one cut at a sentence end. Units are packed into passages
under one heading, closing a passage at a paragraph end once it is long enough, and never cutting inside a
sentence when a sentence end is at hand, so an answering sentence is always whole in one passage.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .contents import is_contents
from .records import Chunk
from .sentences import sentence_ends

# Chosen on the macro average over corpora (README "Across corpora"): 500/680 against 420/600 lifted prose hit@1
# 0.418 -> 0.509 and hit@5 0.764 -> 0.891, the course notes 0.96 -> 0.98, ML hit@5 0.917 -> 0.933 (hit@1 -0.017),
# mean passage 591 characters on the novel; 500/700 gave prose 0.545 but a mean over 600.
TARGET_CHARS = 500  # close a passage at a paragraph end once it is this long
MAX_CHARS = 680  # never grow a passage past this by adding a unit
MIN_CHARS = 160  # a last passage shorter than this joins the one before when both fit in MAX_CHARS
LONG_LINE = 480  # longer lines are split at sentence boundaries
CHUNKER_VERSION = "blocks-v35"  # bump when any rule here or in the readers changes what passages are (or the words
# index.lexical.Vocabulary keeps of them: v35 keeps identifiers with underscores whole)


@dataclass
class Unit:
    line: int  # 1-based line number (or 0 for PDF text, where the page cites)
    text: str
    paragraph_end: bool = False  # a blank line (or similar) follows
    captions: list[str] = field(default_factory=list)
    sentence_end: bool = True  # a passage may end after this unit without cutting a sentence
    kind: str = "text"  # text, prose, table, code: a passage holds code alone
    index_text: str | None = None  # what retrieval reads, when it differs from ``text``
    keep_with_next: bool = False  # a lead-in ("Use UDP when:") stays with what follows
    end: int = 0  # the last source line its text stands on, when past ``line`` (a web page wraps a sentence)


# A document of long paragraphs under few headings (a novel, an article) is running prose whether or not its lines are
# hard-wrapped: a Word or EPUB novel, a story saved one paragraph a line. Notes have a heading every 1,000-1,500
# characters (the course notes and ML lessons: 7-21 per 10,000), a novel a chapter every 10,000 or more.
PROSE_HEADINGS = 3  # distinct headings per 10,000 characters, at most
PROSE_LONG_SHARE = 0.5  # of the text in paragraph lines of PROSE_LINE characters or more
PROSE_LINE = 150
PROSE_MIN_CHARS = 5000  # shorter documents do not tell


def reads_as_prose(lines: list[str], headings: int, other_chars: int = 0) -> bool:
    """Whether a document of text ``lines`` (paragraph lines), ``headings`` sections and ``other_chars`` of code,
    tables and lists of links reads as running prose (the rule above)."""
    chars = sum(len(line) for line in lines)
    total = chars + other_chars
    return (total >= PROSE_MIN_CHARS and other_chars <= 0.1 * total and headings * 10000 <= PROSE_HEADINGS * total
            and sum(len(line) for line in lines if len(line) >= PROSE_LINE) >= PROSE_LONG_SHARE * chars)


def split_long(text: str, limit: int = LONG_LINE, each_sentence: bool = False) -> list[str]:
    """Split text at sentence ends into pieces of at most ``limit`` characters (``each_sentence``: a long line's
    every sentence a piece, so a passage of running prose may close after any of them).

    Pieces are contiguous substrings, so each still stands in the cited line. A single sentence longer
    than the limit is cut at the last space before it.
    """
    if len(text) <= limit and not each_sentence:
        return [text]
    bounds = [0, *sentence_ends(text), len(text)]
    sentences = [text[a:b].strip() for a, b in zip(bounds, bounds[1:]) if text[a:b].strip()]
    pieces: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            head, sentence = sentence[:cut].rstrip(), sentence[cut:].lstrip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and (each_sentence or len(current) + 1 + len(sentence) > limit):
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def wrap_width(lines: list[str]) -> int | None:
    """The width a file is hard-wrapped at, or None when its lines are whole paragraphs."""
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    if len(lengths) < 10:
        return None
    width = sorted(lengths)[int(0.95 * (len(lengths) - 1))]
    long_share = sum(n >= 0.6 * width for n in lengths) / len(lengths)
    return width if width <= 160 and long_share >= 0.4 else None


def flow(lines: list[tuple[int, str]], width: int | None, kind: str = "text") -> list[Unit]:
    """Units for one paragraph. In hard-wrapped text a line break is only a wrap, so sentences run across
    lines: each line is cut where a sentence ends, and a passage may end only there. Otherwise each line
    is a unit of its own (long ones split at sentence ends; in running prose, at every one)."""
    if width is None or len(lines) == 1:
        kind = "prose" if width is not None and kind == "text" else kind
        units = [Unit(n, piece, kind=kind) for n, text in lines for piece in split_long(text, each_sentence=kind == "prose")]
        if units:
            units[-1].paragraph_end = True
        return units
    soft = [len(text) >= 0.55 * width for _, text in lines[:-1]] + [False]
    units: list[Unit] = []
    start = 0
    while start < len(lines):
        stop = start
        while soft[stop]:
            stop += 1
        units.extend(_cut_at_sentences(lines[start : stop + 1]))
        start = stop + 1
    units[-1].paragraph_end = True
    return units


def _cut_at_sentences(lines: list[tuple[int, str]]) -> list[Unit]:
    """Lines joined by their soft wraps, cut into units at each sentence end."""
    joined, starts = "", []
    for _, text in lines:
        starts.append(len(joined) + (1 if joined else 0))
        joined = f"{joined} {text}" if joined else text
    ends = set(sentence_ends(joined))
    units: list[Unit] = []
    for (number, text), begin in zip(lines, starts):
        cuts = sorted(e - begin for e in ends if begin < e < begin + len(text))
        at = 0
        for cut in cuts:
            piece = text[at:cut].strip()
            if piece:
                units.append(Unit(number, piece, sentence_end=True, kind="prose"))
            at = cut
        piece = text[at:].strip()
        if piece:
            units.append(Unit(number, piece, sentence_end=False, kind="prose"))
    if units:
        units[-1].sentence_end = True
    return units


def pack(units: list[Unit], source: str, heading: str, page: int | None = None) -> list[Chunk]:
    """Pack consecutive units of one section into passages."""
    chunks: list[Chunk] = []
    packed: list[list[Unit]] = []  # the units of each passage, to merge a short tail
    group: list[Unit] = []
    pending_captions: list[str] = []

    def size(units_: list[Unit]) -> int:
        return sum(len(u.text) + 1 for u in units_)

    def emit(units_: list[Unit]) -> None:
        chunk = _chunk(units_, source, heading, page)
        if chunk is not None:
            chunks.append(chunk)
            packed.append(units_)

    for unit in units:
        if not unit.text.strip():
            pending_captions.extend(unit.captions)  # an image alone is no passage; its caption joins the text around it
            continue
        if pending_captions:
            unit.captions = pending_captions + unit.captions
            pending_captions = []
        if group and _apart(unit.kind) != _apart(group[-1].kind):
            emit(group)
            group = []
        if group and size(group) + len(unit.text) + 1 > MAX_CHARS:
            cut = _last_safe_cut(group)
            emit(group[:cut])
            group = group[cut:]
        group.append(unit)
        if unit.paragraph_end and not unit.keep_with_next and size(group) >= TARGET_CHARS:
            emit(group)
            group = []
    if group:
        if chunks and size(group) < MIN_CHARS and _apart(group[0].kind) == _apart(packed[-1][-1].kind) == "text" \
                and size(packed[-1]) + size(group) <= MAX_CHARS and chunks[-1].page == page:
            chunks.pop()
            group = packed.pop() + group  # a short tail reads better with what came before
        emit(group)
    if pending_captions and chunks:
        chunks[-1] = replace(chunks[-1], captions=chunks[-1].captions + tuple(pending_captions))
    return chunks


def _apart(kind: str) -> str:
    """Code and navigation never share a passage with prose: each is ranked on its own."""
    return kind if kind in ("code", "nav") else "text"


def _last_safe_cut(group: list[Unit]) -> int:
    """How many units of ``group`` to close a passage with: before a lead-in and the part of its list read so far
    (they go on together), else after the last whole sentence, else all of them."""
    lead = len(group)
    while lead > 0 and group[lead - 1].keep_with_next:
        lead -= 1
    if 0 < lead < len(group) and (group[lead - 1].sentence_end or group[lead - 1].paragraph_end):
        return lead
    for i in range(len(group), 0, -1):
        if group[i - 1].sentence_end or group[i - 1].paragraph_end:
            return i
    return len(group)


def _chunk(group: list[Unit], source: str, heading: str, page: int | None) -> Chunk | None:
    """One passage from its units: units of one line are joined by spaces, lines by line breaks."""
    if not group:
        return None
    lines: list[tuple[int, str, str]] = []  # (line, text, index text)
    ends: list[int] = []  # the last source line of each
    for u in group:
        index = u.text if u.index_text is None else u.index_text
        if lines and lines[-1][0] == u.line and page is None and u.kind != "code":  # code keeps its line breaks
            n, text, idx = lines[-1]
            lines[-1] = (n, f"{text} {u.text.strip()}", f"{idx} {index.strip()}")
            ends[-1] = max(ends[-1], u.end)
        else:
            lines.append((u.line, u.text.rstrip(), index.rstrip()))
            ends.append(max(u.line, u.end))
    text = "\n".join(t for _, t, _ in lines)
    if not any(ch.isalnum() for ch in text):
        return None
    index_text = "\n".join(i for _, _, i in lines)
    captions = tuple(c for u in group for c in u.captions)
    kinds = {u.kind for u in group}
    nav = sum(u.kind == "nav" for u in group) >= 0.6 * len(group) or (kinds <= {"text", "table", "prose"} and is_contents(text, page is not None and "prose" not in kinds))
    kind = ("code" if kinds == {"code"} else "nav" if nav else "table" if "table" in kinds
            else "prose" if kinds == {"prose"} else "text")
    extra = {"kind": kind, "index_text": "" if index_text == text else index_text}
    if page is not None:
        chunk = Chunk(source, heading, text, None, None, page, captions, **extra)
    else:
        numbers = tuple(n for n, _, _ in lines)
        if tuple(ends) != numbers:
            extra["line_ends"] = tuple(ends)
        chunk = Chunk(source, heading, text, group[0].line, group[-1].line, None, captions, numbers, **extra)
    return chunk
