"""Which sentences of the best passages are shown first as the answer, and what comes with each.

One owner for the answer's sentences: how each candidate is scored against the question (its similarity, the
question's rare terms it holds, a number for "how many", a reason for "why"), which lines are no answer (a title, a reference, a
pointer elsewhere, a restated question), and what a chosen sentence brings along (the sentence that finishes it,
the cause of a consequence, both halves of a sentence a passage boundary cut). No model call: the search scored
every sentence with the vectors stored at ingest.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from index import Hit
from index.lexical import tokenize
from index.roles import gives_reason
from index.search import asks_why, reads_like_code
from ingest.sentences import CAPTION, ENDED, repeats_heading

from .shapes import ANNOUNCES

FROM_TOP = 3  # the answer's sentences come from this many of the best passages (the search scores theirs)
TITLE_WORDS = 8  # a line in capitals this short is a title (_is_title)
SAME_MIN_WORDS, SAME_SHARE = 6, 0.9  # an OCR copy this long and this alike letter for letter is the same (_misread)


@dataclass
class Sentence:
    text: str
    hit: Hit  # the passage it comes from
    line: int | None  # first file line it stands in (text files)
    score: float = 0.0
    last_line: int | None = None
    part: int | None = None  # the index row of the passage it stands in (a hit may show neighbours as one excerpt)

    @property
    def lines(self) -> set[int]:
        if not self.line:
            return set()
        return set(range(self.line, (self.last_line or self.line) + 1))

    @property
    def citation(self) -> str:
        chunk = self.hit.chunk
        if chunk.page is not None or not self.line:
            return chunk.citation
        return chunk.cite(self.line, self.last_line or self.line)


# Question words ask; they are not the subject (abstention, and a follow-up's own terms: app.followup).
QUESTION_WORDS = {"why", "how", "what", "when", "where", "which", "who", "whom", "whose", "does", "do", "did", "can", "could"}


# A sentence of the kind a question asks for (a number for "how many", a reason for "why") gains this much: enough
# to pass a sentence only as similar (ml-for-beginners answer hit 0.750 -> 0.767 for the reason, 0.04 did nothing,
# 0.15 no more).
ANSWER_KIND = 0.08
_QUANTITY = re.compile(r"^\s*(?:how (?:many|much|long|big|large|old|far|fast|often|heavy|tall|accurate)|"
                       r"what (?:percentage|proportion|share|size|year|number|age)|when\b|in what year)", re.I)
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|hundred|thousand|million|billion)\b", re.I)


# A sentence that sends the reader elsewhere (a video, a page, a paper) instead of saying anything: "Click the image
# above for a video about ...", "Alternately, read about it on wikipedia", "You can read the original ...".
_POINTS_AWAY = re.compile(r"^\W*(?:(?:note|tip|hint)\s*:\s*)?(?:(?:alternate(?:ly)?|alternatively|also|optionally|or),?\s+)?"
                          r"(?:you (?:can|could|may|might|should) (?:also )?)?"
                          r"(?:read (?:about|more|the|this|up)|click (?:on|the|here|this)|watch (?:the|this|a)|"
                          r"see (?:the|this|also|more|here|above|below)|visit (?:the|this)|check out|take a look|learn more|"
                          r"find out more|refer to|go to|(?:you'll|you will) (?:learn|see|find out|read|explore)\b.*\b"
                          r"(?:lesson|chapter|section|unit|module|video)s?)\b", re.I)


_URL = re.compile(r"(?:https?\s?:\s?/\s?/|www\.)\S*", re.I)
_CITES = re.compile(r"^\W*(?:\[\d+\]|(?:archived|retrieved)\s*(?:\(|from\b|on\b))|^\W*[\"“][^\"”]+[\"”]\s*\((?:https?|www)", re.I)


def _reference(text: str) -> bool:
    """A reference list's line: a numbered note or an archive notice with an address, a quoted title followed by
    its address, or an address with at most two words beside it. "The course website is https://..." states a
    fact and is no reference."""
    return bool(_URL.search(text)) and (bool(_CITES.search(text)) or len(_URL.sub(" ", text).split()) <= 2)


# "No SSH access" to "Can I SSH into an RDS instance?" shares the question's words and denies them: it answers.
_NEGATION = re.compile(r"\b(?:no|not|never|none|cannot|without)\b|n't\b", re.I)


def _denies(sentence: str, question: str) -> bool:
    return bool(_NEGATION.search(sentence)) and not _NEGATION.search(question)


# Someone's question in a story ('"Why are you going to the war?" asked his friend.'): it asks, the reply answers.
_ASKS = re.compile(r"\?[\"”’']")


def pick_sentences(question: str, hits: list[Hit], limit: int = 3, from_top: int = FROM_TOP) -> list[Sentence]:
    """The one to three sentences of the top passages most similar to the question, each with the sentence that
    finishes it when there is one (_with_continuations).

    Uses the similarities the search computed from the sentence vectors stored at ingest, so no model call is
    needed. A sentence must come close to the best one (within 0.1) to be shown, so a clear answer is not diluted
    by loosely related lines.
    """
    words = set(tokenize(question))
    wants_number = bool(_QUANTITY.match(question))
    wants_reason = asks_why(question)
    code_ok = reads_like_code(question)
    candidates: list[Sentence] = []
    # a line of code or a link list is not an answer in words
    usable = [hit for hit in hits[:from_top] if hit.chunk.kind != "nav" and (hit.chunk.kind != "code" or code_ok)]
    # a sentence a passage boundary cut is a candidate whole from either passage (the searcher gives each half the
    # other); where both passages are hits, the two wholes are one sentence, shown once (below)
    held = [[(sentence, sim, set(tokenize(_whole(sentence)))) for sentence, sim in hit.sentences] for hit in usable]
    weight = _rarity(words, [own for sentences in held for _, _, own in sentences])
    total = sum(weight.values())
    terms = words - _ASKING  # what a sentence may share: not the question words ("where" in a line tells nothing)
    for hit, sentences in zip(usable, held):
        for sentence, sim, own in sentences:
            text = _whole(sentence)
            if hit.chunk.page is not None and (_is_title(sentence.text) or repeats_heading(hit.chunk, sentence.text)):
                continue  # on a page: "A HISTORY OF THE RIVER.", "CHAPTER XII" name what follows, they answer nothing
            if _reference(text) or CAPTION.match(text):
                continue  # a source's title and address, or a figure's caption: it names what the question names and
                # tells nothing ("Listing 4-2: A pump with two valves" heads what answers)
            score = sim + 0.03 * (from_top - hit.rank)  # retrieval already weighed the whole passage
            if words:  # the question's own terms in a sentence are evidence too, as in retrieval
                score += 0.2 * sum(weight[w] for w in terms & own) / total
            if text.rstrip().endswith("?") or _ASKS.search(text) or (own and len(own - words) <= 1
                                                                   and not _denies(text, question)):
                score -= 0.2  # a question restated in the notes, or a line saying only what was asked, is no answer
            if _POINTS_AWAY.match(text) or ANNOUNCES.search(text):
                score -= 0.2  # it sends the reader elsewhere, or announces what follows: it says nothing itself
            if wants_number and _NUMBER.search(text):
                score += ANSWER_KIND  # "how many / how long" is answered by a number
            if wants_reason and gives_reason(text):
                score += ANSWER_KIND  # "why" is answered by a reason
            chunk = hit.chunk
            line = sentence.start_line if sentence.start and sentence.start_line else chunk.line_of(sentence.line)
            last = sentence.rest_line if sentence.rest and sentence.rest_line else chunk.last_line_of(sentence.last_line)
            candidates.append(Sentence(text, hit, line, score, last, sentence.passage))
    if not candidates:
        return []
    ranked: list[Sentence] = []
    keys: list[str] = []
    for c in sorted(candidates, key=lambda c: -c.score):
        # a sentence the notes repeat (a copied paragraph, a scan and its text twin) is shown once, from text read
        # as written rather than by OCR when both have it
        key = _key(c.text)
        twin = next((i for i, k in enumerate(keys) if k == key), None)
        if twin is None:
            twin = next((i for i, (k, r) in enumerate(zip(keys, ranked))
                         if r.hit.chunk.ocr != c.hit.chunk.ocr and _misread(key, k)), None)
        if twin is None:
            ranked.append(c)
            keys.append(key)
        elif ranked[twin].hit.chunk.ocr and not c.hit.chunk.ocr:
            c.score, ranked[twin] = ranked[twin].score, c
    best = ranked[0].score
    return _with_continuations([c for c in ranked[:limit] if c.score >= best - 0.1], candidates)


_ASKING = set(tokenize(" ".join(QUESTION_WORDS)))


def _whole(sentence) -> str:
    """The sentence as written: with its start or its rest when a passage boundary cut it (index.search)."""
    return " ".join(part.strip() for part in (sentence.start, sentence.text, sentence.rest) if part)


def _rarity(words: set[str], held: list[set[str]]) -> dict[str, float]:
    """Each question term's weight among the sentences that could answer (``held``: each one's terms): a term few
    of them hold tells the answer from the rest (a minor character's name in a scene where the hero is named in
    every line)."""
    n = len(held)
    return {w: math.log(1 + (n + 1) / (1 + sum(w in h for h in held))) for w in words}


def _key(text: str) -> str:
    """A sentence's words, to tell a repeat: case, spacing and punctuation aside."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _misread(a: str, b: str) -> bool:
    """Whether two sentence keys are one sentence read twice, a letter or two apart (OCR of a page beside its text
    layer): long enough to tell, the same numbers, nearly the same letters."""
    wa, wb = a.split(), b.split()
    if min(len(wa), len(wb)) < SAME_MIN_WORDS or [w for w in wa if w.isdigit()] != [w for w in wb if w.isdigit()]:
        return False  # "population of 40,000 in 1861" is not "of 55,000 in 1871"
    if len(set(wa) & set(wb)) < 0.6 * len(set(wa) | set(wb)):
        return False  # most pairs part here, before the letters are compared
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b).ratio() >= SAME_SHARE


