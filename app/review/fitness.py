"""Whether a sentence of the notes makes a card worth asking, and whether a term is worth recalling.

The rules of the card rubric (README, "Review cards"), by the shape of the text, never by one course's words:
- a card comes from a complete sentence that stands alone: it starts as a sentence starts (a capital or a
  digit, not a pronoun pointing at the sentence before), ends as one ends (not on "the", a comma or an open
  bracket), is not spoken filler from a transcript ("I'm gonna go into"), and is prose, not a code line, a
  table row or a row of figures;
- the answer is a term a student learns: not a path, file name, URL or code identifier, not a word shouted
  in capitals ("BUT"), not a token the notes write once beside a near twin they write often (a typo).
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from ingest import normalize

_FOOTNOTE = re.compile(r"\s?\[(?:\d{1,3}|[a-z]|citation needed|note \d+)\]")
# Starting words that point back at the sentence before or at a speaker: the sentence does not stand alone.
_LEANS_BACK = {"it", "its", "this", "these", "those", "that", "they", "them", "he", "she", "his", "her", "their", "so",
               "well", "now", "okay", "ok", "alright", "and", "but", "or", "then", "also", "here", "because", "which",
               "hence", "thus", "therefore", "yes", "oh", "right"}
# Words of someone talking through a screen, not of a fact.
_SPOKEN = {"i", "i'm", "im", "i'll", "i've", "i'd", "me", "my", "gonna", "wanna", "okay", "let's", "lets", "you'll",
           "we'll", "we're", "we've", "guys"}
_ENDS_CUT = {"a", "an", "the", "of", "to", "in", "on", "at", "for", "with", "by", "from", "and", "or", "but", "as",
             "is", "are", "was", "were", "be", "that", "which", "than", "into", "within", "their", "its", "our", "your"}
# Code, markup and table rows: pipes, braces, backticks, assignments ("x=1"), tags, calls ("fit()"), chained
# members ("df().head"), slices, comments, snake_case, shell variables. Spaced "=", "<", ">" are prose arithmetic.
_CODE = re.compile(r"[|{}`\\]|\w=|=\w|</?[a-zA-Z]|\w>|\w\([\w'\".,=]*\)|\)\.\w|\[\s*\d*:|^\s*#|\w_\w|\$\w|;\s*$")
# A sentence about the document, not the subject ("the image above", "in this lesson"): nothing to learn alone.
_POINTER = re.compile(r"\b(?:above|below|(?:this|these|next|previous|following|last) (?:lessons?|slides?|sections?|chapters?|"
                      r"videos?|images?|pages?|quiz(?:zes)?|course|tutorials?|exercises?|challenges?|assignments?|modules?|"
                      r"units?|figures?|tables?|links?|notebooks?|steps?))\b", re.I)
# A tutorial walking through its own example: the facts are of that run, not of the subject.
_WALKTHROUGH = re.compile(r"\b(?:our|us|you will|you'll|you can see|by doing|if you try|in this case|learn more|"
                          r"check(?:ing)? out)\b|\b(?:this|these) (?!is\b|are\b|was\b|were\b|means\b)[a-z]", re.I)
# Instructions ("Plot the data from 2012", "Import KMeans"): steps to do, not facts to recall.
_INSTRUCTION = {"plot", "allocate", "run", "import", "use", "make", "try", "open", "download", "click", "create",
                "install", "add", "go", "take", "learn", "check", "print", "load", "read", "type", "save", "select",
                "choose", "set", "call", "build", "train", "fit", "drop", "remove", "consider", "visit", "see", "note",
                "remember", "follow", "start", "write", "copy", "paste", "navigate", "enter", "look", "explore", "find",
                "compare", "modify", "change", "update", "initialize", "initialise", "convert", "apply", "test", "split",
                "define", "decide", "identify", "prepare", "ask", "imagine", "think", "watch", "review", "draw", "list"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def clean(sentence: str) -> str:
    """The sentence as a card shows it: footnote marks ("rule.[2]") out, spaces single."""
    return " ".join(_FOOTNOTE.sub("", sentence).split())


def balanced(text: str, pairs: tuple[str, ...] = ("()", "[]", "“”")) -> bool:
    """Every bracket (and quote) opened is closed: a piece cut from the middle of something is not."""
    straight = text.count('"') % 2 == 0 or pairs == ("()",)
    return straight and all(text.count(a) == text.count(b) for a, b in pairs)


def complete(sentence: str, prose: bool = False) -> bool:
    """A whole sentence that stands alone (see the module's rules). In running prose a lower-case start is a
    sentence cut in two; in notes it is how a list item often starts ("we write 6 objects per second")."""
    words = sentence.split()
    if not words or _CODE.search(sentence) or _POINTER.search(sentence) or not balanced(sentence) \
            or re.search(r"\d\.\d{5,}", sentence):  # a printed result ("MAPE: 0.5570581332")
        return False
    first = words[0].strip("\"'“‘(")
    if not first or first[0] in ",;:.)]}-–—" or (first[0].islower() and prose):
        return False  # starts mid-sentence: a wrapped line or a cut passage
    lowered = [w.lower().strip(".,;:!?\"'“”‘’()") for w in words]
    if lowered[0] in _LEANS_BACK or lowered[0] in _INSTRUCTION or any(w in _SPOKEN for w in lowered) \
            or _WALKTHROUGH.search(sentence) or sentence[0] in "([":
        return False
    last = words[-1]
    if last.endswith((",", ";", "-", "–", "—", "(", "/")) or lowered[-1] in _ENDS_CUT:
        return False
    figures = sum(any(ch.isdigit() for ch in w) for w in words)
    return figures <= 0.25 * len(words) and len(_WORD.findall(sentence)) >= 0.6 * len(words)


def content_words(text: str) -> list[str]:
    """Words that carry meaning: three letters or more and not a stopword."""
    stop = stopwords()
    return [w for w in (m.lower() for m in _WORD.findall(text)) if len(w) >= 3 and w not in stop]


class Terms:
    """How the notes write their words, to tell a term from a shouted word, an identifier or a typo."""

    def __init__(self, texts: list[str], headings: list[str] = ()):
        from .grading import abbreviations

        self.aliases = abbreviations(list(texts) + list(headings))  # "nlp" <-> "natural language processing"
        # exact spelling -> how often the notes write it ("but" and "BUT" apart)
        self.cased = Counter(t for text in texts for t in re.findall(r"[A-Za-z][\w.\-]*[A-Za-z0-9]|[A-Za-z]", text))

    def in_heading(self, term: str, heading: str) -> bool:
        """Whether the heading names the term, itself or spelled out: the topic a blank would give away."""
        key, where = normalize(term), f" {normalize(heading)} "
        return any(f" {form} " in where for form in {key, key.rstrip("s"), *self.aliases.get(key, ())})

    def learnable(self, term: str) -> bool:
        if re.search(r"[\\_=@<>:]|\.\w{1,4}$|^\w+\.\w+\.\w+", term) or ("/" in term and not re.fullmatch(r"[A-Z0-9]+(?:/[A-Z0-9]+)+", term)):
            return False  # a path, a file name, an address, a dotted identifier (a pair of acronyms, "AC/DC", is a term)
        if re.fullmatch(r"[IVXLCDM]+", term):
            return False  # a chapter or list number in Roman numerals
        if term[0].islower() and any(ch.isupper() for ch in term[1:]):
            return False  # camelCase: a name in code
        humps = len(re.findall(r"[A-Z][a-z]+", term))
        if humps >= 3 or (humps >= 2 and (re.search(r"[a-z]\d|\d[A-Z]", term) or "-" in term)):
            return False  # ProvisionedThroughputExceeded, S3ObjectVersion, MyFirstBucket-env: identifiers of a walkthrough
        plain = self.cased[term.lower()] + self.cased[term.capitalize()]
        if term.isupper() and plain >= (1 if len(term) >= 4 else 3):
            return False  # an ordinary word in capitals for emphasis
        if self.cased[term] <= 1 and len(term) >= 3 and any(self.cased[t] >= 3 for t in _one_slip(term)):
            return False  # written once beside a twin written often but for one letter: a typo ("APA" for "API")
        return True


def _one_slip(term: str) -> set[str]:
    """Spellings one typing slip away: one letter changed, or two neighbours swapped (not a plural or a case change)."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = {term[:i] + c + term[i + 1:] for i in range(len(term)) for c in letters if c.lower() != term[i].lower()}
    out |= {term[:i] + term[i + 1] + term[i] + term[i + 2:] for i in range(len(term) - 1) if term[i] != term[i + 1]}
    return out


def spelled_out(term: str, text: str) -> bool:
    """Whether the text spells out the acronym next to its blank ("Multi Factor Authentication (___)"): given away."""
    letters = re.sub(r"s$", "", term).lower()
    if not term.isupper() or not 2 <= len(letters) <= 6:
        return False
    words = [w for w in re.findall(r"[A-Za-z][\w\-]*", text) if w.lower() not in ("and", "of", "for", "the", "to")]
    n = len(letters)
    return any(all(w[0].isupper() for w in words[i:i + n]) and "".join(w[0] for w in words[i:i + n]).lower() == letters
               for i in range(len(words) - n + 1))
