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

from .grading import defined_abbreviations
from .fitness import Terms, balanced, clean, complete, content_words, spelled_out, stopwords

MIN_WORDS, MAX_WORDS = 6, 45
MIN_CONTEXT = 3  # a number needs one more: "The highest possible score is ___" does not say of what
LONG_SENTENCE = 12  # words: from here a sentence holds two facts worth a cloze each  # content words a cloze must keep besides its blank, so one answer can be recalled
_NO_CARDS = ("code", "nav")  # passage kinds with no sentences to learn: code, link lists
# A telling number comes with its unit: a symbol (%), an abbreviation written in capitals (KB, GB, MHz: any
# such token after a number, unless a capitalised word follows and makes it part of a name, "2002 FIFA World Cup"),
# or a word for an amount of time or data. A rule of shape, not a list of one course's units, so it works on any
# notes; a "unit" the notes use everywhere (a product name) is not one either.
_UNIT = r"%|[a-z]?[A-Z]{2,}s?(?!\s+[A-Z])|ms|bytes?|bits?|seconds?|minutes?|hours?|days?|weeks?|months?|years?"
_NUMBER = re.compile(rf"(?<![^\s(\[~\"“'‘])((\d+(?:\.\d+)?)\s?(?:{_UNIT})?)(?![\w.]*\w|,\d)")
_TERM = re.compile(r"(?<![\w\-])([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?:[\-./][A-Za-z0-9]+)*)(?![\w\-])")
_DEFINITION = re.compile(r"^(?:An?|The)?\s*(?P<term>[A-Z][\w\-/&.]*(?:\s+[\w\-/&.()]+){0,5}?)\s+(?P<verb>is|are|means|represents)\s+"
                         r"(?P<def>(?:a|an|the|used|called|where|when|for|to)\b.{8,})$")
