"""Fact cards: a sentence that says what a named thing does, "Heat exchangers transfer warmth between two
fluids" -> "What do “Heat exchangers” transfer?" (warmth between two fluids).

What a thing of the subject does is what a student recalls about it, and much of any notes is written so: a name,
a verb of action in the present, and its object. The card keeps the notes' own verb, so it asks for what this
sentence says, not for everything the thing does; the answer is graded by meaning, as a definition's is. Only for
a subject the notes treat as a name (capitals past the sentence's first letter, or a heading of theirs), never a
pronoun, a titled person ("Lord Ashby carries ..."), a pointer ("the Second Method") or a generic "the system".
"""
from __future__ import annotations

import re

from ingest import normalize

from .fitness import PREPOSITIONS, balanced, content_words, stopwords
from .yesno import HEDGED

# Verbs of what a thing does to something, base form. A verb of being or having ("is", "has") defines or lists and
# has cards of its own; a verb of saying or seeing is a story's.
_ACTIONS = ("allow", "let", "enable", "translate", "prevent", "require", "protect", "replace", "measure", "return",
            "produce", "create", "convert", "reduce", "increase", "distribute", "encrypt", "detect", "predict", "remove",
            "combine", "separate", "map", "transform", "generate", "determine", "represent", "cause", "ensure", "limit",
            "block", "filter", "collect", "assign", "split", "compute", "calculate", "estimate", "compress", "decrease",
            "improve", "balance", "scale", "trigger", "deliver", "transfer", "connect", "absorb", "release", "carry",
            "bind", "copy")
# Left out: verbs of having or offering ("supports", "provides", "offers", "contains", "handles", "manages",
# "routes", "stores", "uses"): a thing supports many things, and "What does X support?" asks for all of them.


def _third_person(verb: str) -> str:
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + ("es" if verb.endswith(("s", "sh", "ch", "x", "z")) else "s")


_VERB = {_third_person(v): (v, "does") for v in _ACTIONS} | {v: (v, "do") for v in _ACTIONS}
# "Name (a gloss) verb the rest": the subject is a name of one to four words, maybe with a bracket after it.
_SENTENCE = re.compile(r"^(?P<pre>By default,\s+)?(?P<article>(?:[Aa]n?|[Tt]he) )?"
                       r"(?P<subject>[A-Z][\w\-./]*(?: [\w\-./]+){0,3}?)(?: \([^()]{1,40}\))? "
                       rf"(?P<verb>{'|'.join(sorted(_VERB, key=len, reverse=True))}) (?P<rest>[^;:?!]+?)\.?$")
# "lets you choose ...": what it lets you do is the answer, not "you".
_FOR_YOU = re.compile(r"^(?:you|users?|developers?|people|us) (?:to )?(?P<what>\w.*)$")
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "some", "many", "most", "each", "every", "all",
                "any", "no", "its", "their", "our", "your", "my", "his", "her", "it", "they", "he", "she", "we", "you",
                "i", "one", "which", "what", "who", "there", "here", "such", "both", "other", "another", "so", "then"}
# Words that make a subject no name: an adverb ("Glass also absorbs"), a clause ("Only cells which are ..."), a
# pointer at the text around it ("the Second Method", "the New Version", "Step Two"), a person's title (a story's
# people do things once, not as a rule).
_NOT_IN_A_NAME = {"also", "always", "often", "still", "now", "then", "only", "just", "even", "which", "that", "who",
                  "whose", "where", "when", "usually", "automatically", "actually", "really", "generally",
                  "first", "second", "third", "fourth", "fifth", "last", "next", "previous", "following", "above", "below",
                  "new", "old", "former", "latter", "same", "other", "step", "chapter", "section", "part", "example",
                  "figure", "table", "exercise", "lesson",
                  "mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "king", "queen", "prince", "princess", "count",
                  "countess", "duke", "duchess", "captain", "general", "colonel", "saint", "st", "uncle", "aunt"}
# An answer that points back at the text around it: "returns it", "... as the first one", "the latter".
_POINTING = re.compile(r"^(?:it|its|them|this|these|those|his|her|him|their)\b|\b(?:former|latter|above|below)\b|"
                       r"\b(?:the|this|that) (?:\w+ )?one\b", re.I)
