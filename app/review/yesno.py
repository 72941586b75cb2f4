"""Yes/no cards from a sentence that says what something cannot do, does not do or is not, or what it can do:
"If the master is not encrypted, the read replicas cannot be encrypted" -> "If the master is not encrypted, can
the read replicas be encrypted?" (No).

What the notes rule out is what a student most often gets wrong, and a question asked as a question is answered
from memory, not from the words around a blank. Both answers occur ("can" gives Yes), so "No" is no safe guess.
The question is the sentence itself with its verb turned around, so it stays as exact as the notes.

Rule cards, from a sentence that states a condition and what follows from it ("If a cookie expires, the session is
no longer sticky"): the condition asked, what follows answered, both in the notes' own words.
"""
from __future__ import annotations

import re

from .fitness import _INSTRUCTION, _PREPOSITIONS, Terms, balanced, content_words

# An optional opening clause ("If the master is not encrypted, "), the subject (a few words, no verb of its own),
# the verb with its negation, and the rest: what is ruled out.
_CLAUSE = r"(?P<pre>(?:If|When|Once|Unless|While|Whilst|After|Before|By default|In \w+(?: \w+)?)\b[^,;:]{0,80},\s+)?"
_SUBJECT = r"(?P<subject>[A-Za-z][\w\-/.()'’ ]{1,60}?)"
_TURNS = {  # the verb as the sentence writes it (apostrophes straight) -> the question's opening word, and the answer
    "cannot": ("can", "No"), "can not": ("can", "No"), "can't": ("can", "No"), "does not": ("does", "No"),
    "doesn't": ("does", "No"), "do not": ("do", "No"), "don't": ("do", "No"), "is not": ("is", "No"),
    "isn't": ("is", "No"), "are not": ("are", "No"), "aren't": ("are", "No"), "can": ("can", "Yes"),
}
_VERB = "|".join(sorted((re.escape(v).replace("'", "['’]") for v in _TURNS), key=len, reverse=True))
_SENTENCE = re.compile(rf"^{_CLAUSE}{_SUBJECT}\s+(?P<verb>{_VERB})\s+(?P<rest>[a-z][^;:?!]{{5,}}?)\.?$")
# A subject that is no thing of the subject matter: a pronoun pointing back, or words that are a clause of their own.
_NOT_A_SUBJECT = {"it", "this", "that", "these", "those", "they", "he", "she", "there", "which", "what", "who", "one",
                  "i", "we", "us", "such", "someone", "anyone", "everyone", "nobody", "something", "anything", "everything",
                  # a quantity of the subject: "some states do not allow" does not answer "do some states allow?"
                  "some", "many", "most", "few", "several", "certain", "various", "other", "others", "not", "no"}
_VERBLIKE = re.compile(r"\b(?:is|are|was|were|be|been|has|have|had|will|would|should|could|may|might|must|and|or|but|"
                       r"because|which|that|who|if|when)\b", re.I)
_HEDGED = re.compile(r"\b(?:maybe|perhaps|probably|possibly|sometimes|usually|often|might|appears?|seems?|likely)\b", re.I)
_REASON = re.compile(r"\b(?:because|since|as (?:it|they|the|this|that|there|we|you))\b", re.I)
_COMPARES = re.compile(r"\b(?:the same|similar|alike|different|differently)\b", re.I)
_SMALL = {"a", "an", "the", "you", "your"}  # never a name, whatever the notes' capitals
MAX_WORDS = 25  # a longer sentence holds more than one fact to say yes or no to


def yes_no(sentence: str, terms: Terms) -> tuple[str, str] | None:
    """(question, "Yes" or "No") when ``sentence`` says that its subject can, cannot, does not or is not something."""
    if len(sentence.split()) > MAX_WORDS:
        return None
    m = _SENTENCE.match(sentence.strip())
    if not m:
        return None
    subject, verb, rest = m.group("subject").strip(), m.group("verb").replace("’", "'"), m.group("rest").strip()
    first = subject.split()[0]
    if first.lower() in _NOT_A_SUBJECT or _VERBLIKE.search(subject) or len(subject.split()) > 8:
        return None
    if _HEDGED.search(f"{subject} {rest}") or re.search(r",\s+(?:and|but|or|so)\s|\s[—–-]\s", rest) or first.lower() in _PREPOSITIONS or _REASON.search(rest) \
            or _COMPARES.search(rest):
        return None  # "can maybe ...", "..., and must try ...", "... as it can neither ...", "... the same features
        # as ...": a guess, two facts at once, the question carrying its own reason, or a "no" that hides what differs
    if verb == "can" and (first.lower() == "you" or rest.split()[0] in ("be", "also", "only", "still", "now", "then")):
        return None  # "you can print a table", "can be used as ...": what a tutorial lets you do is no fact to recall
    turned, answer = _TURNS[verb]
    pre = m.group("pre") or ""
    if not pre and (first.lower() in _SMALL or (not first.isupper() and (terms.cased[first.lower()] or terms.cased[first] < 2))):
        # "Aliases cannot ..." -> "Can aliases ...": an ordinary word, capitalised for starting the sentence (not
        # "ALB", nor a name the notes always capitalise)
        subject = first.lower() + subject[len(first):]
    opener = turned if pre else turned.capitalize()
    return f"{pre}{opener} {subject} {rest.rstrip('.')}?", answer



