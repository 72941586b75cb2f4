"""Grading a free-text answer against a card's answer: again / hard / good / easy, and why, in a short phrase.

A term (three words or fewer, no small words: a cloze blank such as "DNA", "60 seconds") is checked in order:
empty or "I don't know" -> again; the same words (case, punctuation, spaces aside) -> easy; the answer among other
guesses ("DNA or RNA or ATP", "4 KB or 8 KB") -> again; the answer negated ("not DNA", "isn't RNA") -> again; the
answer inside the reply, or an abbreviation the notes define for it or its expansion (``aliases``) -> good; a number:
the same amount in any unit or in words ("1 minute" for "60 seconds", "1024 MB" or "1000 MB" for "1 GB", "ten")
-> good, the number without its unit -> hard, another amount -> again; part of a several-word term, or a misspelt
word of six letters or more -> hard; anything else -> again ("ATPase" is not "ATP").
A yes/no card's "Yes" or "No" is matched by the reply's yes or no ("nope", "they can't", "true"); both or
neither -> again.

A statement (a definition, a recalled line) is judged by meaning: a reply that denies what it says, or says what it
denies ("cannot be identified", "is completely secure") -> again; a wrong number -> again, some of its numbers only
-> at most hard; the answer's frame with another thing put in it ("... measured in volts" for "... measured
in amperes") -> again; a piece of the answer in its own words -> good from half its words, else hard;
otherwise score = max(share of its content words in the reply, cosine with the embedding model): good from GOOD_AT
(GOOD_SHARED_AT when the reply has a third of its words), hard from HARD_AT or a third of its words, else again.
The thresholds were chosen on the labelled replies in tests/data/grading_cases.jsonl (tests/test_grading.py).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ingest import normalize

from .amounts import amounts, close

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATING_NAMES = {AGAIN: "again", HARD: "hard", GOOD: "good", EASY: "easy"}
# How a grade is shown, in the terminal and on the web page alike: its mark and colour.
MARKS = {AGAIN: ("✗", "red"), HARD: ("~", "yellow"), GOOD: ("✓", "green"), EASY: ("✓", "green")}
# Below 0.68 / 0.56 a wrong reply of the labelled set is called good; these keep a margin (see tests/test_grading.py).
GOOD_AT, GOOD_SHARED_AT, HARD_AT = 0.70, 0.60, 0.55
SWAP_BELOW = 0.45  # cosine under which what a reply puts in place of part of the answer is another thing
_GIVE_UP = {"", "i do not know", "i dont know", "do not know", "dont know", "idk", "no idea", "pass", "skip", "dunno",
            "no clue", "not sure", "i m not sure"}
_STOP = set("a an the of to in on for and or is are be by with as at it its this that from your you we can our their they "
            "so if then there was were has have had do does did will would should could may might must i me my s".split())
_NEGATIONS = {"not", "no", "never", "without", "nor", "neither", "none"}
_HEDGES = set("maybe perhaps probably possibly i think guess either or it s is the a an no not yes sure certain well hmm"
               .split())
_TERM_WORDS = 3
_BOUNDS = {"less", "more", "fewer", "under", "over", "below", "above", "beyond", "exceeding"}
_NOT_UNITS = frozenset(_STOP | _NEGATIONS)  # words after a number that are no unit


@dataclass
class Grade:
    rating: int
    score: float
    reason: str

    @property
    def name(self) -> str:
        return RATING_NAMES[self.rating]

    @property
    def mark(self) -> str:
        return MARKS[self.rating][0]

    @property
    def color(self) -> str:
        return MARKS[self.rating][1]


def _norm(text: str) -> str:
    """normalize(), after spelling out what it would drop: "n't" (a negation), "%" and "&"."""
    text = re.sub(r"\bcan'?t\b|\bcannot\b", "can not", text.replace("’", "'"), flags=re.I)
    text = re.sub(r"n't\b", " not", re.sub(r"\bwon't\b", "will not", text, flags=re.I), flags=re.I)
    return normalize(text.replace("%", " percent ").replace("&", " and "))


def _stem(word: str, loose: bool = False) -> str:
    """A word without its inflection. In a term only a long word's plural goes: a short term's last letter may be
    the whole difference (ATP, ATPase). In a statement (``loose``) -ing, -ed, -es, -s and -e go."""
    if not loose:
        if len(word) >= 6 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        # "colonies" / "colony" and "cookies" / "cookie": one term each (-ie and -y meet at -y)
        return word[:-2] + "y" if len(word) >= 5 and word.endswith("ie") else word
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _content(text: str, loose: bool = False) -> list[str]:
    return [_stem(w, loose) for w in text.split() if w not in _STOP and not (loose and w in _NEGATIONS)]


def _within(e: str, g: str) -> bool:
    """The answer stands whole in the reply: as words, as stems, or across a space ('1kb' for '1 KB')."""
    ce, cg = " ".join(_content(e)), " ".join(_content(g))
    if f" {e} " in f" {g} " or (ce and f" {ce} " in f" {cg} "):
        return True
    target, words, span = e.replace(" ", ""), g.split(), len(e.split()) + 1
    return any("".join(words[i:j]) == target for i in range(len(words)) for j in range(i + 1, min(len(words), i + span) + 1))


# ---- abbreviations the notes define ---------------------------------------------------------------------------

def _spells(words: list[str], letters: str) -> bool:
    """The words' initials spell ``letters``: a small word (of, and, to) may give its initial or not, a word in
    capitals all its letters (seasonal ARIMA -> SARIMA)."""
    if not words:
        return not letters
    w = words[0].lower()
    if letters and w[0] == letters[0] and _spells(words[1:], letters[1:]):
        return True
    if words[0].isupper() and len(w) > 1 and letters.startswith(w) and _spells(words[1:], letters[len(w):]):
        return True
    return w in _STOP and _spells(words[1:], letters)


def _abbr(token: str) -> str | None:
    """The letters of an abbreviation ("WHO", "NaCl": two capitals or more), else None."""
    ok = re.fullmatch(r"[A-Za-z][A-Za-z&]{1,9}", token) and sum(c.isupper() for c in token) >= 2
    return token.lower().replace("&", "") if ok else None


def defined_abbreviations(line: str) -> list[tuple[str, str]]:
    """(abbreviation, expansion) as one line of notes defines them: "World Health Organization (WHO)" or "WHO
    (World Health Organization)"; only where the initials of the expansion spell the abbreviation."""
    out = []
    for m in re.finditer(r"\(([^()]{1,120})\)", line):
        before = re.split(r"[.:;,!?()\[\]*_|>#]", line[: m.start()])[-1]
        left = [w for w in re.split(r"[\s\-/]+", before) if w]
        inside = re.split(r"[,;:]| - ", m.group(1))[0].strip()
        first = inside.split()[0] if inside else ""
        letters = _abbr(first) or ""
        for k in range(1, min(len(left), len(letters) + 4) + 1 if letters else 0):  # Expansion Words (ABBR)
            if left[-k].lower() not in _STOP and _spells(left[-k:], letters):
                out.append((first, " ".join(left[-k:])))
                break
        last = re.sub(r"[^A-Za-z&]", "", left[-1]) if left else ""
        words = [w for w in re.split(r"[\s\-/]+", inside) if w]
        if (letters := _abbr(last)) and 1 < len(words) <= len(letters) + 3 and _spells(words, letters):
            out.append((last, inside))  # ABBR (Expansion Words)
    return out