# An answer that names no thing: "several ways to ...", "a number of variables", "some neat features".
_VAGUE = re.compile(r"^(?:several|some|many|various|a (?:number|lot|few|couple|variety|range) of|lots of|different|a few|"
                    r"other|more|most|all sorts of)\b", re.I)
MIN_ANSWER, MAX_ANSWER = 3, 18  # words: what it does, one thing, not a paragraph
# A verb with the preposition that takes its object: "scales to the number of ...", "connects with ...". (Not "in",
# "at", "by": those say where or how it is done, not to what.)
_OBJECT_PREPOSITIONS = {"to", "into", "with", "from", "across", "between", "over", "onto", "through"}
# "Tidal power is also called ...", "Sticky labels are printed on ...": a subject of at least two words (or a name),
# a verb of naming or one in the passive with the preposition its answer hangs from.
_NOT_A_NOUN_PHRASE = {"is", "are", "was", "were", "be", "and", "or", "but", "has", "have"}  # (pointers: _NOT_IN_A_NAME)
_PASSIVE = re.compile(r"^(?P<article>(?:An?|The) )?(?P<subject>[A-Za-z][\w\-./]*(?: [\w\-./]+){0,5}?) (?P<be>is|are) "
                      r"(?:(?P<also>also) )?(?P<verb>called|known as|referred to as|"
                      r"(?!(?:indeed|need|speed|seed|feed|bleed|breed)\b)[a-z]{3,}ed (?:at|in|on|to|into|for|with|using|by)) "
                      r"(?P<rest>[^;:?!,]+?)\.?$")


def does(sentence: str, headings: set[str], common: set[str], topic: str = "") -> tuple[str, str] | None:
    """("What does “X” verb?", what it verbs) when ``sentence`` says what a named thing does. ``headings``: the
    notes' headings, normalised (a subject that names a section is a term of the notes); ``common``: the words
    the notes are about (what the notes' subject does is the whole notes, no one fact); ``topic``: for a list item,
    the heading it stands under when that names one thing (a bullet "Translates street names into map points"
    under "Geocoder" says what the geocoder does)."""
    sentence = sentence.strip()
    opener, _, tail = sentence.partition(" ")
    if topic and opener[:1].isupper() and _VERB.get(opener.lower(), ("", ""))[1] == "does":
        if len(topic.split()) > 5 or not _subject(topic, common) or tail.split(" ", 1)[0].lower() in _VERB:
            return None  # "Scales measure flour": a plural noun, not a verb without its subject
        verb = _VERB[opener.lower()][0]
        return _what(f"What does “{topic}” {verb}?", verb, tail.rstrip("."))
    m = _SENTENCE.match(sentence)
    if not m:
        return _passive(sentence, headings, common)
    subject, (verb, aux), rest = m.group("subject"), _VERB[m.group("verb")], m.group("rest").strip()
    words = subject.split()
    if not _subject(subject, common):
        return None
    if set(w.lower() for w in words) & stopwords():
        return None  # "Small Farms have a stake ...": the verb came later; no noun phrase is the subject
    if words[0].lower() in _DETERMINERS or words[0].lower() in PREPOSITIONS or words[0].lower().endswith("ly") \
            or not _named(subject, headings):
        return None  # "Quickly handle ...": no subject; "Sailors carry ...": an ordinary word starting a sentence
    if aux == "do" and (m.group("article") or any(w.lower() in _VERB for w in rest.split()[:3])):
        return None  # "The Tools create": a plural with an article is no name; "Seed drill depth sets the ...": the
        # subject ran on past a noun that is also a verb
    pre = m.group("pre") or ""
    article = (m.group("article") or "").lower()
    return _what(f"{pre}{'w' if pre else 'W'}hat {aux} {article}“{subject}” {verb}?", verb, rest)


