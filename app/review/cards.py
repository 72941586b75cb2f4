"""Review cards cut from the indexed passages: cloze, definition, yes/no, rule (if ..., then ...) and heading recall.

Every card's answer is a piece of the sentence it comes from (a yes/no card's question is that sentence turned
around), so it stands in the lines the card cites. Ids hash the card's content (not its line numbers), so editing
one part of a note keeps the progress of the others.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import asdict, dataclass, replace

from ingest import Chunk, citation, normalize, split_sentences
from ingest.records import locator

from .cloze import blanks
from .definitions import colon_defines, definition, reverse, stands_for
from .facts import does
from .fitness import Terms, Wrap, clean, complete, content_words, wrap_of, wraps
from .subjects import common_words
from .rules import then
from .yesno import advises_against, yes_no

MIN_WORDS, MAX_WORDS = 6, 45
_NO_CARDS = ("code", "nav")  # passage kinds with no sentences to learn: code, link lists


@dataclass(frozen=True)
class Card:
    id: str
    kind: str  # "cloze" | "definition" | "reverse" | "recall" | "yesno" | "rule" | "fact"
    question: str
    answer: str
    source: str
    heading: str
    start_line: int | None  # for a unit other than lines (slide, paragraph, cell...): its numbers
    end_line: int | None
    page: int | None
    unit: str = ""  # as Chunk.unit: "" for lines and pages
    chapter: int | None = None
    # The sentence the card is cut from (its file and words, hashed): cards sharing it are siblings, and one
    # rated today holds the others back until tomorrow (review.progress.buried_ids). "" for a card stored before.
    sibling: str = ""

    @property
    def citation(self) -> str:
        if self.unit and self.start_line:
            return f"{self.source}, {locator(self.unit, self.start_line, self.end_line or self.start_line, self.chapter)}"
        return citation(self.source, self.start_line, self.end_line, self.page)

    def section(self) -> str:
        """The top heading; a file without headings is its own section, named by the file (as the Review tab does)."""
        return self.heading.split(" > ", 1)[0] or file_name(self.source)

    def to_json(self) -> dict:
        return asdict(self)


def file_name(source: str) -> str:
    """"notes/bio/facts.txt" -> "facts.txt": what names a file without headings as a section."""
    return source.rsplit("/", 1)[-1]


def _card_id(kind: str, source: str, question: str, answer: str) -> str:
    """A card's id: the same card keeps it across re-ingest (its history and edits hang on it)."""
    return f"{kind[0]}-" + hashlib.sha1("|".join([kind, source, normalize(question), normalize(answer)]).encode()).hexdigest()[:12]


def _card(kind: str, question: str, answer: str, chunk: Chunk, first: int, last: int, said: str,
          file_line: int | None = None) -> Card:
    """The card ``kind`` asking ``question``, cut from the sentence ``said`` on the passage's lines first..last (or
    from the file's line ``file_line``: the passage's heading)."""
    if file_line is not None:
        lines = (file_line, file_line)
    elif chunk.page is not None:
        lines = (None, None)
    elif chunk.lines:  # the card's own lines (or paragraphs, cells) within the passage
        lines = (chunk.line_of(first), chunk.last_line_of(last))
    else:
        lines = chunk.span  # a slide: the whole unit
    sibling = hashlib.sha1(f"{chunk.source}|{normalize(said)}".encode()).hexdigest()[:12]
    return Card(_card_id(kind, chunk.source, question, answer), kind, question, answer, chunk.source, chunk.heading, lines[0], lines[1], chunk.page,
                chunk.unit, chunk.chapter, sibling)


# Headings that name a part of a document, not a topic (any subject's notes have them), alone or as the last word
# ("Pre-lecture quiz", "Worked example").
_NOT_A_TOPIC = {"introduction", "intro", "summary", "overview", "conclusion", "conclusions", "note", "notes", "diagram",
                "background", "recap", "review", "references", "resources", "setup", "prerequisites", "quiz", "assignment",
                "challenge", "further reading", "wrap up", "next steps", "example", "examples",
                "exercise", "exercises", "task", "tasks", "hint", "tips", "steps",
                "credits", "acknowledgements", "table of contents", "contents", "appendix", "homework", "lesson", "lessons"}