def _is_title(text: str) -> bool:
    """A short line in capitals with no list or definition in it ("ACID = ATOMICITY, ...", "GET, POST, PUT"): a
    title or a running header that a page's text layer kept, not a statement."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 3 and all(ch.isupper() for ch in letters) and len(text.split()) <= TITLE_WORDS \
        and not any(ch in text for ch in ",:;=")


# A sentence that opens by pointing back ("It maps any value to 0..1", "This is why ...", "The former ...") finishes
# the one before it: shown alone, the one before often only restates the question.
_CONTINUES = re.compile(r"^(?:it|its|this|that|these|those|they|their|he|she|his|her|such|because|so|therefore|thus|hence|"
                        r"the (?:former|latter|reason|result))\b", re.I)


# A sentence that states a consequence of the one before it ("As a result, the two men fell out"): alone it leaves
# out the cause, which is what a "why" asks.
_RESULT = re.compile(r"^(?:as a (?:result|consequence)|therefore|thus|hence|consequently|for (?:this|that|these|those) "
                     r"reasons?|(?:this|that) is why|because of (?:this|that))\b", re.I)


def _adjacent(first: Sentence, second: Sentence) -> bool:
    """Whether ``second`` follows ``first`` in one paragraph: the same line or the next one (a blank line between
    them ends a paragraph), or, without lines to tell, the same passage of running prose."""
    if first.line is None or second.line is None:
        return first.hit is second.hit and first.hit.chunk.kind == "prose"
    return 0 <= second.line - (first.last_line or first.line) <= 1


def _with_continuations(chosen: list[Sentence], candidates: list[Sentence]) -> list[Sentence]:
    """Each chosen sentence followed by the next sentence of its passage when that one continues it, or when the
    chosen one leads in to it (ends on a colon); the first one also by the next sentence it reads on into
    (_reads_on), and that one by the next when it points back. A continuation is never shown apart from, or before,
    its sentence."""
    across = _across(candidates)
    pairs = [(a, b) for a, b in zip(candidates, candidates[1:]) if a.hit is b.hit] + across + _onward(candidates)
    following = {id(a): b for a, b in pairs}
    continued = {id(b) for a, b in pairs if any(a is c for c in chosen) and _continues(a, b, a is chosen[0])}
    out: list[Sentence] = []
    preceding = {id(b): a for a, b in pairs if a.hit is b.hit}
    for c in chosen:
        if id(c) in continued or any(c is o for o in out):
            continue  # shown right after the chosen sentence it finishes
        cause = preceding.get(id(c))
        if cause is not None and _RESULT.match(c.text.lstrip()) and _adjacent(cause, c) and not _shown(cause, out):
            out.append(cause)  # "As a result, they fell out": what it results from comes first
        out.append(c)
        nxt = following.get(id(c))
        if nxt is not None and _continues(c, nxt, c is chosen[0]) and not _shown(nxt, out):
            out.append(nxt)
            # a continuation brings the sentence after it too when that one points back at it ("It maps ...")
            then = following.get(id(nxt))
            if then is not None and _CONTINUES.match(then.text.lstrip()) and not _shown(then, out):
                out.append(then)
    # a sentence a passage boundary cut is never shown half: its pieces come together, in order, where one is shown
    rest_of = {id(a): b for a, b in across}
    start_of = {id(b): a for a, b in across}
    whole: list[Sentence] = []
    for c in out:
        if _shown(c, whole):
            continue
        pieces = [c]
        while id(pieces[0]) in start_of and not _shown(start_of[id(pieces[0])], whole + pieces):
            pieces.insert(0, start_of[id(pieces[0])])
        while id(pieces[-1]) in rest_of and not _shown(rest_of[id(pieces[-1])], whole + pieces):
            pieces.append(rest_of[id(pieces[-1])])
        whole.extend(pieces)
    return whole


def _shown(sentence: Sentence, out: list[Sentence]) -> bool:
    return any(sentence is o or _key(sentence.text) == _key(o.text) for o in out)


def _continues(first: Sentence, second: Sentence, leads: bool) -> bool:
    return first.text.rstrip().endswith(":") or bool(_CONTINUES.match(second.text.lstrip())) \
        or (leads and _reads_on(first, second)) or _cut(first, second)




def _cut(first: Sentence, second: Sentence) -> bool:
    """Whether ``second`` is the rest of ``first``, a sentence a passage boundary cut ("The bridge was opened in" /
    "the spring of that year ..."): the first stops unfinished, the other goes on in lower case, under the same
    heading (a heading without a stop ends a section), on the next line (or page). Where the search already gave
    each half the other (index.search, text as the file wrapped it) both read whole and this finds nothing; it
    joins what that leaves, halves of running prose or a table."""
    a, b = first.hit.chunk, second.hit.chunk
    if (first.hit is second.hit and first.part == second.part) or a.source != b.source or a.heading != b.heading \
            or first.text.rstrip().endswith(ENDED) or not second.text.lstrip()[:1].islower():
        return False
    if first.line is not None and second.line is not None:
        return 0 <= second.line - (first.last_line or first.line) <= 1
    return a.page is not None and b.page is not None and 0 <= b.page - a.page <= 1


def _boundaries(candidates: list[Sentence]) -> list[tuple[Sentence, Sentence]]:
    """(last sentence of a passage, first of the next passage of its file) for passages both among the candidates."""
    first: dict[int, Sentence] = {}
    last: dict[int, Sentence] = {}
    for c in candidates:  # in each passage's order (an excerpt of neighbours: each of its passages)
        row = c.hit.row if c.part is None else c.part
        first.setdefault(row, c)
        last[row] = c
    return [(a, first[row + 1]) for row, a in last.items()
            if row + 1 in first and a.hit.chunk.source == first[row + 1].hit.chunk.source]


def _across(candidates: list[Sentence]) -> list[tuple[Sentence, Sentence]]:
    """The boundaries between candidate passages that cut a sentence: the two halves are shown as one."""
    return [(a, b) for a, b in _boundaries(candidates) if _cut(a, b)]


def _onward(candidates: list[Sentence]) -> list[tuple[Sentence, Sentence]]:
    """The boundaries between candidate passages of running prose under one heading that cut no sentence: a story
    goes on across them as within a passage (a hoarse sound, then what it meant), so the first answer sentence
    reads on into the next passage too (_reads_on). benchmarks/corpora.py: prose answer hit 0.545 -> 0.564; in
    notes the same lost a question of hit@1 (ml-for-beginners) and gained none."""
    return [(a, b) for a, b in _boundaries(candidates) if a.hit.chunk.kind == b.hit.chunk.kind == "prose"
            and a.hit.chunk.heading == b.hit.chunk.heading and not _cut(a, b)]


def _reads_on(first: Sentence, second: Sentence) -> bool:
    """Whether the answer's first sentence reads on into the next: in the same paragraph (a line of a text whose
    paragraphs are lines; a bullet is a line of its own), or anywhere in running prose (a hard-wrapped story or
    article), where a reply follows its question and an event its setting. Alone, the sentence closest to the
    question often only names what was asked ("A dichotomy was established between scruffy vs. neat AI
    practices"); the next one says it ("Scruffy labs tweaked programs for hours ...").
    benchmarks/corpora.py: answer hit ML 0.667 -> 0.717, prose 0.400 -> 0.455, course notes 0.760 -> 0.800."""
    if first.hit.chunk.kind == "prose":
        return True
    return first.line is not None and second.line == (first.last_line or first.line)
