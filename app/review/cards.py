"""Review cards cut from the indexed passages: cloze, definition and heading recall.

Every card's answer is a piece of the sentence it comes from, so it stands
in the lines the card cites. Ids hash the card's content (not its line
numbers), so editing one part of a note keeps the progress of the others.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import asdict, dataclass, replace

from ingest import Chunk, citation, normalize, split_sentences
from ingest.records import locator

MIN_WORDS, MAX_WORDS = 6, 45
# A telling number comes with its unit: a symbol (%), an abbreviation written in capitals (KB, GB, MHz: any
# such token after a number, unless a capitalised word follows and makes it part of a name, "2002 FIFA World Cup"),
# or a word for an amount of time or data. A rule of shape, not a list of one course's units, so it works on any
# notes; a "unit" the notes use everywhere (a product name) is not one either.
_UNIT = r"%|[a-z]?[A-Z]{2,}s?(?!\s+[A-Z])|ms|bytes?|bits?|seconds?|minutes?|hours?|days?|weeks?|months?|years?"
_NUMBER = re.compile(rf"(?<![\w.\-/])((\d+(?:\.\d+)?)\s?(?:{_UNIT})?)(?![\w.]*\w)")
_TERM = re.compile(r"(?<![\w\-])([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?:[\-./][A-Za-z0-9]+)*)(?![\w\-])")
_DEFINITION = re.compile(r"^(?:An?|The)?\s*(?P<term>[A-Z][\w\-/&.]*(?:\s+[\w\-/&.()]+){0,5}?)\s+(?P<verb>is|are|means|represents)\s+"
                         r"(?P<def>(?:a|an|the|used|called|where|when|for|to)\b.{8,})$")
_COLON = re.compile(r"^(?P<term>[A-Z][\w\-/&. ()]{1,40}?):\s+(?P<def>\S.{8,})$")
_NOT_A_TERM = {"it", "this", "that", "there", "so", "and", "but", "if", "when", "we", "you", "they", "i", "what", "which",
               "here", "these", "those", "its", "he", "she", "one", "all", "each", "every", "now", "then", "also", "well",
               "the", "a", "an", "following", "below", "above", "other", "another", "some", "many", "most",
               "to", "from", "for", "in", "on", "at", "by", "with", "via", "example", "note", "steps", "quote"}


@dataclass(frozen=True)
class Card:
    id: str
    kind: str  # "cloze" | "definition" | "recall"
    question: str
    answer: str
    source: str
    heading: str
    start_line: int | None  # for a unit other than lines (slide, paragraph, cell...): its numbers
    end_line: int | None
    page: int | None
    unit: str = ""  # as Chunk.unit: "" for lines and pages
    chapter: int | None = None

    @property
    def citation(self) -> str:
        if self.unit and self.start_line:
            return f"{self.source}, {locator(self.unit, self.start_line, self.end_line or self.start_line, self.chapter)}"
        return citation(self.source, self.start_line, self.end_line, self.page)

    def section(self) -> str:
        return self.heading.split(" > ", 1)[0]

    def to_json(self) -> dict:
        return asdict(self)


def _card(kind: str, question: str, answer: str, chunk: Chunk, first: int, last: int) -> Card:
    digest = hashlib.sha1("|".join([kind, chunk.source, normalize(question), normalize(answer)]).encode()).hexdigest()[:12]
    if chunk.page is not None:
        lines = (None, None)
    elif chunk.lines:  # the card's own lines (or paragraphs, cells) within the passage
        lines = (chunk.line_of(first), chunk.line_of(last))
    else:
        lines = chunk.span  # a slide: the whole unit
    return Card(f"{kind[0]}-{digest}", kind, question, answer, chunk.source, chunk.heading, lines[0], lines[1], chunk.page,
                chunk.unit, chunk.chapter)


def _common_words(chunks: list[Chunk]) -> set[str]:
    """Words in more than a tenth of the passages (the subject of the notes, say): blanking them teaches nothing."""
    df = Counter(w for c in chunks for w in set(normalize(c.text).split()))
    return {w for w, n in df.items() if n > max(3, len(chunks) // 10)}


def _blank(sentence: str, common: set[str], heading: str) -> tuple[str, str] | None:
    """The most telling term or number of a fact sentence, and the sentence with it blanked."""
    candidates: list[tuple[int, str]] = []
    for m in _NUMBER.finditer(sentence):
        value = m.group(1).strip()
        if normalize(value[len(m.group(2)):]) in common:
            value = m.group(2)  # "10 AWS accounts": the number is the fact, the common word is no unit
        if any(ch.isalpha() for ch in value) or len(value) >= 2:
            candidates.append((3 if any(ch.isalpha() for ch in value) else 2, value))
    for m in _TERM.finditer(sentence):
        term = m.group(1).rstrip(".")
        if normalize(term) not in common and normalize(term) not in normalize(heading).split():
            candidates.append((2, term))
    if not candidates:
        return None
    score, answer = max(candidates, key=lambda c: (c[0], len(c[1])))
    question = sentence.replace(answer, "___")
    if question.count("___") == 0 or len(normalize(question.replace("___", "")).split()) < 5:
        return None
    return question, answer


def _balanced(text: str) -> bool:
    return text.count("(") == text.count(")")


def _definition(sentence: str) -> tuple[str, str] | None:
    if sentence.rstrip().endswith(":") or not _balanced(sentence):
        return None  # the definition is in the lines that follow, or the sentence is cut mid-parenthesis
    m = _DEFINITION.match(sentence)
    if m and m.group("term").split()[0].lower() not in _NOT_A_TERM and len(m.group("term").split()) <= 6 \
            and _balanced(m.group("term")):
        term = m.group("term").strip()
        verb = "are" if m.group("verb") == "are" else "is"
        return f"What {verb} {term}?", m.group("def").rstrip(". ")
    m = _COLON.match(sentence)
    if m and m.group("term").split()[0].lower() not in _NOT_A_TERM and len(m.group("term").split()) <= 5 \
            and _balanced(m.group("term")):
        return f"Define “{m.group('term').strip()}”.", m.group("def").rstrip(". ")
    return None


def generate(chunks: list[Chunk], section: str | None = None) -> list[Card]:
    """Cards for every passage (optionally only those whose heading path contains ``section``)."""
    common = _common_words(chunks)
    headings = Counter(c.heading.rsplit(" > ", 1)[-1] for c in chunks if c.heading)
    cards: list[Card] = []
    seen_questions: set[str] = set()
    recalled: set[str] = set()

    def add(card: Card | None) -> None:
        if card is None:
            return
        key = normalize(card.question)
        if key in seen_questions:
            card = replace(card, question=f"{card.question} ({card.heading.rsplit(' > ', 1)[-1]})")
            key = normalize(card.question)
            if key in seen_questions:
                return
        seen_questions.add(key)
        cards.append(card)

    for chunk in chunks:
        if section and section.lower() not in chunk.heading.lower():
            continue
        sentences = split_sentences(chunk)
        for text, first, last in sentences:
            words = len(text.split())
            if text.endswith(("?", ":")) or "->" in text or "://" in text or not (MIN_WORDS <= words <= MAX_WORDS):
                continue
            d = _definition(text)
            if d:
                add(_card("definition", d[0], d[1], chunk, first, last))
                continue
            b = _blank(text, common, chunk.heading)
            if b:
                add(_card("cloze", b[0], b[1], chunk, first, last))
        inner = chunk.heading.rsplit(" > ", 1)[-1] if chunk.heading else ""
        # A heading used once names one topic; "Exam Note" or "Steps" under many sections do not.
        if inner and headings[inner] == 1 and inner not in recalled and sentences:
            text, first, last = next(((t, f, l) for t, f, l in sentences if len(t.split()) >= 4 and not t.endswith(":")),
                                     sentences[0])
            if len(text) <= 240 and not text.endswith(":"):
                recalled.add(inner)
                top = chunk.heading.split(" > ", 1)[0]
                where = f" ({top})" if top != inner else ""
                add(_card("recall", f"What do your notes say about “{inner}”{where}?", text, chunk, first, last))
    return cards