def names_a_topic(heading: str) -> bool:
    """Whether a heading names a subject worth asking about ("Tidal locking"), not a section role ("Summary")."""
    words = normalize(heading)
    return bool(words) and not {words, words.rsplit(" ", 1)[-1]} & _NOT_A_TOPIC


# A recall answer says something about its topic: it has a verb of statement, and states it, not a suggestion
# ("you might have to try ...") or a promise of things to come ("There are several ways to ...").
_HEDGED = re.compile(r"\byou (?:could|might|may)\b|^There (?:are|is) (?:several|many|some|various|a few|different|a number)\b")
_STATES = re.compile(r"\b(?:is|are|was|were|means|can|could|allows?|lets|provides?|helps?|gives?|makes?|uses?|has|have|"
                     r"needs?|requires?|supports?|stores?|runs?|keeps?|sends?|works?)\b")

_ITEM = re.compile(r"^(\s*)(?:[-*•+]|\d{1,2}[.)])\s+")


def _bare(chunk: Chunk, first: int) -> bool:
    """Whether the line is a list item, or a section's whole text: where notes leave out what their heading names."""
    lines = chunk.text.split("\n")
    return len(lines) == 1 or (first < len(lines) and bool(_ITEM.match(lines[first])))


def _lead(chunk: Chunk, first: int) -> str:
    """The short line a list item hangs from ("Night buses:" over "- A single fare covers 90 minutes"), which the
    item leans on for its subject; "" when the item stands alone."""
    lines = chunk.text.split("\n")
    item = _ITEM.match(lines[first]) if first < len(lines) else None
    if not item:
        return ""
    for line in reversed(lines[:first]):
        above = _ITEM.match(line)
        if above and len(above.group(1)) >= len(item.group(1)):
            continue  # a sibling item
        text = _ITEM.sub("", line).strip()
        return text if text.endswith(":") and len(text.split()) <= 5 and complete(text[:-1] + " x") else ""
    return ""


def _runs_on(before: Chunk, after: Chunk, wrap: Wrap) -> bool:
    """Whether a sentence runs on from one passage into the next (a boundary inside it): half a sentence is no card."""
    end = before.text.rstrip()
    start = after.text.lstrip()
    return before.source == after.source and before.heading == after.heading and bool(end) and bool(start) \
        and not end.endswith((".", "!", "?", ":", ";", "…", '"', "”", "’", ")")) \
        and (start[0].islower() or (before.kind == after.kind == "prose")
             or wraps(end.rsplit("\n", 1)[-1], start.split("\n", 1)[0], wrap))


_INITIALS = re.compile(r"(?:\b[A-Z]\.){2,}$")  # "the U.S." + "Navy": the splitter took the initials' dot for an end
_STOPPED = (".", "!", "?", "…", '"', "”", "’", ")")


def _placed(chunk: Chunk, lines: list[str]) -> list[tuple[str, int, int, bool, bool]]:
    """The splitter's sentences, each with the lines it really spans (one of a run of wrapped lines) and whether
    it starts its first line and ends its last."""
    out: list[tuple[str, int, int, bool, bool]] = []
    key, spans, joined, cursor = None, [], "", 0
    for text, first, last in split_sentences(chunk):
        if key != (first, last):
            key, spans, joined, cursor = (first, last), [], "", 0
            for n in range(first, last + 1):
                piece = lines[n].strip().lstrip("-•*>").strip()  # as the splitter joins them
                if piece:
                    joined = f"{joined} {piece}" if joined else piece
                    spans.append((n, len(joined) - len(piece), len(joined)))
        at = joined.find(text, cursor)
        if at < 0:
            out.append((text, first, last, True, True))
            continue
        cursor = at + len(text)
        head = next(span for span in spans if span[2] > at)
        tail = next(span for span in spans if span[2] >= cursor)
        out.append((text, head[0], tail[0], at == head[1], cursor == tail[2]))
    return out


