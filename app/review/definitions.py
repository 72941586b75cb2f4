"""Which lines of the notes define a term, and the card each makes: "What is X?", "What is X used for?",
"Define “X”."; a line that says where X comes from, what to do with it, or points elsewhere defines nothing.
"""
from __future__ import annotations

import re

from ingest import normalize

from .fitness import Terms, balanced, content_words
from .grading import defined_abbreviations

_DEFINITION = re.compile(r"^(?:An?|The)?\s*(?P<term>[A-Z][\w\-/&.]*(?:\s+[\w\-/&.()]+){0,5}?)\s+(?P<verb>is|are|means|represents)\s+(?:just\s+|simply\s+)?"
                         r"(?P<def>(?:(?:a|an|the|used|called|where|when|for|to)\b|(?<=means )(?!(?:that|you|we|and|or|but|of|to|in|on|at|by|for|with|as|no|not)\b)\w).{8,})$")
# "A catalyst is a substance that ...": a common noun defined in general terms.
_GENERIC = re.compile(r"^An?\s+(?P<term>[a-z][\w\-]*(?:\s+[a-z][\w\-]*){0,2}?)\s+(?P<verb>is|means|represents)\s+"
                      r"(?P<def>(?:a|an|the|one|any)\b.{8,})$")
MAX_DEFINITION = 30  # words: a longer answer is a paragraph to recite, not a definition to recall
_COLON = re.compile(r"^(?P<term>[A-Z][\w\-/&. ()]{1,40}?):\s+(?P<def>\S.{8,})$")
# "Tidal Power Station (Turns the rise and fall of the sea into electricity)": a name, with what it does in brackets as the whole
# line (a note-taker's gloss); the gloss opens with a capital, as a line of its own would, and says it in words.
_GLOSS = re.compile(r"^(?P<term>[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*){1,4})\s+\((?P<def>[A-Z][a-z]+\b[^()]{12,})\)\.?$")
_NOT_A_TERM = {"it", "this", "that", "there", "so", "and", "but", "if", "when", "we", "you", "they", "i", "what", "which",
               "here", "these", "those", "its", "he", "she", "one", "all", "each", "every", "now", "then", "also", "well",
               "the", "a", "an", "following", "below", "above", "other", "another", "some", "many", "most",
               "to", "from", "for", "in", "on", "at", "by", "with", "via", "example", "note", "steps", "quote", "since", "because",
               "although", "though", "while", "unless", "once", "after", "before", "as", "whether", "be", "let", "make", "your", "my",
               "our", "hint", "tip", "task", "use", "bottom", "challenge", "assignment", "quiz", "warning", "important", "remember",
               # sentence adverbs: "Normally PDF is used as ..." defines PDF, not "Normally PDF"
               "normally", "usually", "generally", "typically", "basically", "essentially", "currently", "originally",
               "actually", "really", "often", "sometimes", "mostly", "mainly", "traditionally", "historically", "today",
               "just", "perhaps", "maybe", "probably", "any", "only", "even", "still", "again"}
# Words that make the subject a clause, not a term: "Any enzyme that is heated ..." (its "that" opens a clause the
# pattern took for the definition).
_CLAUSE_WORDS = {"that", "which", "who", "whom", "whose", "where", "when", "whatever", "whichever", "if", "unless",
                 "because", "there", "than"}


_POINTS_AWAY = {"this", "these", "those", "above", "below", "following", "here"}
# A definition that is a quotation ending the line, or one that exclaims or asks: reported speech ('SQL: "Structured
# Query Language", the standard ...' quotes the expansion and goes on, and stays a definition).
_SPOKEN = re.compile(r"""^["“„«‹'‘](?:[^"”“«»‹›']*[!?][^"”“«»‹›']*["”»›'’]|.*["”»›'’][.!?]?$)""")


# Where a thing comes from or how good it is, not what it is: "a method derived from signal processing",
# "the gold standard of evaluation".
_ORIGIN = re.compile(r"^(?:(?:an?|the) (?:\w+ )?)?(?:derived|descended|adapted|borrowed|named|invented|developed|coined|"
                     r"originat\w*|inspired) (?:from|after|by|in)\b|^the (?:gold standard|best|most popular|de facto)\b", re.I)


def _defines(term: str, definition: str, terms: Terms) -> bool:
    """A definition names its term and says what it is in words: no pointer elsewhere, no code, no list of names."""
    words = normalize(definition).split()
    names = sum(w[:1].isupper() for w in definition.split())
    return 3 <= len(words) <= MAX_DEFINITION and not _POINTS_AWAY & set(words) and not _ORIGIN.match(definition) and terms.learnable(term.split()[-1].strip("()")) \
        and not re.search(r"\w=|=\w|[_{}<>`|\\&]", definition) and names < 0.6 * len(definition.split())


