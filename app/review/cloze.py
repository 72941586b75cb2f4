"""Which pieces of a fact sentence a cloze card blanks: numbers with their units, terms, and names.

A blank is worth asking when the rest of the sentence points at one answer: enough words are left around it,
it is not one item of a list of equals, not an example's made-up number, not given away by the words beside it.
"""
from __future__ import annotations

import re

from ingest import normalize

from .fitness import Terms, content_words, spelled_out, stopwords

MIN_CONTEXT = 3  # content words a cloze must keep besides its blank, so one answer can be recalled; a number needs one more
LONG_SENTENCE = 8  # words: from here a sentence holds two facts worth a cloze each
# A telling number comes with its unit: a symbol (%), an abbreviation written in capitals (KB, GB, MHz: any
# such token after a number, unless a capitalised word follows and makes it part of a name, "the 1851 Great Exhibition"),
# or a word for an amount of time or data. A rule of shape, not a list of one course's units, so it works on any
# notes; a "unit" the notes use everywhere (a product name) is not one either.
_UNIT = r"%|[a-z]?[A-Z]{2,}s?(?!\s+[A-Z])|ms|bytes?|bits?|seconds?|minutes?|hours?|days?|weeks?|months?|years?"
_NUMBER = re.compile(rf"(?<![^\s(\[~\"“'‘])((\d+(?:\.\d+)?)\s?(?:{_UNIT})?)(?![\w.]*\w|,\d)")
# A count of things, "has 5 chambers", "comes in 4 types": one digit is a fact when a plural noun follows it.
_COUNT = re.compile(r"(?<![\w.,$#/\-])([2-9])(?=\s+[a-z]{3,}s\b)")
_TERM = re.compile(r"(?<![\w\-])([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?:[\-./][A-Za-z0-9]+)*)(?![\w\-])")
# A name of two to four capitalised words inside a sentence ("Hyde Park", "Treaty of Versailles").
_NAME = re.compile(r"(?<![\w\-])([A-Z][a-z][a-z\-]*(?:\s+(?:of\s+|the\s+)?[A-Z][a-z][a-z\-]*){1,3})(?![\w\-])")
MAX_MENTIONS = 3  # a name the notes write more often is who or what they are about (a story's hero): any blank
# would guess it
# What a sentence names: "also known as the money bill", "is called osmosis", "we call it a leap year".
_CALLED = re.compile(r"\b(?:(?:also )?known as|(?:is|are|was|were) (?:also |often |sometimes )?(?:called|termed|named)|"
                     r"(?:we|you|they|people) (?:call|name) (?:it|this|that|them|these|those)|"
                     r"referred to as) (?:an? |the )?([\w\-]+(?: [\w\-]+){0,2}?)(?=[).,;:]|\s+(?:and|or|but|which|that|"
                     r"because|to|in|for|is|are|was|were|by|from|with)\b|$)")
# A term named in quotation marks: "it's called 'categorical data'", "the term 'least-squares' means".
_QUOTED_NAME = re.compile(r"\b(?:known as|called|termed|named|referred to as|defined as|[Tt]he term) (?:an? |the )?"
                          r"['‘\"“]([A-Za-z][\w\-]*(?: [\w\-]+){0,3})['’\"”](?!\w)")
# An example's numbers ("price > 70%", "say 6 kg each", "6 * 5 = 30") are made up for it, not facts to recall.
_EXAMPLE = re.compile(r"\bexample\b|\be\.g\.|\bfor instance\b|\bsuch as\b|\bsay\b|\s[=*/]\s|[<>]|\d\S*(?: [A-Za-z]+)? each\b", re.I)
# A blank inside an example's brackets ("a gauge (such as Average ___)"): one example of many.
_IN_EXAMPLE = re.compile(r"\((?:for )?(?:example|e\.g\.|such as|say|like|i\.e\.)\b[^)]*___|\([^()]*___[^()]*\bexamples?\b[^()]*\)"
                         # a cross-reference: "(see Section 2.4 [Mixtures], page ___)", "see p. ___"
                         r"|\((?:see|cf\.|compare)\b[^()]*___|\b(?i:pages?|pp?\.|sections?|chapters?|figures?|fig\.|tables?) ___")