def _sentences(chunk: Chunk, wrap: Wrap, cut_before: bool, cut_after: bool) -> list[tuple[str, int, int]]:
    """The whole sentences of a passage, (text, first line, last line). A sentence the splitter cut at a wrapped
    line ("... the first bridge over the" / "Thames opened in 1750.") is joined again; one cut at the passage's edge, one glued
    to a title above it ("PART TWO" / "The war began ..."), a line that ends no sentence in a text whose
    sentences end (a caption, a heading), and a speaker's words inside quotation marks in a story are left out."""
    lines = chunk.text.split("\n")
    joined: list[tuple[str, int, int, bool, bool]] = []
    for text, first, last, starts, ends in _placed(chunk, lines):
        if joined and ((first == joined[-1][2] + 1 and joined[-1][4] and starts and wraps(lines[first - 1], lines[first], wrap))
                       or (first - joined[-1][2] in (0, 1) and _INITIALS.search(joined[-1][0]))):
            joined[-1] = (f"{joined[-1][0]} {text}", joined[-1][1], last, joined[-1][3], ends)
        else:
            joined.append((text, first, last, starts, ends))
    out = []
    for text, first, last, starts, ends in joined:
        # a paragraph of a story starts after a blank line; a quotation opened in it and not closed is someone's words
        numbers = chunk.lines  # may be shorter than the text's lines (a unit with line breaks of its own)
        para = next((n for n in range(min(first, len(numbers) - 1), 0, -1) if numbers[n] > numbers[n - 1] + 1), 0)
        before = " ".join(lines[para:first] + [lines[first][:max(0, lines[first].find(text[:12]))]])
        quoted = chunk.kind == "prose" and (before.count('"') % 2 == 1 or before.count("“") > before.count("”"))
        cut = (starts and (first > 0 and wraps(lines[first - 1], lines[first], wrap) or cut_before and first == 0)) \
            or (ends and (last + 1 < len(lines) and wraps(lines[last], lines[last + 1], wrap)
                          or cut_after and last + 1 == len(lines)))
        glued = wrap.hard and any(not lines[n].rstrip().endswith(_STOPPED) and not wraps(lines[n], lines[n + 1], wrap)
                                  and not lines[n + 1].lstrip()[:1].islower() for n in range(first, last))
        if cut or glued or quoted or (wrap.hard and not clean(text).endswith(_STOPPED)):
            continue
        out.append((clean(text), first, last))
    return out