def abbreviations(texts: list[str]) -> dict[str, set[str]]:
    """The abbreviations the notes define, both ways, keys and values normalised: "World Health
    Organization (WHO)" or "WHO (World Health Organization)" give {"who": {"world health organization"}} and the
    reverse."""
    found: dict[str, set[str]] = {}
    for line in (line for text in texts for line in text.splitlines()):
        for abbr, expansion in defined_abbreviations(line):
            a, x = normalize(abbr), re.sub(r"^(?:(?:the|a|an) )+", "", normalize(expansion))
            if a != x:  # "TP (TP)"
                found.setdefault(a, set()).add(x)
                found.setdefault(x, set()).add(a)
    return found


def _alias_in(e: str, g: str, aliases: dict[str, set[str]] | None) -> str | None:
    """The other form of the answer (its abbreviation or expansion) that the reply gives, if any."""
    for form in sorted((aliases or {}).get(e, ())):
        if _within(form, g) or _content(form, True) == _content(g, True):
            return form
    return None


# ---- numbers and units ----------------------------------------------------------------------------------------

def _judge_amounts(expected: str, given: str, term: bool) -> Grade | None:
    """A term with a number: the same amount in any unit is right, another amount wrong. A statement: a wrong
    amount makes it wrong, and one that gives only some of its amounts is at most hard."""
    want, got = amounts(expected, _NOT_UNITS), amounts(given, _NOT_UNITS)
    if not want:
        return None
    pairs = [(w, g) for w in want for g in got if w.same(g) or close(w.plain, g.plain)
             or (w.unit is None and g.unit is not None and close(w.value, g.value))]  # "10 instances" for "10"
    if term:
        if pairs and _negates_term(_norm(pairs[0][1].text), given):  # "not 1 minute" for "60 seconds"
            return Grade(AGAIN, 0.0, f"says not {pairs[0][1].text}: your notes say {expected.strip()}")
        if pairs:
            return Grade(GOOD, 1.0, f"{pairs[0][1].text} is {pairs[0][0].text}")
        if any(w.unit is not None and g.unit is None and close(w.value, g.value) for w in want for g in got):
            return Grade(HARD, 0.5, "right number; give the unit too")
        return Grade(AGAIN, 0.0, f"the answer is {expected.strip()}" + (f", not {got[0].text}" if got else ""))
    wrong = [g for g in got if all(g is not p[1] for p in pairs) and not any(close(g.value, w.value) for w in want)]
    if wrong and len(wrong) >= len({id(p[1]) for p in pairs}):  # as many amounts wrong as right: not "part of it"
        return Grade(AGAIN, 0.0, f"your notes say {' and '.join(w.text for w in want)}, not {wrong[0].text}")
    missing = [w for w in want if all(w is not p[0] for p in pairs)]
    return Grade(HARD, 0.5, f"part of it: your notes also say {missing[0].text}") if pairs and missing else None