# A number in brackets after a quantity, "2 miles (___ km)": the same amount in other units, worked out, not learned.
_CONVERSION = re.compile(r"\d\S*\s?[^\s\d()]*\s\(___\s?[^\s\d()]{0,6}\)")
# A blank that is one part of an amount or a date ("___ June 1968", "March ___, 1968", "6 feet ___ inches"): the day
# of a date or the small part of a mixed amount is trivia, and the rest of it gives the card away.
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_PART = re.compile(rf"___(?:st|nd|rd|th)? (?:of )?{_MONTH}\b|\b{_MONTH} ___(?:st|nd|rd|th)?,? \d|\d\S* [a-z]+ ___ [a-z]+")
_DAY = re.compile(rf"\b{_MONTH} ___")  # "on December ___" with a day as the answer (a year after a month stays)
# A blank glued to the rest of a token by a hyphen ("___-80s", "___-6221541", "BTR-___"): half a model name or a
# code, not a fact of its own ("a ___-year period", "a ___-GB drive" are a number with its unit, and stay).
_GLUED = re.compile(r"___-(?![A-Za-z]+\b)|\w-___")
# A row of a list, "Second edition (revised) – 2017": a name and its value, no sentence around the blank.
_ROW = re.compile(r"\s[–—-]\s+(?:\S+\s+){0,2}___\W*$")
# The blank as one item of a list of equals ("Paris or ___", "engineering, or ___", "a + b + ___"): any
# item would do.
_GUESS = re.compile(r", [\w\-]+, (?:and|or) ___|___, [\w\-]+, (?:and|or) |___ (?:and|or|&|to) \d|\d (?:and|or|&|to) ___|, (?:[A-Z][\w\-]* ){1,4}(?:and|or|&) ___|___ or |\bor ___|\bas well as ___|, ___,|, ___ (?:&|and) |\w, \w+ (?:&|and) ___|\+ \w+ \+ ___|___ \+ \w+ \+|\w \+ ___ \+|___, (?:[A-Z][\w\-]* ){1,4}(?:or|and|&) ")


def _inside_a_word(answer: str, question: str) -> bool:
    """Whether the answer stands inside another word of the card ("the ___ prefix" = "TEMP" beside "Temperature",
    "___" = "NN" beside "levelNN", "___" = "RGB" beside "useRGB"): the rest of the card spells it."""
    key = answer.lower()
    return len(key) >= 2 and key.isalnum() and any(key in w.lower() and w.lower() != key
                                                   for w in re.findall(r"[A-Za-z0-9]+", question.replace("___", " ")))


def _half_given(answer: str, question: str) -> bool:
    """Whether a name of several words has one of its own words elsewhere in the card ("a ___ may check any ACU"
    = "ACU Inspector"): half the answer stands beside the blank."""
    parts = [w for w in answer.split() if len(w) >= 3 and w[0].isupper() and w.lower() not in stopwords()]
    words = set(re.findall(r"[A-Za-z0-9][\w\-]*", question.replace("___", " ")))
    return len(answer.split()) > 1 and any(w in words for w in parts)


def _abbreviated(answer: str, question: str) -> bool:
    """Whether the blank's initials stand beside it ("the ___ (WHO)" for "World Health Organization")."""
    initials = "".join(w[0] for w in answer.split() if w.lower() not in ("of", "the", "and", "de")).upper()
    return len(initials) >= 2 and bool(re.search(rf"\b{initials}s?\b", question))


# Words that carry no fact of their own ("There were only ___ left"): they do not count as context around a blank.
_FUNCTION = {"was", "were", "been", "being", "has", "have", "had", "does", "did", "only", "just", "also", "very", "more",
             "most", "some", "any", "all", "each", "both", "than", "then", "there", "here", "which", "who", "whom", "what",
             "when", "where", "while", "would", "could", "should", "shall", "may", "might", "must", "can", "one", "its",
             "his", "her", "them", "him", "she", "about", "from", "over", "such", "other", "same"}
_PLAIN = re.compile(r"[A-Z][a-z][a-z\-'’]*|[A-Z]")  # "Smith", "A": a word of a name (not an acronym, a term of its own)
_YEAR = re.compile(r"1\d{3}|20\d{2}")


def _capitalised(sentence: str, start: int, end: int, plain_word) -> tuple[list[str], list[str]]:
    """The capitalised words right before ``start`` and right after ``end`` (none across punctuation; a year may
    close a name, "Vatican Council 1962"). The sentence's first word is left out when the notes write it in lower case too:
    it is an ordinary word with a capital for starting the sentence ("Forward", "Provide"), and when they write it
    only here: a name recurs."""
    head = sentence[:start]
    before: list[str] = []
    if head.endswith(" "):
        for word in reversed(head[:-1].split(" ")):
            if not _PLAIN.fullmatch(word):
                break
            before.insert(0, word)
    if before and sentence.startswith(" ".join(before)) and plain_word(before[0]):
        before = before[1:]
    after: list[str] = []
    if sentence[end:].startswith(" "):
        for word in sentence[end:].split(" ")[1:]:
            bare = word.rstrip(".,;:!?)'’\"”")
            if not (_PLAIN.fullmatch(bare) or (_YEAR.fullmatch(bare) and (before or after))):
                break
            after.append(bare)
            if bare != word or _YEAR.fullmatch(bare):
                break
    return before, after