_COLON = re.compile(r"^(?P<term>[A-Z][\w\-/&. ()]{1,40}?):\s+(?P<def>\S.{8,})$")
_NOT_A_TERM = {"it", "this", "that", "there", "so", "and", "but", "if", "when", "we", "you", "they", "i", "what", "which",
               "here", "these", "those", "its", "he", "she", "one", "all", "each", "every", "now", "then", "also", "well",
               "the", "a", "an", "following", "below", "above", "other", "another", "some", "many", "most",
               "to", "from", "for", "in", "on", "at", "by", "with", "via", "example", "note", "steps", "quote", "since", "because",
               "although", "though", "while", "unless", "once", "after", "before", "as", "whether", "be", "let", "make", "your", "my",
               "our", "hint", "tip", "task", "use", "bottom", "challenge", "assignment", "quiz", "warning", "important", "remember"}


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
    """Words in more than a tenth of the passages (the subject of the notes, say), and the initials of such phrases
    ("ml" where "machine learning" is everywhere): blanking them teaches nothing."""
    df: Counter = Counter()
    for c in chunks:
        words = normalize(c.text).split()
        df.update(set(words) | {f"{a} {b}" for a, b in zip(words, words[1:])})
    often = max(3, len(chunks) // 10)
    # an acronym counts its spelled-out phrase too: "ai" is as common as "ai" plus "artificial intelligence"
    initials: Counter = Counter()
    for w, n in df.items():
        if " " in w and not set(w.split()) & stopwords():
            initials["".join(p[0] for p in w.split())] += n
    common = {w for w, n in df.items() if " " not in w and n + initials.get(w, 0) > often}
    # and the subject of one note: a word in over a third of that note's passages ("nlp" in the NLP lessons)
    by_source: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    for group in by_source.values():
        if len(group) >= 6:
            local = Counter(w for c in group for w in set(normalize(c.text).split()))
            common |= {w for w, n in local.items() if n > len(group) / 3}
    return common


# An example's numbers ("CPU > 70%", "say 6 KB each", "6 * 5 = 30") are made up for it, not facts to recall.
_EXAMPLE = re.compile(r"\bexample\b|\be\.g\.|\bfor instance\b|\bsuch as\b|\bsay\b|\s[=*/]\s|[<>]", re.I)
# A row of a list, "Network Load Balancer (v2) – 2017": a name and its value, no sentence around the blank.
_ROW = re.compile(r"\s[–—-]\s+(?:\S+\s+){0,2}___\W*$")
# Headings that name a part of a document, not a topic (any subject's notes have them), alone or as the last word
# ("Pre-lecture quiz", "Worked example").
_NOT_A_TOPIC = {"introduction", "intro", "summary", "overview", "conclusion", "conclusions", "note", "notes", "diagram",
                "background", "recap", "review", "references", "resources", "setup", "prerequisites", "quiz", "assignment",
                "challenge", "further reading", "wrap up", "next steps", "example", "examples",
                "exercise", "exercises", "task", "tasks", "hint", "tips", "steps",
                "credits", "acknowledgements", "table of contents", "contents", "appendix", "homework", "lesson", "lessons"}


def names_a_topic(heading: str) -> bool:
    """Whether a heading names a subject worth asking about ("Lambda layers"), not a section role ("Summary")."""
    words = normalize(heading)
    return bool(words) and not {words, words.rsplit(" ", 1)[-1]} & _NOT_A_TOPIC


# A recall answer says something about its topic: it has a verb of statement.
_STATES = re.compile(r"\b(?:is|are|was|were|means|can|could|allows?|lets|provides?|helps?|gives?|makes?|uses?|has|have|"
                     r"needs?|requires?|supports?|stores?|runs?|keeps?|sends?|works?)\b")

# The blank as one item of a list of equals ("Seaborn or ___", "engineering, or ___"): any item would do.
_GUESS = re.compile(r"___ or |\bor ___|, ___,|, ___ (?:&|and) |\w, \w+ (?:&|and) ___")


def _blanks(sentence: str, common: set[str], heading: str, terms: Terms) -> list[tuple[str, str]]:
    """The most telling terms or numbers of a fact sentence, each with the sentence blanked: one, or two from a
    long sentence (as Anki's c1 / c2 clozes of one note)."""
    candidates: list[tuple[int, str]] = []
    for m in _NUMBER.finditer(sentence):
        value = m.group(1).strip()
        if normalize(value[len(m.group(2)):]) in common:
            value = m.group(2)  # "10 lab groups": the number is the fact, the common word is no unit
        if any(ch.isalpha() for ch in value) or len(value) >= 2:
            candidates.append((3 if any(ch.isalpha() for ch in value) else 2, value))
    for m in _TERM.finditer(sentence):
        term = m.group(1).rstrip(".")
        if normalize(term) not in common and normalize(term).rstrip("s") not in common and not terms.in_heading(term, heading) \
                and terms.learnable(term):
            candidates.append((2, term))
    out: list[tuple[str, str]] = []
    wanted = 2 if len(sentence.split()) >= LONG_SENTENCE else 1
    for _, answer in sorted(candidates, key=lambda c: (c[0], len(c[1])), reverse=True):
        question = sentence.replace(answer, "___")
        # A blank opening the sentence, or one with too little left around it, leaves nothing to recall it from.
        if question.count("___") == 1 and not question.startswith("___") \
                and len(content_words(question.replace("___", " "))) >= MIN_CONTEXT + answer[0].isdigit() \
                and not _GUESS.search(question) \
                and not _ROW.search(question) and not spelled_out(answer, question) \
                and not (answer[0].isdigit() and _EXAMPLE.search(sentence)) and not any(answer in a or a in answer for _, a in out):
            out.append((question, answer))
        if len(out) == wanted:
            break
    return out


_POINTS_AWAY = {"this", "these", "those", "above", "below", "following", "here"}


def _defines(term: str, definition: str, terms: Terms) -> bool:
    """A definition names its term and says what it is in words: no pointer elsewhere, no code, no list of names."""
    words = normalize(definition).split()
    names = sum(w[:1].isupper() for w in definition.split())
    return len(words) >= 3 and not _POINTS_AWAY & set(words) and terms.learnable(term.split()[-1].strip("()")) \
        and not re.search(r"\w=|=\w|[_{}<>`|\\&]", definition) and names < 0.6 * len(definition.split())


def _definition(sentence: str, terms: Terms) -> tuple[str, str] | None:
    if sentence.rstrip().endswith(":"):
        return None  # the definition is in the lines that follow (a cut sentence never gets here: fitness.complete)
    m = _DEFINITION.match(sentence)
    if m and m.group("term").split()[0].lower() not in _NOT_A_TERM and len(m.group("term").split()) <= 6 \
            and balanced(m.group("term"), ("()",)):
        term = m.group("term").strip()
        if not _defines(term, m.group("def"), terms):
            return None
        verb = "are" if m.group("verb") == "are" else "is"
        return f"What {verb} {term}?", m.group("def").rstrip(". ")
    m = _COLON.match(sentence)
    if m and m.group("term").split()[0].lower() not in _NOT_A_TERM and len(m.group("term").split()) <= 5 \
            and balanced(m.group("term"), ("()",)) and _defines(m.group("term").strip(), m.group("def"), terms):
        if m.group("def").split()[0].lower() in {"for", "to", "in", "on", "with", "by", "from", "at"}:
            return None  # "Roles: for EC2 instances": what it is for, not what it is
        return f"Define “{m.group('term').strip()}”.", m.group("def").rstrip(". ")
    return None


def _runs_on(before: Chunk, after: Chunk) -> bool:
    """Whether a sentence runs on from one passage into the next (a boundary inside it): half a sentence is no card."""
    end = before.text.rstrip()
    start = after.text.lstrip()
    return before.source == after.source and before.heading == after.heading and bool(end) and bool(start) \
        and not end.endswith((".", "!", "?", ":", ";", "…", '"', "”", "’", ")")) \
        and (start[0].islower() or (before.kind == after.kind == "prose"))


def generate(chunks: list[Chunk], section: str | None = None) -> list[Card]:
    """Cards for every passage (optionally only those whose heading path contains ``section``)."""
    chunks = [c for c in chunks if c.kind not in _NO_CARDS]
    common = _common_words(chunks)
    terms = Terms([c.text for c in chunks], [c.heading for c in chunks])
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

    for i, chunk in enumerate(chunks):
        if section and section.lower() not in chunk.heading.lower():
            continue
        cut_before = i > 0 and _runs_on(chunks[i - 1], chunk)
        cut_after = i + 1 < len(chunks) and _runs_on(chunk, chunks[i + 1])
        lines = chunk.text.count("\n")
        sentences = [(clean(t), first, last) for t, first, last in split_sentences(chunk)
                     if not (cut_before and first == 0) and not (cut_after and last == lines)]
        sentences = [(t, first, last) for t, first, last in sentences
                     if not t.endswith(("?", ":")) and "->" not in t and "://" not in t and complete(t, chunk.kind == "prose")]
        for text, first, last in sentences:
            if not (MIN_WORDS <= len(text.split()) <= MAX_WORDS):
                continue
            d = _definition(text, terms)
            if d:
                add(_card("definition", d[0], d[1], chunk, first, last))
                continue
            for question, answer in _blanks(text, common, chunk.heading, terms):
                add(_card("cloze", question, answer, chunk, first, last))
        # "What does WHO stand for?" where a line spells an abbreviation out (not the notes' subject, "ML")
        for n, line in enumerate(chunk.text.split("\n")):
            for abbr, expansion in defined_abbreviations(line):
                if normalize(abbr) not in common and len(expansion.split()) >= 2 and not terms.in_heading(abbr, chunk.heading):
                    add(_card("definition", f"What does {abbr} stand for?", expansion, chunk, n, n))
        inner = chunk.heading.rsplit(" > ", 1)[-1] if chunk.heading else ""
        # A heading used once names one topic; "Exam Note" or "Steps" under many sections do not.
        topic = {w.rstrip("s") for w in content_words(inner)}
        # the first sentence that states something about the heading's own words, not a list item or a pointer
        told = [(t, f, l) for t, f, l in sentences if len(t.split()) >= MIN_WORDS and _STATES.search(t)
                and topic & {w.rstrip("s") for w in content_words(t)}]
        if inner and headings[inner] == 1 and inner not in recalled and told and topic \
                and names_a_topic(inner) and not inner.endswith("?"):
            text, first, last = told[0]
            if len(text) <= 240:
                recalled.add(inner)
                top = chunk.heading.split(" > ", 1)[0]
                where = f" ({top})" if top != inner else ""
                add(_card("recall", f"What do your notes say about “{inner}”{where}?", text, chunk, first, last))
    return cards

