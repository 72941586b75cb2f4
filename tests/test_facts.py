"""Fact cards: what a named thing does ("What do “Heat Exchangers” transfer?"), and what a thing is also called or
where it is done, from a sentence in the passive; none from a pronoun, an ordinary word, a vague answer or the
subject of the whole notes."""
from __future__ import annotations

from app.review.cards import generate
from app.review.facts import does
from ingest import Chunk

TEXTS = [
    "Plate Heat Exchangers transfer warmth between two fluids without mixing them.",
    "A Border Gateway connects with the routers of neighbouring networks over a session.",
    "The Relief Valve (spring loaded) allows you to release pressure from the tank by hand.",
    "Shipping labels are printed at the dispatch desk of each warehouse.",
    # an ordinary word capitalised for starting a sentence; a pronoun; a vague answer; an adverb in the subject
    "Sailors carry spare rope on every long voyage across the sea.",
    "It transfers warmth between two fluids without mixing them.",
    "The Control Room provides several ways to watch the whole plant.",
    "Grid Operators also distribute reserve power for the evening peak.",
    # a verb in the subject ("have a route"): no noun phrase before the verb
    "Public Subnets have a route to the internet gateway of the network.",
]


def _facts(texts: list[str], heading: str = "Plant notes") -> dict[str, tuple[str, str]]:
    chunks = [Chunk(f"notes/{i}.md", heading, t, 1, 1, None, (), (1,)) for i, t in enumerate(texts)]
    return {c.question: c.answer for c in generate(chunks) if c.kind == "fact"}


def test_what_a_named_thing_does_is_asked_with_the_notes_own_verb():
    assert _facts(TEXTS) == {
        "What do “Plate Heat Exchangers” transfer?": "warmth between two fluids without mixing them",
        "What does a “Border Gateway” connect with?": "the routers of neighbouring networks over a session",
        "What does the “Relief Valve” allow you to do?": "release pressure from the tank by hand",
        "What are “Shipping labels” printed at?": "the dispatch desk of each warehouse",
    }  # and none of the others: no name, a pronoun, a vague answer, an adverb, a verb in the subject


def test_a_bullet_without_its_subject_says_what_its_heading_names_does():
    cards = _facts(["Translates street names into points on the map"], heading="Geocoder")
    assert cards == {"What does “Geocoder” translate?": "street names into points on the map"}
    assert _facts(["Translates street names into points on the map"], heading="Summary") == {}  # no thing


def test_a_passive_sentence_asks_for_its_other_name_or_its_place():
    assert does("Encryption in transit is also called TLS.", set(), set()) == ("What is “Encryption in transit” also called?", "TLS")
    assert does("The true address of the caller is inserted in the header Forwarded-For.", set(), set()) == \
        ("What is the “true address of the caller” inserted in?", "the header Forwarded-For")
    assert does("The lock is used to guard the shared queue.", set(), set()) is None  # a purpose, not a place
    assert does("Latency is measured in terms of distance to the region.", set(), set()) is None


def test_the_subject_of_the_whole_notes_is_no_fact_card():
    # a word in every passage is what the notes are about: "What does “Brewing” produce?" asks for all of them
    texts = [f"Brewing produces {w} flavours from the malt and the hops in the kettle." for w in
             ["bitter", "sweet", "sour", "dry", "rich", "light"]]
    assert _facts(texts, heading="Brewing") == {}