def generate(chunks: list[Chunk], section: str | None = None) -> list[Card]:
    """Cards for every passage (optionally only those whose heading path, or under no heading file name, contains
    ``section``)."""
    chunks = [c for c in chunks if c.kind not in _NO_CARDS]
    common = common_words(chunks)
    terms = Terms([c.text for c in chunks], [c.heading for c in chunks])
    headings = Counter(c.heading.rsplit(" > ", 1)[-1] for c in chunks if c.heading)
    named = {normalize(h) for h in headings}
    cards: list[Card] = []
    seen_questions: set[str] = set()
    ids: set[str] = set()
    recalled: set[str] = set()
    headed: set[tuple[str, int]] = set()  # (file, heading line) of the sections asked what their heading spells out

    def add(card: Card | None) -> None:
        if card is None:
            return
        key = normalize(card.question)
        if key in seen_questions:
            question = f"{card.question} ({card.heading.rsplit(' > ', 1)[-1]})"
            # a new question is a new card: the id follows it (two cards with one id would break review)
            card = replace(card, question=question, id=_card_id(card.kind, card.source, question, card.answer))
            key = normalize(card.question)
            if key in seen_questions or card.id in ids:
                return
        seen_questions.add(key)
        ids.add(card.id)
        cards.append(card)

    def define(d: tuple[str, str, str], chunk: Chunk, first: int, last: int, said: str) -> None:
        """A definition's card, and its reverse where the definition points back at the term alone."""
        add(_card("definition", d[0], d[1], chunk, first, last, said))
        turned = reverse(*d, terms, common)
        if turned:
            add(_card("reverse", turned[0], turned[1], chunk, first, last, said))

    by_source: dict[str, list[str]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c.text)
    wrap = {source: wrap_of(texts) for source, texts in by_source.items()}
    for i, chunk in enumerate(chunks):
        # as `study review --section` matches: the heading path, or under no heading the file's name
        if section and section.lower() not in (chunk.heading or file_name(chunk.source)).lower():
            continue
        w = wrap[chunk.source]
        inner = chunk.heading.rsplit(" > ", 1)[-1] if chunk.heading else ""
        # a heading used once that names one thing: what its bare lines say without a subject, it does
        named_here = inner if names_a_topic(inner) and headings[inner] == 1 else ""
        cut_before = i > 0 and _runs_on(chunks[i - 1], chunk, w)
        cut_after = i + 1 < len(chunks) and _runs_on(chunk, chunks[i + 1], w)
        whole = _sentences(chunk, w, cut_before, cut_after)
        sentences = [(t, first, last) for t, first, last in whole
                     if not t.endswith(("?", ":")) and "->" not in t and "://" not in t
                     and complete(t, chunk.kind == "prose" or w.hard)]
        # An arrow is a walkthrough's click path or a flow, no fact; but "Grade A (eggs): the freshest eggs, firm
        # whites -> poaching" defines its term before the arrow leads on to the uses.
        for text, first, last in whole:
            head = text.split(" -> ", 1)[0]
            d = definition(head, terms) if head != text and "->" not in head and colon_defines(head) \
                and MIN_WORDS <= len(head.split()) <= MAX_WORDS and complete(head, chunk.kind == "prose" or w.hard) else None
            if d:
                define(d, chunk, first, last, text)
        for text, first, last in sentences:
            if not (MIN_WORDS <= len(text.split()) <= MAX_WORDS):
                continue
            d = definition(text, terms)
            if d:
                define(d, chunk, first, last, text)
                continue
            lead = _lead(chunk, first)
            clozes = [] if advises_against(text) else [(q, a) for q, a in blanks(text, common, chunk.heading, terms) if a not in lead]
            for question, answer in clozes:
                add(_card("cloze", f"{lead} {question}".strip(), answer, chunk, first, last, text))
            turned = None if clozes or lead else yes_no(text, terms)
            if turned:
                add(_card("yesno", turned[0], turned[1], chunk, first, last, text))
            ruled = None if clozes or lead or turned else then(text)
            if ruled:
                add(_card("rule", ruled[0], ruled[1], chunk, first, last, text))
            fact = None if clozes or lead or turned or ruled else does(text, named, common, named_here if _bare(chunk, first) else "")
            if fact:
                add(_card("fact", fact[0], fact[1], chunk, first, last, text))
        # "What does WHO stand for?" where a line spells an abbreviation out (not the notes' subject), the heading of
        # a section too ("## PCR (Polymerase Chain Reaction)", on its own line: a card shows only the top heading)
        top = chunk.heading.split(" > ", 1)[0]
        for n, line in enumerate(chunk.text.split("\n")):
            for question, answer in stands_for(line, common, top, terms):
                add(_card("definition", question, answer, chunk, n, n, line))
        # once per section; not where the heading is a line of the passage's own text (a short section read with its
        # first sub-section): the loop above asked it there
        heading_at = (chunk.source, chunk.heading_line)
        if chunk.heading_line and heading_at not in headed:
            headed.add(heading_at)
            if chunk.heading_line not in chunk.lines:
                for question, answer in stands_for(inner, common, top, terms):
                    add(_card("definition", question, answer, chunk, 0, 0, inner, file_line=chunk.heading_line))
        # A heading used once names one topic; "Exam Note" or "Steps" under many sections do not.
        topic = {w.rstrip("s") for w in content_words(inner)}
        # the first sentence that states something about the heading's own words, not a list item or a pointer
        told = [(t, f, l) for t, f, l in sentences if len(t.split()) >= MIN_WORDS and _STATES.search(t) and not _HEDGED.search(t)
                and topic & {w.rstrip("s") for w in content_words(t)}]
        if inner and headings[inner] == 1 and inner not in recalled and told and topic \
                and names_a_topic(inner) and not inner.endswith("?"):
            text, first, last = told[0]
            if len(text) <= 240:
                recalled.add(inner)
                where = f" ({top})" if top != inner else ""
                add(_card("recall", f"What do your notes say about “{inner}”{where}?", text, chunk, first, last, text))
    return cards

