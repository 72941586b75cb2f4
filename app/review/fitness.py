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
from dataclasses import dataclass
from functools import lru_cache

from ingest import normalize

_FOOTNOTE = re.compile(r"\s?\[(?:\d{1,3}|[a-z]|citation needed|note \d+)\]")
# Starting words that point back at the sentence before or at a speaker: the sentence does not stand alone.
_LEANS_BACK = {"it", "its", "this", "these", "those", "that", "they", "them", "he", "she", "his", "her", "their", "so",
               "well", "now", "okay", "ok", "alright", "and", "but", "or", "then", "also", "here", "because", "which",
               "hence", "thus", "therefore", "yes", "oh", "right", "how", "why", "again", "instead", "similarly",
               "likewise", "otherwise"}  # "How to read that chart": an aim, no fact
# Words of someone talking through a screen, not of a fact.
_SPOKEN = {"i", "i'm", "im", "i'll", "i've", "i'd", "me", "my", "gonna", "wanna", "okay", "let's", "lets", "you'll",
           "we'll", "we're", "we've", "guys"}
_ENDS_CUT = {"a", "an", "the", "of", "to", "in", "on", "at", "for", "with", "by", "from", "and", "or", "but", "as",
             "is", "are", "was", "were", "be", "that", "which", "than", "into", "within", "their", "its", "our", "your"}
# Code, markup and table rows: pipes, braces, backticks, assignments ("x=1"), tags, calls ("fit()"), chained
# members ("df().head"), slices, comments, snake_case, shell variables. Spaced "=", "<", ">" are prose arithmetic.
_CODE = re.compile(r"[|{}`\\]|\w=|=\w|</?[a-zA-Z]|\w>|\w\([\w'\".,=]*\)|\)\.\w|\[\s*\d*:|^\s*#|\w_\w|\$\w|;\s*$")
# A sentence about the document, not the subject ("the image above", "in this lesson"): nothing to learn alone.
_POINTER = re.compile(r"\b(?:above|below|(?:in|one|each|that|earlier|later) lessons?|(?:this|these|next|previous|following|last) (?:lessons?|slides?|sections?|chapters?|"
                      r"videos?|images?|pages?|quiz(?:zes)?|course|tutorials?|exercises?|challenges?|assignments?|modules?|"
                      r"units?|figures?|tables?|links?|notebooks?|steps?)|just (?:introduced|mentioned|shown|described)|"
                      r"for (?:a )?(?:more|further) (?:detailed )?(?:explanation|information|details?|discussion)|"
                      r"that (?:file|function|variable|option|command|value|argument|directory|flag|setting|method|field))\b", re.I)
# A reference entry's sentence about the thing its entry names, without naming it: "The default value is 500",
# "The value is ignored if ...", "The variable is set by ...": which value, which variable, the card does not say.
_ENTRY = re.compile(r"^(?:The|This|Its) (?:default(?: value| setting)?|value|variable|option|setting|parameter|argument|flag|"
                    r"return value|return status|exit status|field|property|attribute|key)s? (?:is|are|was|were|can|must|will|"
                    r"may|has|have|defaults?|becomes?)\b", re.I)
# A tutorial walking through its own example: the facts are of that run, not of the subject.
# "we are loading", "your first task": a run in progress; "the former", "thereby": they lean on sentences before.
# (a code such as "us-3b" holds no "us".)
_WALKTHROUGH = re.compile(r"\b(?:our|us(?!-)|you will|you'll|you can see|by doing|if you try|in this case|learn more|"
                          r"check(?:ing)? out|we(?: are|'re|’re| were) \w+ing|your (?:very )?(?:first|next|last) (?:task|step)|"
                          r"the (?:former|latter)|thereby|to do (?:this|that|so)|of your choice)\b|\b(?:this|these) (?!is\b|are\b|was\b|were\b|means\b)[a-z]", re.I)
# Instructions ("Plot the data from 2012", "Import KMeans"): steps to do, not facts to recall.
INSTRUCTIONS = {"plot", "allocate", "run", "import", "use", "make", "try", "open", "download", "click", "create",
                "install", "add", "go", "take", "learn", "check", "print", "load", "read", "type", "save", "select",
                "choose", "set", "call", "build", "train", "fit", "drop", "remove", "consider", "visit", "see", "note",
                "remember", "follow", "start", "write", "copy", "paste", "navigate", "enter", "look", "explore", "find",
                "compare", "modify", "change", "update", "initialize", "initialise", "convert", "apply", "test", "split",
                "define", "decide", "identify", "observe", "prepare", "ask", "imagine", "think", "watch", "review", "draw", "list"}
