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
    # none from: an ordinary word capitalised for starting a sentence; a vague answer; an adverb, a pointer or a
    # title in the subject; an answer that points back
    "Sailors carry spare rope on every long voyage across the sea.",
    "The Control Room produces several kinds of alarm for the night shift.",
    "Grid Operators also distribute reserve power for the evening peak.",
    "The Second Method returns the same result as the first one.",
    "Lord Ashby carries the sealed letter to the harbour master.",
    "The Cooling Loop transfers it to the outer ring of the plant.",
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
    }  # and none of the others


def test_a_noun_phrase_runs_up_to_the_verb():
    # "have a stake": the subject would hold a verb; "Seed Drill depth sets": "Seed" read as the verb
    assert does("Small Farms have a stake in the new cooperative of the valley.", set(), set()) is None
    assert does("Seed Drill depth sets the rows of the field apart.", set(), set()) is None
    assert does("It transfers warmth between two fluids without mixing them.", set(), set()) is None


def test_a_list_item_without_its_subject_says_what_its_heading_names_does():
    item = ["- Translates street names into points on the map"]
    assert _facts(item, heading="Geocoder") == {"What does “Geocoder” translate?": "street names into points on the map"}
    assert _facts(item, heading="Summary") == {}  # a part of the document, no thing
    # in a paragraph, a first word that could be a verb is the sentence's subject ("Translates" of a scribe's work)
    prose = ["Translates street names into points on the map.\nThe Geocoder service runs every night on the server."]
    assert _facts(prose, heading="Geocoder") == {}
    assert _facts(["- Scales measure flour and sugar for the dough"], heading="Kitchen Tools") == {}  # a noun


def test_a_passive_sentence_asks_for_its_other_name_or_its_place():
    assert does("Encryption in transit is also called TLS.", set(), set()) == ("What is “Encryption in transit” also called?", "TLS")
    assert does("The Upper Chamber is also known as the Senate.", set(), set()) == \
        ("What is the “Upper Chamber” also known as?", "the Senate")
    assert does("The Apple Skin is reddened in the autumn months.", set(), set()) is not None
    assert does("The Apple Skin is red in the autumn months.", set(), set()) is None  # "red" is no participle
    assert does("The true address of the caller is inserted in the header Forwarded-For.", set(), set()) == \
        ("What is the “true address of the caller” inserted in?", "the header Forwarded-For")
    assert does("The lock is used to guard the shared queue.", set(), set()) is None  # a purpose, not a place
    assert does("Latency is measured in terms of distance to the region.", set(), set()) is None


def test_the_subject_of_the_whole_notes_is_no_fact_card():
    # a word in every passage is what the notes are about: "What does “Brewing” produce?" asks for all of them
    texts = [f"Brewing produces {w} flavours from the malt and the hops in the kettle." for w in
             ["bitter", "sweet", "sour", "dry", "rich", "light"]]
    assert _facts(texts, heading="Brewing") == {}