def candidates(sentence: str, common: set[str], heading: str, terms: Terms) -> list[tuple[int, str]]:
    """The pieces of the sentence worth blanking, each with its weight: a number with a unit first."""
    out: list[tuple[int, str]] = []

    def plain(word: str) -> bool:
        return terms.cased[word.lower()] > 0 or terms.cased[word] < 2

    for m in _NUMBER.finditer(sentence):
        value = m.group(1).strip()
        if normalize(value[len(m.group(2)):]) in common:
            value = m.group(2)  # "10 lab groups": the number is the fact, the common word is no unit
        head, tail = sentence[:m.start(1)].split(), sentence[m.end(1):].split()[:2]
        if _YEAR.fullmatch(value) and any(len(side) == 2 and all(w[0].isupper() for w in side)
                                          for side in (head[-2:] if len(head) > 2 else [], tail)):
            continue  # a year that is part of a name ("the 1851 Great Exhibition", "Vatican Council 1962")
        if any(ch.isalpha() for ch in value) or len(value) >= 2:
            out.append((3 if any(ch.isalpha() for ch in value) else 2, value))
    out += [(2, m.group(1)) for m in _COUNT.finditer(sentence)]

    def fresh(term: str) -> bool:
        key = normalize(term)
        return key not in common and key.rstrip("s") not in common and not terms.in_heading(term, heading)

    for m in _TERM.finditer(sentence):
        term = m.group(1).rstrip(".")
        before, after = _capitalised(sentence, m.start(), m.start() + len(term), plain)
        whole = " ".join(before + [term] + after)
        if not all(fresh(w) for w in before + after if len(w) > 1):
            whole = term  # a name whose other words are everywhere in the notes ("Acme ___"): its own part is the fact
        if fresh(term) and terms.learnable(term) and not re.search(r"\d\s?$", sentence[:m.start()]):  # "4.5 kg", "12 GB": a unit
            out.append((2, whole))  # the whole name: "Jane ___" is half a name, "the ___ Act" half a title
    for m in _NAME.finditer(sentence):
        name, before, after = m.group(1), sentence[:m.start()].split()[-2:], sentence[m.end():].split()[:1]
        # inside the sentence, after a word in lower case (not its first word, not the tail of a longer name, not
        # one example "such as" many), ending where the name ends
        if not before or not before[-1][0].islower() and before[-1][-1] not in ",;(" \
                or " ".join(before).lower() == "such as" or (after and after[0][0].isupper()):
            continue
        rest = (sentence[:m.start()] + sentence[m.end():]).lower()
        if all(fresh(w) for w in name.split() if w[0].isupper()) and all(terms.learnable(w) for w in name.split()) \
                and not any(len(w) >= 4 and w.lower() in rest for w in name.split()) and sentence[0] not in "\"“'‘" \
                and not re.search(r"\b(?:and|&) $", sentence[:m.start()]) and not re.match(r" (?:and|&) [A-Z]", sentence[m.end():]) \
                and terms.mentions(name) <= MAX_MENTIONS:
            out.append((1, name))  # not given away by its own words beside it ("Halley's Comet, named after Edmond ___"),
            # not a quotation's, not one of a pair of names ("by Ada Lovelace and Charles Babbage")
    for m in [*_CALLED.finditer(sentence), *_QUOTED_NAME.finditer(sentence)]:
        name = m.group(1)
        if content_words(name) and fresh(name) and terms.learnable(name.split()[-1]):
            out.append((2, name))
    return out


def blanks(sentence: str, common: set[str], heading: str, terms: Terms) -> list[tuple[str, str]]:
    """The most telling terms or numbers of a fact sentence, each with the sentence blanked: one, or two from a
    long sentence (as Anki's c1 / c2 clozes of one note)."""
    out: list[tuple[str, str]] = []
    wanted = 2 if len(sentence.split()) >= LONG_SENTENCE else 1
    for _, answer in sorted(candidates(sentence, common, heading, terms), key=lambda c: (c[0], len(c[1])), reverse=True):
        question = re.sub(rf"(?<!\w){re.escape(answer)}(?!\w)", "___", sentence)
        # A blank opening the sentence, or one with too little left around it, leaves nothing to recall it from.
        if question.count("___") == 1 and not question.startswith("___") \
                and len(set(content_words(question.replace("___", " "))) - _FUNCTION) >= MIN_CONTEXT + answer[0].isdigit() \
                and not _GUESS.search(question) and not _GLUED.search(question) \
                and not ("___-" in question and not answer.replace(".", "").isdigit()) and not _PART.search(question) \
                and not (len(answer) <= 2 and _DAY.search(question)) and not _CONVERSION.search(question) and not _ROW.search(question) and not _IN_EXAMPLE.search(question) \
                and not spelled_out(answer, question) and not _abbreviated(answer, question) and not _inside_a_word(answer, question) \
                and not _half_given(answer, question) \
                and not (answer[0].isdigit() and _EXAMPLE.search(sentence)) and not any(answer in a or a in answer for _, a in out):
            out.append((question, answer))
        if len(out) == wanted:
            break
    return out
