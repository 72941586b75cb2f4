"""Yes/no cards from a sentence that says what something cannot do, does not do or is not, or what it can do:
"If the master is not encrypted, the read replicas cannot be encrypted" -> "If the master is not encrypted, can
the read replicas be encrypted?" (No).

What the notes rule out is what a student most often gets wrong, and a question asked as a question is answered
from memory, not from the words around a blank. Both answers occur ("can" gives Yes), so "No" is no safe guess.
The question is the sentence itself with its verb turned around, so it stays as exact as the notes.
"""
from __future__ import annotations

import re

from .fitness import PREPOSITIONS, Terms

# An optional opening clause ("If the master is not encrypted, "), the subject (a few words, no verb of its own),
# the verb with its negation, and the rest: what is ruled out.
_CLAUSE = r"(?P<pre>(?:If|When|Once|Unless|While|Whilst|After|Before|By default|In \w+(?: \w+)?)\b[^,;:]{0,80},\s+)?"
_SUBJECT = r"(?P<subject>[A-Za-z][\w\-/.()'’ ]{1,60}?)"
_TURNS = {  # the verb as the sentence writes it (apostrophes straight) -> the question's opening word, and the answer
    "cannot": ("can", "No"), "can not": ("can", "No"), "can't": ("can", "No"), "does not": ("does", "No"),
    "doesn't": ("does", "No"), "do not": ("do", "No"), "don't": ("do", "No"), "is not": ("is", "No"),
    "isn't": ("is", "No"), "are not": ("are", "No"), "aren't": ("are", "No"), "can": ("can", "Yes"),
    "should not": ("should", "No"), "shouldn't": ("should", "No"), "should never": ("should", "No"),
    "must not": ("should", "No"), "mustn't": ("should", "No"), "must never": ("should", "No"),
}
_VERB = "|".join(sorted((re.escape(v).replace("'", "['’]") for v in _TURNS), key=len, reverse=True))
_SENTENCE = re.compile(rf"^{_CLAUSE}{_SUBJECT}\s+(?P<verb>{_VERB})\s+(?P<rest>[a-z][^;:?!]{{5,}}?)\.?$")
# A subject that is no thing of the subject matter: a pronoun pointing back, or words that are a clause of their own.
_NOT_A_SUBJECT = {"it", "this", "that", "these", "those", "they", "he", "she", "there", "which", "what", "who", "one",
                  "i", "we", "us", "such", "someone", "anyone", "everyone", "nobody", "something", "anything", "everything",
                  # a quantity of the subject: "some states do not allow" does not answer "do some states allow?"
                  "some", "many", "most", "few", "several", "certain", "various", "other", "others", "not", "no",
                  # a clause's opening word: "While the press does not ..., it does ..." has its subject after the comma
                  "while", "whilst", "although", "though", "since", "as", "unless", "whereas"}
_VERBLIKE = re.compile(r"\b(?:is|are|was|were|be|been|has|have|had|will|would|should|could|may|might|must|and|or|but|"
                       r"because|which|that|who|if|when)\b", re.I)
HEDGED = re.compile(r"\b(?:maybe|perhaps|probably|possibly|sometimes|usually|often|might|appears?|seems?|likely)\b", re.I)
_REASON = re.compile(r"\b(?:because|since|as (?:it|they|the|this|that|there|we|you))\b", re.I)
_COMPARES = re.compile(r"\b(?:the same|similar|alike|different|differently)\b", re.I)
_SMALL = {"a", "an", "the", "you", "your"}  # never a name, whatever the notes' capitals
# Advice not to do something, as an instruction: "Never mix bleach with ammonia", "Don't water cacti in winter".
_ADVICE = re.compile(r"^(?:Never|Don['’]t|Do not) (?P<verb>[a-z]+)\b")
_DO_ANYWAY = {"forget", "miss", "worry", "hesitate", "panic", "be", "let", "stop", "wait", "give", "assume", "mind"}  # "Don't forget to ...": a do
# "Never before had ...", "Never again would ...": a story's emphasis, no instruction
_NO_INSTRUCTION = {"before", "again", "once", "ever", "yet", "more", "since", "in", "at", "had", "has", "have", "was",
                   "were", "would", "will", "did", "does", "do", "is", "are", "could", "should", "can", "shall", "may", "might"}
MAX_WORDS = 25  # a longer sentence holds more than one fact to say yes or no to


def yes_no(sentence: str, terms: Terms) -> tuple[str, str] | None:
    """(question, "Yes" or "No") when ``sentence`` says that its subject can, cannot, does not or is not something."""
    if len(sentence.split()) > MAX_WORDS:
        return None
    m = _SENTENCE.match(sentence.strip())
    if not m:
        return _should_not(sentence.strip())
    subject, verb, rest = m.group("subject").strip(), m.group("verb").replace("’", "'"), m.group("rest").strip()
    first = subject.split()[0]
    if first.lower() in _NOT_A_SUBJECT or _VERBLIKE.search(subject) or len(subject.split()) > 8:
        return None
    if HEDGED.search(f"{subject} {rest}") or re.search(r",\s+(?:and|but|or|so)\s|\s[—–-]\s", rest) or first.lower() in PREPOSITIONS or _REASON.search(rest) \
            or _COMPARES.search(rest):
        return None  # "can maybe ...", "..., and must try ...", "... as it can neither ...", "... the same features
        # as ...": a guess, two facts at once, the question carrying its own reason, or a "no" that hides what differs
    if verb == "can" and (first.lower() == "you" or rest.split()[0] in ("be", "also", "only", "still", "now", "then")):
        return None  # "you can print a table", "can be used as ...": what a tutorial lets you do is no fact to recall
    turned, answer = _TURNS[verb]
    pre = m.group("pre") or ""
    if not pre and (first.lower() in _SMALL or (not first.isupper() and (terms.cased[first.lower()] or terms.cased[first] < 2))):
        # "Aliases cannot ..." -> "Can aliases ...": an ordinary word, capitalised for starting the sentence (not
        # "GPU", nor a name the notes always capitalise)
        subject = first.lower() + subject[len(first):]
    opener = turned if pre else turned.capitalize()
    return f"{pre}{opener} {subject} {rest.rstrip('.')}?", answer


def _should_not(sentence: str) -> tuple[str, str] | None:
    """("Should you mix bleach with ammonia?", "No") from advice not to do it."""
    m = _ADVICE.match(sentence)
    if not m or not advises_against(sentence):
        return None
    verb, rest = m.group("verb"), sentence[m.end():].strip().rstrip(".")
    if verb in _DO_ANYWAY or verb.endswith("ing") or HEDGED.search(sentence) or len(rest) < 6 or re.search(r"[;:?!,]", rest) \
            or _VERBLIKE.search(rest) or re.search(r"\bunless\b", rest) \
            or rest.split()[0].lower() in _NOT_A_SUBJECT | {"them", "him", "her"} or len(sentence.split()) > MAX_WORDS:
        return None  # "Don't forget to ...": a do; "... or you will", "... when it is": two at once; "Don't touch them"
    return f"Should you {verb} {rest}?", "No"


def advises_against(sentence: str) -> bool:
    """Whether ``sentence`` is an instruction not to do something: a step, no fact to blank (it may be asked as
    "Should you ...?")."""
    m = _ADVICE.match(sentence)
    return bool(m) and m.group("verb") not in _NO_INSTRUCTION

