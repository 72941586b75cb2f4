"""Rule cards: a sentence that states a condition and what follows from it, "If the fuse blows, the circuit is
broken" -> "If the fuse blows, then …?" (the circuit is broken).

A condition and its consequence is what a student applies; the card keeps the notes' own words on both sides, and
what follows is graded by meaning, as a definition is. Only a rule that holds now, of a subject the card shows.
"""
from __future__ import annotations

import re

from ..shapes import ANNOUNCES
from .fitness import INSTRUCTIONS, PREPOSITIONS, balanced, content_words
from .yesno import HEDGED

_IF = re.compile(r"^(?P<cond>(?:If|When|Whenever|Once(?! more| again| upon)) [^,;:]{8,100}),\s+(?:then\s+)?(?P<result>[^;:]{12,}?)\.?$")
# A story tells what happened once ("When the captain returned, the crew was asleep"); a rule holds now: no verb
# of the past (a story's "was", "had", "said" are in nearly every such sentence).
_PAST = re.compile(r"\b(?:was|were|had|did|came|went|said|saw|got|began|became|took|told|asked|replied|thought|knew|"
                   r"felt|seemed|looked)\b", re.I)
_NAMED_DID = re.compile(r"\b[A-Z][a-z]+ [a-z]+ed\b")  # "When Captain Moss entered": someone did something, once
# What follows that is no consequence: the comma split a list ("..., or sentiment ..."), an example ("such as"),
# or advice that holds whatever the condition ("it is important to ...").
_NOT_A_RESULT = re.compile(r"(?:or|and|but|such|i\.e|e\.g|it is|it['’]s (?:best|important|better))\b", re.I)
# A condition without its subject, as a reference entry writes it under the name it describes ("If set to true, ...",
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
    if _NOT_A_RESULT.match(result) or _NAMED_DID.search(cond) or opener in INSTRUCTIONS or opener in PREPOSITIONS \
            or opener == "however" or re.search(r"\b(?:we|us|our)\b", cond, re.I):
        return None
    if _ENTRY_PART.search(cond):
        return None  # "If the -q flag is given, ...", "If any arguments are supplied, ...": of a command not shown
    if cond.split()[1].endswith("ing") or cond.split()[1].lower() in _ELIDED:
        return None  # "When leaving a harbour, sailors ...", "If set to zero, ...": what it is said of is not shown
    if len(content_words(cond.split(" ", 1)[1])) < 2 or len(content_words(result)) < 3 or len(result.split()) > MAX_RESULT:
        return None
    if HEDGED.search(result) or re.search(r"\b(?:may|would|could)\b", result) or ANNOUNCES.search(result) or not balanced(cond, ("()",)) \
            or re.search(r"\bexamples?\b|\be\.g\.", cond) or re.match(r"^\w+(?: \w+)? (?:or|and) \w+(?: \w+)?,", result):
        return None  # "it may have ...", "it would be nice ...": no rule; "it changes in several ways": says none; "If ... (e.g. the (a, b) ...": cut in a
        # bracket; "If the tank holds oil, gas or water vapour, ...": the comma was a list's
    return f"{cond}, then …?", result