# A rule of the subject: "If a cookie expires, the session is no longer sticky" -> "If a cookie expires, then …?".
# A condition and what follows from it is what a student applies; the card keeps the notes' own words on both sides.
_IF = re.compile(r"^(?P<cond>(?:If|When|Whenever|Once(?! more| again| upon)) [^,;:]{8,100}),\s+(?:then\s+)?(?P<result>[^;:]{12,}?)\.?$")
# A story tells what happened once ("When the captain returned, the crew was asleep"); a rule holds now: no verb
# of the past (a story's "was", "had", "said" are in nearly every such sentence).
_PAST = re.compile(r"\b(?:was|were|had|did|came|went|said|saw|got|began|became|took|told|asked|replied|thought|knew|"
                   r"felt|seemed|looked)\b", re.I)
_NAMED_DID = re.compile(r"\b[A-Z][a-z]+ [a-z]+ed\b")  # "When Prince Andrew entered": someone did something, once
# What follows that is no consequence: the comma split a list ("..., or sentiment ..."), an example ("such as"),
# or advice that holds whatever the condition ("it is important to ...").
_NOT_A_RESULT = re.compile(r"(?:or|and|but|such|i\.e|e\.g|it is|it['’]s (?:best|important|better))\b", re.I)
# A condition without its subject, as a reference entry writes it under the name it describes ("If set to on, ...",
# "If not given, ..."): the card would not show what is set.
_ELIDED = {"set", "unset", "supplied", "given", "enabled", "disabled", "specified", "omitted", "present", "not", "so",
           "possible", "necessary", "needed", "true", "false", "successful", "found", "none", "zero", "nonzero",
           "non-zero", "available", "required", "empty", "used", "called", "invoked"}
# A part of a command a reference entry describes under its name: an option flag, its arguments or operands.
_ENTRY_PART = re.compile(r"(?<![\w\-])--?[A-Za-z][\w\-]*|\b(?:arguments?|operands?)\b")
MAX_RESULT = 20  # words: what follows is one consequence, not a paragraph


def then(sentence: str) -> tuple[str, str] | None:
    """("If X, then …?", what follows) when ``sentence`` states a rule: a condition and its consequence, both
    saying something (two content words at least in the condition, three in what follows), not a walkthrough's
    "if we ..." run."""
    m = _IF.match(sentence.strip())
    if not m or "?" in sentence or _PAST.search(sentence):
        return None
    cond, result = m.group("cond"), m.group("result").strip()
    opener = result.split()[0].lower().strip(",")
    if _NOT_A_RESULT.match(result) or _NAMED_DID.search(cond) or opener in _INSTRUCTION or opener in _PREPOSITIONS \
            or opener == "however" or re.search(r"\b(?:we|us|our)\b", cond, re.I):
        return None
    if _ENTRY_PART.search(cond):
        return None  # "If the -l flag is given, ...", "If any arguments are supplied, ...": of a command not shown
    if cond.split()[1].endswith("ing") or cond.split()[1].lower() in _ELIDED:
        return None  # "When starting a journey, men ...", "If set to zero, ...": what it is said of is not shown
    if len(content_words(cond.split(" ", 1)[1])) < 2 or len(content_words(result)) < 3 or len(result.split()) > MAX_RESULT:
        return None
    if _HEDGED.search(result) or re.search(r"\b(?:may|would|could)\b", result) or not balanced(cond, ("()",)) \
            or re.search(r"\bexamples?\b|\be\.g\.", cond) or re.match(r"^\w+(?: \w+)? (?:or|and) \w+(?: \w+)?,", result):
        return None  # "it may have ...", "it would be nice ...": no rule; "If ... (e.g. the (x, y) ...": cut in a
        # bracket; "If it reaches a break, continue or return statement, ...": the comma was a list's
    return f"{cond}, then …?", result