def definition(sentence: str, terms: Terms) -> tuple[str, str, str] | None:
    """(question, answer, term) when the sentence defines a term: "X is a ...", "A catalyst is a ...", "Term: ..."."""
    if sentence.rstrip().endswith(":"):
        return None  # the definition is in the lines that follow (a cut sentence never gets here: fitness.complete)
    m = next((m for m in (_DEFINITION.match(sentence), _GENERIC.match(sentence)) if m
              and m.group("term").split()[0].lower() not in _NOT_A_TERM), None)
    if m and len(m.group("term").split()) <= 6 and balanced(m.group("term"), ("()",)) \
            and not _CLAUSE_WORDS & {w.lower() for w in m.group("term").split()} \
            and not (len(m.group("term").split()) > 1 and m.group("term").split()[0].lower().endswith("ing")):
        term, said = m.group("term").strip(), m.group("def").rstrip(". ")
        if not _defines(term, said, terms):
            return None
        verb = "are" if m.group("verb") == "are" else "is"
        # "A catalyst is ...": "What is a catalyst?" ("an enzyme")
        article = ("an " if term[0] in "aeiou" else "a ") if term[0].islower() else ""
        if said.startswith("used "):  # "Centrifuges are used for ...": what it is for, not what it is
            return f"What {verb} {article}{term} used for?", re.sub(r"^used (?:for )?", "", said), term
        if said.startswith("to "):  # "A centrifuge is to separate mixtures": a purpose, not what it is
            return f"What {verb} {article}{term} for?", said, term
        return f"What {verb} {article}{term}?", said, term
    m = _GLOSS.match(sentence)
    if m and m.group("term").split()[0].lower() not in _NOT_A_TERM and _defines(m.group("term"), m.group("def"), terms) and len(m.group("def").split()) >= 4:
        return f"What does “{m.group('term')}” do?", m.group("def"), m.group("term")
    m = _COLON.match(sentence)
    if m and m.group("term").split()[0].lower() not in _NOT_A_TERM \
            and len(re.sub(r"\s*\([A-Z]{2,}\)", "", m.group("term")).split()) <= 3 \
            and balanced(m.group("term"), ("()",)) and _defines(m.group("term").strip(), m.group("def"), terms):
        if m.group("def").split()[0].lower() in {"for", "to", "in", "on", "with", "by", "from", "at"}:
            return None  # "Tongs: for hot crucibles": what it is for, not what it is
        if _SPOKEN.match(m.group("def")):
            return None  # 'She said: "It was delicious!"': someone's words, not what a term means
        return f"Define “{m.group('term').strip()}”.", m.group("def").rstrip(". "), m.group("term").strip()
    return None


def colon_defines(text: str) -> bool:
    """Whether the text has the shape "Term: definition" (not "X is a ...")."""
    return bool(_COLON.match(text))


MIN_CLUES = 3  # content words a definition must hold to point back at one term


def reverse(question: str, said: str, term: str, terms: Terms, common: set[str]) -> tuple[str, str] | None:
    """The definition card turned around, as Anki's "Basic (and reversed card)": the definition shown, the term
    recalled ("What term do your notes define as “a protein that speeds up a chemical reaction”?" -> enzyme). Only when the
    definition does not give the term away (no word of it), says enough to point at one term, and the term is worth
    recalling by name (not a file, not the notes' subject)."""
    name = re.sub(r"\s*\([^)]*\)$", "", term).strip()  # "World Health Organization (WHO)": the name, its initials accepted by grading
    stems = {_stem(w) for w in content_words(name)}
    clues = {_stem(w) for w in content_words(said)}
    words = name.split()
    if not name or "(" in name or (len(words) > 1 and words[0].lower().endswith("ing")) or stems & clues or len(clues) < MIN_CLUES or normalize(name) in common \
            or not all(terms.learnable(w) for w in words):
        return None  # an activity ("Keeping promises is a matter of trust"), not a term to name
    if question.endswith(" for?"):  # "What is X used for?", "What is X for?": asked back by its purpose
        purpose = said if said.startswith("to ") else f"for {said}"
        return f"What is used {purpose}?", name
    return f"What term do your notes define as “{said}”?", name


def _stem(word: str) -> str:
    """"freezing", "freeze", "freezes" -> "freez": a definition saying "to freeze" gives "Freezing point" away."""
    return re.sub(r"(?:ing|ed|es|s|e)$", "", word)


def stands_for(text: str, common: set[str], shown: str, terms: Terms) -> list[tuple[str, str]]:
    """("What does WHO stand for?", "World Health Organization") for each abbreviation ``text`` spells out; not the
    notes' subject ("ML" in notes on it), nor one that the heading a card shows (``shown``) names."""
    return [(f"What does {abbr} stand for?", expansion) for abbr, expansion in defined_abbreviations(text)
            if normalize(abbr) not in common and len(expansion.split()) >= 2 and not terms.in_heading(abbr, shown)]