# ---- negations, guesses, typos --------------------------------------------------------------------------------

def _clauses(text: str) -> list[list[str]]:
    """A text's clauses as normalised words: a negation reaches no further than its clause."""
    parts = re.split(r"[,;:!?()]|\.(?!\d)|\bbut\b|\bhowever\b", text.replace("’", "'"), flags=re.I)
    return [c.split() for c in (_norm(p) for p in parts) if c]


def _denies(words: list[str], k: int) -> bool:
    """words[k] is a denial, not a hedge ("not sure", "not certain")."""
    return words[k] in _NEGATIONS and words[k + 1: k + 2] not in (["sure"], ["certain"])


def _negates_term(e: str, given: str) -> bool:
    """The term with a denial up to three words before it ("not DNA", "it is not DNA"); "no" only right before
    it ("no DNA", but "no, it's DNA" and "no it is DNA" answer the question)."""
    target = e.split()
    return any(words[i: i + len(target)] == target
               and any(_denies(words, k) and (words[k] != "no" or k == i - 1) for k in range(max(0, i - 3), i))
               for words in _clauses(given) for i in range(len(words)))


def _scopes(words: list[str]) -> list[list[str]]:
    """What each denial reaches, as stems: the next two content words after a negation ("can not be identified",
    "not intrinsically secure"), the next one after "only" (which restricts the way a negation does)."""
    out = []
    for i, w in enumerate(words):
        if _denies(words, i) and words[i + 1: i + 2] and words[i + 1] in _BOUNDS:
            continue  # "never less than 60 seconds" bounds the amount, it does not deny it
        if _denies(words, i) or w == "only":
            reached = [_stem(x, True) for x in words[i + 1: i + 5] if x not in _STOP and x not in _NEGATIONS and x != "only"]
            out.append(reached[: 1 if w == "only" else 2])
    return [s for s in out if s]