def _what(asked: str, verb: str, rest: str) -> tuple[str, str] | None:
    """The card asking ``asked`` with what the verb does as its answer, when that is one definite thing."""
    if re.search(r"\b(?:may|might|could|would|will|should|must|not|never)\b", rest) or HEDGED.search(rest) \
            or re.search(r",\s+(?:and|but|or|so|which|while)\s|\s[—–-]\s|\bas well\b|\betc\b", rest) or not balanced(rest):
        return None  # a guess, two facts at once, or a list left open
    you = _FOR_YOU.match(rest)
    if you:
        rest = you.group("what")
        if verb not in ("allow", "let", "enable"):
            return None  # "provides you with ...", "requires users ...": the object is not what it does
        asked = f"{asked[:-1]} you {'do' if verb == 'let' else 'to do'}?"
    if not MIN_ANSWER <= len(rest.split()) <= MAX_ANSWER or len(content_words(rest)) < 2 or _VAGUE.match(rest):
        return None
    opener = rest.split()[0].lower()
    if opener in _OBJECT_PREPOSITIONS and not you:
        asked, rest = f"{asked[:-1]} {opener}?", rest.split(" ", 1)[1]  # "What does “X” scale to?"
    elif opener in PREPOSITIONS or _POINTING.search(rest):
        return None  # "... runs in minutes": no object; "... returns it", "... the old one": one pointing back
    return asked, rest


def _passive(sentence: str, headings: set[str], common: set[str]) -> tuple[str, str] | None:
    """("What is “X” also called?", the other name), ("What are “X” enabled at?", where) from a sentence in the
    passive."""
    m = _PASSIVE.match(sentence)
    if not m:
        return None
    subject, rest, article = m.group("subject"), m.group("rest").strip(), (m.group("article") or "").lower()
    first = subject.split()[0].lower()
    if first in _DETERMINERS or first in PREPOSITIONS or HEDGED.search(sentence) or not balanced(rest) or not _subject(subject, common) \
            or not (len(content_words(subject)) >= 2 or _named(subject, headings)) or (not article and subject[0].islower()) \
            or {w.lower() for w in subject.split()} & _NOT_A_NOUN_PHRASE \
            or {w.lower() for w in subject.split()[1:]} & (_DETERMINERS - {"the", "a", "an"}) or re.match(r"(?:used|meant|designed|intended|expected|"
                                                                                   r"supposed|required|allowed|needed) to", m.group("verb")):
        return None  # "The value is ...": which value; "It is also called": what is; "is used to ...": a purpose;
        # "Notes on all sources are ...": a quantity inside is no one thing
    naming = m.group("verb") in ("called", "known as", "referred to as")
    if naming:
        if not 1 <= len(rest.split()) <= 6:
            return None
        return f"What {m.group('be')} {article}“{subject}” {m.group('also') or ''} {m.group('verb')}?".replace("  ", " "), rest
    if re.match(r"(?:default|far|now|then|hand|means of|be|have|terms of|order|a way|addition|general|practice|fact|\d)\b", rest) or _VAGUE.match(rest) or not MIN_ANSWER - 1 <= len(rest.split()) <= MAX_ANSWER \
            or len(content_words(rest)) < 2 or re.search(r"\b(?:and|or)\b", rest) or _POINTING.search(rest):
        return None  # "by default", "by far": no place; "... at A and B": two
    return f"What {m.group('be')} {article}“{subject}” {m.group('verb')}?", rest


def _subject(subject: str, common: set[str]) -> bool:
    """A subject that can be one fact's: no adverb, clause word, pointer or title in it, no option letter ("P
    prefix"), not the one word the notes are about ("Steam Turbine" is one thing of many in notes full of turbines)."""
    words = subject.split()
    lower = {w.lower() for w in words}
    return not (lower & _NOT_IN_A_NAME or any(w.lower().endswith("ly") for w in words) or any(len(w) == 1 for w in words)
                or len(lower) < len(words) or (len(words) == 1 and normalize(subject) in common))


def _named(subject: str, headings: set[str]) -> bool:
    """Whether the notes treat ``subject`` as a name: a heading of theirs, or capitals past the first letter of the
    sentence ("Heat Exchangers", "GPU", "PageRank"). A lone capitalised word may be one only for starting the
    sentence ("Sailors carry ...")."""
    if normalize(subject) in headings:
        return True
    words = subject.split()
    first = words[0]
    return any(w[0].isupper() for w in words[1:]) or any(ch.isupper() for ch in first[1:])
