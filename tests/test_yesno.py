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