def _opposite(expected: str, given: str) -> str | None:
    """A word the answer states and the reply denies, or one the answer denies and the reply states plainly."""
    a, g = _clauses(expected), _clauses(given)
    shown = {_stem(w, True): w for c in a + g for w in c}
    a_words = {_stem(w, True) for c in a for w in c if w not in _STOP}
    g_said = [_stem(w, True) for c in g for w in c if w not in _STOP]
    a_scopes, g_scopes = [s for c in a for s in _scopes(c)], [s for c in g for s in _scopes(c)]
    a_denied, g_denied = {w for s in a_scopes for w in s}, [w for s in g_scopes for w in s]
    if len(g_scopes) > len(a_scopes):  # a denial the answer has no counterpart for
        for s in g_scopes:
            if hit := [w for w in s if w in a_words and w not in a_denied]:
                return f"says not {shown[hit[0]]}: your notes say it is"
    firsts = [s[0] for s in g_scopes]
    for s in a_scopes:
        if s[0] in firsts:
            firsts.remove(s[0])  # the reply denies or restricts it too ("never use root", "only use root")
        elif plain := [w for w in s if g_said.count(w) > g_denied.count(w)]:
            return f"says {shown[plain[0]]}: your notes say not"
    return None


def _guesses(e: str, given: str) -> bool:
    """Candidates of the same kind, listed: "DNA or RNA or ATP", "DNA, RNA, ATP", "maybe X / Y", "4 or 8 KB"."""
    # "DNS name, not IP address", "60 seconds, not 1 hour": one answer and a denial, no second guess
    said = [p for p in re.split(r",|/(?!\d)|(?<!\d)/|\bor\b|\|", given, flags=re.I)  # "1/5" is one
            if _norm(p).split()[:1] and _norm(p).split()[0] not in _NEGATIONS]
    got = amounts(" , ".join(said), _NOT_UNITS)
    if re.search(r"\d", e) and any(not x.same(y) and not close(x.value, y.value) for x in got for y in got):
        return True
    parts = [[w for w in _norm(p).split() if w not in _HEDGES] for p in said]
    parts = [p for p in parts if p]
    return len(parts) > 1 and any(not set(p) <= set(e.split()) and f" {e} " not in f" {' '.join(p)} "
                                  and len(p) <= len(e.split()) + 1 for p in parts)


def _typo(e: str, g: str) -> float | None:
    """How close a near-miss spelling is, if the reply is one: each word that differs, a slip in a 6+ letter word."""
    ratio = difflib.SequenceMatcher(None, e, g).ratio()
    if ratio < 0.8 or len(e) < 6:
        return None
    ew, gw = e.split(), g.split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ew, gw).get_opcodes():
        ours, theirs = "".join(ew[i1:i2]), "".join(gw[j1:j2])
        if op != "equal" and (op != "replace" or len(ours) < 6 or difflib.SequenceMatcher(None, ours, theirs).ratio() < 0.8):
            return None
    return ratio


# ---- statements: judged by meaning ----------------------------------------------------------------------------