# A line given as a saying ("Quote: There are only two hard things ..."): someone's words, not a fact to recall.
_QUOTED = re.compile(r"^(?:quote|quotation|saying|proverb)s?\s*:", re.I)
_SUBJECTS = {"i", "you", "we", "they", "it", "he", "she", "one", "everyone", "someone", "nobody"}
_AUXILIARY = {"is", "are", "was", "were", "has", "have", "had", "can", "will", "would", "should", "could", "does", "do"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
# "It is possible to ...", "It’s best to ...": an "it" that points at nothing, unlike "It’s locked to a zone".
_DUMMY_IT = re.compile(r"^It(?: is|'s|’s) (?:possible|impossible|best|better|good|important|necessary|recommended|"
                       r"common|easy|hard|difficult|useful|helpful|essential|wise|advisable|crucial|vital) (?:to|that)\b")
# A name being defined, "Search Engine Optimisation (SEO): ...": its first word is no order even when it is a verb.
_LABEL = re.compile(r"^[A-Z][a-z]+(?: [A-Z][\w\-]*)+(?: \([A-Z]{2,}\))?:\s")
# Contractions of the words that lean back ("It’s locked to a zone", "They're managed by ...").
_LEANS_BACK_SHORT = re.compile(r"^(?:it|that|they|he|she|these|those)(?:'|’)(?:s|re|ve|ll|d)\b", re.I)
# An opening clause whose subject points back ("If it fails, ...", "When they are full, ...").
_CLAUSE_LEANS_BACK = re.compile(r"^(?:If|When|Once|Unless|Until|While|Whilst|Because|Since|Although|Though|After|Before) "
                                r"(?:it|they|this|these|those|he|she)\b")
# "There Smith said ...": a place in the sentence before ("There is ..." states that something exists).
_THERE = re.compile(r"^There (?!(?:is|are|was|were|be|been|will|would|may|might|can|could|must|should|seems?|seemed|"
                    r"appears?|appeared|exists?|existed|remains?|remained|has|have|had|lived|lies|lay|stands?|stood|"
                    r"comes?|came|used|exist)\b)")
# A line of a reference list: page numbers, "Retrieved 3 May", an ISBN, "(2004). Title.", "via example.com".
_REFERENCE = re.compile(r"\bpp?\.\s?\d|\bISBN\b|\bISSN\b|\bdoi:|\bRetrieved (?:on\b|\d|[A-Z][a-z]+ \d)|\bArchived from\b"
                        r"|\(\d{4}[a-z]?\)\.\s+\S|\bvia \S+\.(?:com|org|net)\b")
# Words that open a sentence without naming anyone (prepositions, conjunctions, determiners, sentence adverbs), and
# the prepositions after which a capitalised word is a place, a date or a thing, not someone a pronoun refers to.
PREPOSITIONS = {"in", "on", "at", "for", "by", "from", "to", "with", "of", "after", "before", "during", "since", "until",
                 "against", "over", "under", "into", "within", "without", "through", "throughout", "across", "between",
                 "among", "despite", "near", "about", "around", "towards", "toward", "via", "per", "beside", "upon"}
_OPENERS = PREPOSITIONS | {"the", "a", "an", "this", "that", "these", "those", "some", "many", "most", "each", "every",
                            "all", "both", "no", "although", "though", "while", "whilst", "when", "whenever", "where",
                            "as", "once", "if", "unless", "because", "overall", "later", "eventually", "finally", "soon",
                            "meanwhile", "however", "still", "yet", "even", "only", "just", "there", "one", "another",
                            "such", "other", "several", "few", "any", "what", "which", "who"}
_PERSON = {"he", "she", "him", "his", "her", "hers"}  # pronouns of a person, whose name must stand in the sentence


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
    if not words or _CODE.search(sentence) or _POINTER.search(sentence) or _ENTRY.match(sentence) or not balanced(sentence) \
            or re.search(r"\d\.\d{5,}|\b(?:returns?|returned|prints?|printed|outputs?) ['‘\"“]\w+['’\"”]", sentence):  # a printed result ("Error: 0.5570581332", "returns '3'")
        return False
    first = words[0].strip("\"'“‘(")
    if not first or first[0] in ",;:.)]}-–—" or (first[0].islower() and prose):
        return False  # starts mid-sentence: a wrapped line or a cut passage
    lowered = [w.lower().strip(".,;:!?\"'“”‘’()") for w in words]
    if _CLAUSE_LEANS_BACK.match(sentence) and not _DUMMY_IT.match(sentence.split(" ", 1)[1]):
        return False  # "If it breaks down, ...": the opening clause's subject is in the sentence before
    if (_LEANS_BACK_SHORT.match(sentence) and not _DUMMY_IT.match(sentence)) or sentence.rstrip().endswith("!") \
            or _THERE.match(sentence):
        return False  # a pointer in a contraction; an exclamation is a cheer, not a fact
    if titled(words):
        return False  # a title, a link's text or a row of names ("Spain vs France vs Italy (Rome, Milan)")
    if (words[0] in ("Is", "Are", "Was", "Were", "Has", "Does") or (len(lowered) > 1 and words[0][0].islower()
            and lowered[1] in _AUXILIARY and lowered[0] not in _SUBJECTS)) and "?" not in sentence:
        return False  # "Is done only when ...", "sometimes is better ...": a verb whose subject is in the line before
    if (lowered[0] in _LEANS_BACK and not _DUMMY_IT.match(sentence)) or (lowered[0] in INSTRUCTIONS and not _LABEL.match(sentence)) or any(w in _SPOKEN for w in lowered) \
            or _WALKTHROUGH.search(sentence) or sentence[0] in "([":
        return False
    last = words[-1]
    if last.endswith((",", ";", "-", "–", "—", "(", "/")) or (lowered[-1] in _ENDS_CUT and not last.endswith(")")):
        return False
    if _REFERENCE.search(sentence) or _QUOTED.match(sentence) or re.search(r"(?:\b[A-Z]\.){2,}$", sentence.rstrip()):
        return False  # a reference list's line; or a cut after initials ("a degree from the U.K." + "Open University")
    if unreferenced(words) or (prose and ("?" in sentence or {"we", "us", "you", "your"} & set(lowered))):
        return False  # someone the sentence does not name; in a story, a question or a speaker's "we" and "you"
    figures = sum(any(ch.isdigit() for ch in w) for w in words)
    return figures <= 0.25 * len(words) and len(_WORD.findall(sentence)) >= 0.6 * len(words)


def unreferenced(words: list[str]) -> bool:
    """Whether a pronoun of a person ("he", "him", "his") comes before anyone who could be that person is named.

    A name after a preposition is a place, a date or a thing ("after leaving Berlin he", "In May 1990 he") unless it
    owns something ("to Darwin's mind"); a first word that opens a phrase ("Overall", "Following") is no name; and the
    subject that opens the sentence is never the "him" of its own verb ("Ada Lovelace thanked him"): the person is
    in a sentence the card does not show."""
    names: list[int] = []  # positions of capitalised words that could be a person
    for i, raw in enumerate(words):
        word = raw.strip("\"'“‘(.,;:!?’”)")
        low = word.lower()
        if low in _PERSON:
            opener = bool(names) and names[0] == 0 and all(n == k for k, n in enumerate(names))  # only the subject's words
            if not names or (low == "him" and opener and not re.search(r"[,;]| (?:and|who|which|that|when|after|before|"
                                                                       r"since|until|because|as) ", " ".join(words[:i]))):
                return True
            return False
        prev = words[i - 1].lower().strip("\"'“‘(,;:") if i else ""
        if word[:1].isupper() and len(word) > 1 and not (i == 0 and (low in _OPENERS or low.endswith(("ly", "ing")))) \
                and (prev not in PREPOSITIONS or raw.rstrip(",;:").endswith(("'s", "’s", "s'", "s’"))) \
                and not (i and words[i - 1][-1:] in ".!?"):
            names.append(i)
    return False


@dataclass(frozen=True)
class Wrap:
    """How a note breaks its lines. A hard-wrapped text (a saved article, a book) breaks them anywhere: there a
    sentence that starts on a capital after a line that stopped mid-sentence is still the same sentence."""
    width: int | None  # the width lines are wrapped at; None when lines are whole paragraphs (wider than any wrap)
    hard: bool  # lines that stop mid-sentence go on in lower case on the next line (a third of them at least)


_ITEM_LINE = re.compile(r"\s*(?:[-*•+>#|]|\d{1,2}[.)])\s")
_STOPS = (".", "!", "?", ":", ";", "…", '"', "”", "’", ")", "]")
MAX_WRAP = 160  # characters: lines longer than this are paragraphs written on one line, not wrapped


def wrap_of(texts: list[str]) -> Wrap:
    """The wrap of a note, from the lines of its passages."""
    lines = [line.rstrip() for text in texts for line in text.split("\n") if line.strip()]
    if len(lines) < 10:
        return Wrap(None, False)
    width = sorted(len(line) for line in lines)[int(0.95 * (len(lines) - 1))]
    open_ = [b for text in texts for a, b in zip(text.split("\n"), text.split("\n")[1:]) if a.strip() and b.strip()
             and not a.rstrip().endswith(_STOPS) and not _ITEM_LINE.match(a) and not _ITEM_LINE.match(b)]
    hard = len(open_) >= 10 and sum(b.strip()[0].islower() for b in open_) >= len(open_) / 3
    return Wrap(width if width <= MAX_WRAP else None, hard)


def wraps(line: str, following: str, wrap: Wrap) -> bool:
    """Whether a sentence runs on from ``line`` into the next line: the line stops on a word no sentence ends on
    ("the", "of"), or, in hard-wrapped text, it is as long as a wrapped line and stops mid-sentence."""
    line, following = line.rstrip(), following.strip()
    if not line or not following or line.endswith(_STOPS) or _ITEM_LINE.match(following):
        return False
    return line.split()[-1].lower() in _ENDS_CUT or (wrap.hard and bool(wrap.width) and len(line) >= 0.55 * wrap.width)


def titled(words: list[str]) -> bool:
    """Whether most words after the first are capitalised: a title or a list of names, not a sentence."""
    rest = [w.strip("\"'“‘(") for w in words[1:]]
    rest = [w for w in rest if w and w[0].isalpha()]
    return len(rest) >= 4 and sum(w[0].isupper() for w in rest) > 0.5 * len(rest)


def content_words(text: str) -> list[str]:
    """Words that carry meaning: three letters or more and not a stopword."""
    stop = stopwords()
    return [w for w in (m.lower() for m in _WORD.findall(text)) if len(w) >= 3 and w not in stop]


_NAME_RUN = re.compile(r"[A-Z][a-z][a-z\-]*(?:\s+(?:of\s+|the\s+)?[A-Z][a-z][a-z\-]*)+")


class Terms:
    """How the notes write their words, to tell a term from a shouted word, an identifier or a typo."""

    def __init__(self, texts: list[str], headings: list[str] = ()):
        from .grading import abbreviations

        self.aliases = abbreviations(list(texts) + list(headings))  # "wto" <-> "world trade organization"
        # exact spelling -> how often the notes write it ("but" and "BUT" apart)
        self.cased = Counter(t for text in texts for t in re.findall(r"[A-Za-z][\w.\-]*[A-Za-z0-9]|[A-Za-z]", text))
        self._texts = texts
        self._names: Counter | None = None

    def mentions(self, name: str) -> int:
        """How often the notes write a name of capitalised words ("Treaty of Versailles"), as written: every run of
        such words is counted once, with its parts, so asking costs nothing more on a whole book."""
        if self._names is None:
            self._names = Counter()
            for text in self._texts:
                for run in _NAME_RUN.finditer(text):
                    words = run.group(0).split()
                    self._names.update(" ".join(words[i:j]) for i in range(len(words))
                                       for j in range(i + 2, min(len(words), i + 6) + 1))
        return self._names[" ".join(name.split())]

    def in_heading(self, term: str, heading: str) -> bool:
        """Whether the heading names the term, itself or spelled out: the topic a blank would give away."""
        key, where = normalize(term), f" {normalize(heading)} "
        return any(f" {form} " in where for form in {key, key.rstrip("s"), *self.aliases.get(key, ())})

    def learnable(self, term: str) -> bool:
        if re.search(r"[\\_=@<>:]|\.\w{1,4}$|^\w+\.\w+\.\w+", term) or ("/" in term and not re.fullmatch(r"[A-Z0-9]+(?:/[A-Z0-9]+)+", term)):
            return False  # a path, a file name, an address, a dotted identifier (a pair of acronyms, "AC/DC", is a term)
        if _ROMAN.fullmatch(term):
            return False  # a chapter or list number in Roman numerals (one below 90: "MD" and "CD" are terms)
        if term[0].islower() and any(ch.isupper() for ch in term[1:]):
            return False  # camelCase: a name in code
        humps = len(re.findall(r"[A-Z][a-z]+", term))
        if humps >= 3 or (humps >= 2 and (re.search(r"[a-z]\d|\d[A-Z]", term) or "-" in term)):
            return False  # MaxRetryCountExceeded, S3ObjectKey, MyFirstApp-env: identifiers of a walkthrough
        plain = self.cased[term.lower()] + self.cased[term.capitalize()]
        if term.isupper() and plain >= (1 if len(term) >= 4 else 3):
            return False  # an ordinary word in capitals for emphasis
        if self.cased[term] <= 1 and len(term) >= 3 and any(self.cased[t] >= 3 for t in _one_slip(term)):
            return False  # written once beside a twin written often but for one letter: a typo ("APA" for "API")
        return True


_ROMAN = re.compile(r"(?=[IVXL])(?:XL|L?X{0,3})(?:IX|IV|V?I{0,3})")


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
