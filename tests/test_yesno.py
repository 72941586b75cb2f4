"""Yes/no cards: a sentence that rules something out (or says what a thing can do) asked as a question, and graded
by the yes or no of the reply."""
from __future__ import annotations

from app.review.cards import generate
from app.review.fitness import Terms
from app.review.grading import grade
from app.review.yesno import yes_no
from ingest import Chunk

TEXTS = {
    "Replicas": "If the primary is not encrypted, the standby copies cannot be encrypted either way",
    "Billing": "You do not pay for the machine while the machine is stopped",
    "Routing": "A gateway can route to several target pools at once in one region",
    "Hedged": "Many states do not allow the exclusion of implied warranties in contracts",
    "Reason": "An underfit model is not accurate as it can neither fit its data nor new data",
    "Tutorial": "You can print out a table of metrics about your model in a few lines",
    # a zone's name ("eu-west-2a") is no "us" of a walkthrough
    "Zones": "A disk made in eu-west-2a cannot be attached to a machine in us-east-1b",
    "Walkthrough": "The wizard cannot show us the logs of the last run in the console",
    # a second statement after a dash or ", so" gives the answer away; a subject opening with a preposition is none
    "Dash": "Assignments do not copy data — they just bind names to objects in memory",
    "So": "The parser does not strip indentation from string literals, so tools have to strip it",
    "Preposition": "In other words the folder holding the link is not added to the search path",
    # the clause's subject comes after its comma: "Does while the press have ...?" would be no question
    "Clause": "While the old press does not have a colour drum, it does print fine grey tones",
    # advice not to do something, as a rule of the subject or as an instruction
    "Advice": "Cooking oil should never be poured down a kitchen sink",
    "Never": "Never mix household bleach with ammonia in a closed room",
    "Forget": "Don't forget to label every sample bottle before the trip",
    "Either": "Never store the keys in the code or in the image",
}


def _cards() -> dict[str, tuple[str, str]]:
    chunks = [Chunk(f"notes/{h.lower()}.md", h, t, 1, 1, None, (), (1,)) for h, t in TEXTS.items()]
    return {c.heading: (c.question, c.answer) for c in generate(chunks) if c.kind == "yesno"}


def test_what_the_notes_rule_out_or_allow_is_asked_as_a_question():
    cards = _cards()
    assert cards["Replicas"] == ("If the primary is not encrypted, can the standby copies be encrypted either way?", "No")
    assert cards["Billing"] == ("Do you pay for the machine while the machine is stopped?", "No")
    assert cards["Routing"] == ("Can a gateway route to several target pools at once in one region?", "Yes")
    assert cards["Zones"] == ("Can a disk made in eu-west-2a be attached to a machine in us-east-1b?", "No")
    assert "Walkthrough" not in cards
    assert not {"Dash", "So", "Preposition", "Clause"} & set(cards), cards


def test_advice_not_to_do_something_is_asked_as_should_you():
    cards = _cards()
    assert cards["Advice"] == ("Should cooking oil be poured down a kitchen sink?", "No")
    assert cards["Never"] == ("Should you mix household bleach with ammonia in a closed room?", "No")
    # "don't forget to" asks to do it; "A or B" would be asked as one
    assert not {"Forget", "Either"} & set(cards), cards


def test_no_card_where_yes_or_no_would_mislead_or_give_itself_away():
    cards = _cards()
    # "many states do not" does not answer "do many states?"; a reason inside the question; "you can" in a tutorial
    assert not {"Hedged", "Reason", "Tutorial"} & set(cards), cards


def test_a_pronoun_subject_makes_no_card():
    terms = Terms(["It cannot be attached to another zone at all"])
    assert yes_no("It cannot be attached to another zone at all", terms) is None
    assert yes_no("They do not see the address of the client", terms) is None


def test_the_reply_is_graded_by_its_yes_or_no():
    assert grade("No", "no").name == "easy"
    assert grade("No", "No, they cannot").name == "good"
    assert grade("No", "they can't").name == "good"  # a negation is a no
    assert grade("No", "yes").name == "again"
    assert grade("Yes", "nope").name == "again"
    assert grade("Yes", "yes or no").name == "again"  # both is a guess
    assert grade("Yes", "no idea").name == "again"
    assert "your notes say yes" in grade("Yes", "no").reason


RULES = {
    "Tokens": "If a session token expires, the server rejects every request signed with it",
    "Pumps": "When the inlet pressure falls under the set point, the pump stops and raises an alarm",
    # a story's event, not a rule: past tense
    "Story": "When the captain returned to the harbour, the crew was already asleep on the deck",
    # a walkthrough's run, and a comma that splits a list rather than a condition from its consequence
    "Run": "If we now plot the residuals against the fitted values, we will see a clear funnel shape",
    "Split": "If you count the nouns instead of the verbs, or the adjectives, the totals are much smaller",
    # advice that holds whatever the condition
    "Advice": "When you are writing long reports for a committee, it is important to keep a clear summary",
    # a hedge or a wish is no rule; a comma inside a bracket or between list items is no end of a condition
    "Hedge": "When an error occurs in the parser, it may carry a message for the person reading the log",
    "Bracket": "If the key is a pair (e.g. the (a, b) in the table), it must be written in brackets",
    "List": "If the loop reaches a break, continue or return statement, the cleanup runs just before it",
    # a reference entry's condition, said of the command it describes under its name (not on the card)
    "Elided": "If set to zero, any existing history entries are deleted and no new entries are saved",
    "Flag": "If the -l flag is given, the commands are listed on standard output instead of run",
    "Operands": "If any arguments are supplied, they become the positional parameters of the script",
    "Pointer": "If that file does not exist or cannot be read, the ultimate default is the system one",
    # what follows only announces that something changes
    "Announces": "When a kettle boils dry, the heating element fails in several ways",
}


def _rules() -> dict[str, tuple[str, str]]:
    chunks = [Chunk(f"notes/{h.lower()}.md", h, t, 1, 1, None, (), (1,)) for h, t in RULES.items()]
    return {c.heading: (c.question, c.answer) for c in generate(chunks) if c.kind == "rule"}


def test_a_condition_and_what_follows_from_it_is_asked_as_a_rule():
    cards = _rules()
    assert cards["Tokens"] == ("If a session token expires, then …?", "the server rejects every request signed with it")
    assert cards["Pumps"] == ("When the inlet pressure falls under the set point, then …?", "the pump stops and raises an alarm")
    assert grade("the server rejects every request signed with it", "the server rejects the requests").rating >= 3
    assert grade("the server rejects every request signed with it", "it logs a warning").rating == 1


def test_no_rule_card_from_a_story_a_walkthrough_a_list_or_advice():
    assert set(_rules()) == {"Tokens", "Pumps"}