def _swap(e: str, g: str, embed) -> tuple[str, str, bool] | None:
    """The reply keeps the answer's frame and puts another thing in it: "current measured in volts" for
    "current measured in amperes". One stretch replaced by one unlike it (cosine below SWAP_BELOW):
    (theirs, ours, sure). Sure when half the answer's words stay, or a third and a phrase replaces the rest; a
    third kept and one word put in may be a summing-up word ("a unit of current")."""
    a, b = [w for w in e.split() if w not in _STOP], [w for w in g.split() if w not in _STOP]
    ops = difflib.SequenceMatcher(None, [_stem(w, True) for w in a], [_stem(w, True) for w in b],
                                  autojunk=False).get_opcodes()
    changed = [o for o in ops if o[0] != "equal"]
    kept = sum(i2 - i1 for op, i1, i2, _, _ in ops if op == "equal")
    if len(changed) != 1 or changed[0][0] != "replace" or kept < len(a) / 3:
        return None
    _, i1, i2, j1, j2 = changed[0]
    if any(w in _NEGATIONS for w in b[j1:j2]):
        return None  # "fast, not slow": an addition, not a replacement
    ours, theirs = " ".join(a[i1:i2]), " ".join(b[j1:j2])
    if _counterpart(ours, theirs):
        return theirs, ours, True
    if embed is None:
        return None
    v = embed([ours, theirs])
    return (theirs, ours, kept >= len(a) / 2 or j2 - j1 >= 2) if float(v[0] @ v[1]) < SWAP_BELOW else None


# Prefixes that turn a word into its opposite: "inbound" / "outbound", "encrypt" / "decrypt", "synchronous" /
# "asynchronous". Only these: "haemoglobin" / "hemoglobin" or "inflammable" / "flammable" differ by a prefix too.
_OPPOSED = {frozenset(p) for p in [("in", "out"), ("en", "de"), ("in", "de"), ("in", "ex"), ("im", "ex"), ("en", "dis"),
                                   ("", "a"), ("", "un"), ("", "dis"), ("", "non"), ("pre", "post"), ("up", "down"),
                                   ("over", "under"), ("max", "min"), ("inter", "intra")]}


def _counterpart(ours: str, theirs: str) -> bool:
    """One word for its counterpart: the same word with the opposite prefix. The embedding model puts such pairs
    close together, but they name opposite things."""
    if " " in ours or " " in theirs or ours == theirs:
        return False
    common = 0
    while common < min(len(ours), len(theirs)) and ours[-1 - common] == theirs[-1 - common]:
        common += 1
    return common >= 4 and frozenset((ours[:len(ours) - common], theirs[:len(theirs) - common])) in _OPPOSED


def _traded(e: str, g: str) -> tuple[str, str] | None:
    """The same words as the answer with two counterparts trading places ("blocks outbound ... replies to inbound"
    for "blocks inbound ... replies to outbound"): (the reply's word, the answer's) where the first swap stands."""
    a, b = [w for w in e.split() if w not in _STOP], [w for w in g.split() if w not in _STOP]
    if len(a) != len(b) or sorted(a) != sorted(b):
        return None
    return next(((y, x) for x, y in zip(a, b) if x != y and _counterpart(x, y)), None)


def _meaning(expected: str, e: str, given: str, g: str, embed) -> Grade:
    swap = _swap(e, g, embed)
    if swap and swap[2]:
        return Grade(AGAIN, 0.0, f"says {swap[0]} where your notes say {swap[1]}")
    if traded := _traded(e, g):
        return Grade(AGAIN, 0.0, f"says {traded[0]} where your notes say {traded[1]}")
    g_words = set(_content(g, True))
    # A piece of the answer in its own words, or of the equivalent notes give as "(= scale up / down)".
    pieces = []
    for whole in [e] + [_norm(x) for x in re.findall(r"\(\s*=\s*([^)]*)\)", expected)]:
        words = _content(whole, True) or whole.split()
        if g_words and g_words <= set(words):
            pieces.append(sum(1 for w in words if w in g_words) / len(words))
    if pieces:
        share = max(pieces)
        if share >= 0.5:
            return Grade(GOOD, share, "what your notes say" if share == 1 else "the main part of what your notes say")
        return Grade(HARD, share, f"only part of what your notes say ({share:.0%} of its words)")
    e_words = _content(e, True) or e.split()
    recall = sum(1 for w in e_words if w in g_words) / len(e_words)
    cosine = float(np.dot(*embed([expected, given]))) if embed is not None else 0.0
    score = max(recall, cosine)
    good_at = GOOD_SHARED_AT if recall >= 1 / 3 else GOOD_AT  # the answer's own words back the meaning up
    if len(e_words) <= _TERM_WORDS and recall <= 0.5:
        score = min(score, good_at - 0.01)  # a short statement missing half its words is not the same statement
    if score >= good_at:
        if swap:
            return Grade(HARD, score, f"check: says {swap[0]} where your notes say {swap[1]}")
        return Grade(GOOD, score, f"same meaning as your notes ({score:.2f})")
    if score >= HARD_AT or recall >= 1 / 3:
        return Grade(HARD, score, f"partly what your notes say ({score:.2f})")
    return Grade(AGAIN, score, f"not what your notes say ({score:.2f})")


# ---- the grade ------------------------------------------------------------------------------------------------

_SAYS_YES = {"yes", "yeah", "yep", "yup", "true", "correct", "sure", "right", "indeed"}
_SAYS_NO = {"no", "nope", "nah", "not", "never", "false", "incorrect", "wrong"}


def _polarity(reply: str) -> str | None:
    """"yes" or "no" as a normalised reply says it ("nope", "no it can not", "true"); None when it says neither, or
    both ("yes or no" is a guess)."""
    words = set(reply.split())
    yes, no = bool(words & _SAYS_YES), bool(words & _SAYS_NO)
    return None if yes == no else "yes" if yes else "no"


def grade(expected: str, given: str, embed: Callable[[list[str]], np.ndarray] | None = None,
          aliases: dict[str, set[str]] | None = None, question: str = "") -> Grade:
    """Grade the reply ``given`` against the card's answer ``expected`` (the rules: this module's docstring).
    ``embed`` (texts -> L2-normalised rows) judges the meaning of statements; ``aliases`` (``abbreviations`` of
    the notes) lets a defined abbreviation stand for its expansion and the reverse; a reply made only of the
    ``question``'s own words ("MFA" to "What does MFA stand for?") answers nothing."""
    e, g = _norm(expected), _norm(given)
    term = len(e.split()) <= _TERM_WORDS and not any(w in _STOP for w in e.split())  # "throughput for reads" is not
    if g in _GIVE_UP:
        return Grade(AGAIN, 0.0, "no answer given")
    if g == e or g.replace(" ", "") == e.replace(" ", ""):
        return Grade(EASY, 1.0, "exactly the answer")
    if e in ("yes", "no"):  # a yes/no card (app/review/yesno.py): the reply's yes or no is all that counts
        said = _polarity(g)
        if said != e:
            return Grade(AGAIN, 0.0, f"your notes say {e}" if said else "answer yes or no")
        return Grade(GOOD, 1.0, f"{e}, as your notes say")
    if g and question and set(g.split()) <= set(_norm(question).split()) and not _within(e, g):
        return Grade(AGAIN, 0.0, "only repeats the question")
    if term and _guesses(e, given):
        return Grade(AGAIN, 0.0, "a list of guesses: name one answer")
    if term and _negates_term(e, given):
        return Grade(AGAIN, 0.0, f"says not {expected.strip()}")
    opposite = None if term else _opposite(expected, given)
    if opposite:
        return Grade(AGAIN, 0.0, opposite)
    if _within(e, g):
        return Grade(GOOD, 1.0, "contains the answer")
    if form := _alias_in(e, g, aliases):
        abbr, full = (form, e) if len(form.split()) < len(e.split()) else (e, form)
        return Grade(GOOD, 1.0, f"{abbr.upper()} stands for {full}")
    numbers = _judge_amounts(expected, given, term)
    if numbers and (term or numbers.rating == AGAIN):
        return numbers
    if not term:
        verdict = _meaning(expected, e, given, g, embed)
        return numbers if numbers and verdict.rating >= numbers.rating else verdict
    if len(e.split()) > 1 and g and set(g.split()) < set(e.split()):
        return Grade(HARD, 0.5, f"only part of it: {expected.strip()}")
    if (ratio := _typo(e, g)) is not None:
        return Grade(HARD, ratio, "almost: check the spelling")
    return Grade(AGAIN, 0.0, "not the term in your notes")
