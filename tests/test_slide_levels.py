"""A slide's outline survives reading: sub-bullets show under their point, as a nested Markdown list does."""
from __future__ import annotations

from pathlib import Path

import pytest

from index import HashEmbedder, Searcher, build
from ingest.markdown import chunk_markdown
from ingest.pack import MAX_CHARS, TARGET_CHARS
from ingest.sentences import split_sentences
from ingest.slides import chunk_pptx

OUTLINE = [  # (paragraph level, text) of slide 2's body
    (0, "Pick a transport by what the traffic needs."),
    (0, "Use UDP when:"),
    (1, "latency matters more than delivery"),
    (1, "losing a frame is acceptable"),
    (2, "video calls drop stale frames"),
    (0, "Use TCP for everything else."),
]


def _deck(path: Path, slides: list[tuple[str, list[tuple[int, str]]]], notes: dict[int, list[tuple[int, str]]] | None = None) -> Path:
    from pptx import Presentation

    prs = Presentation()
    for number, (title, body) in enumerate(slides, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        slide.shapes.title.text = title
        _fill(slide.placeholders[1].text_frame, body)
        if notes and number in notes:
            _fill(slide.notes_slide.notes_text_frame, notes[number])
    prs.save(str(path))
    return path


def _fill(frame, outline: list[tuple[int, str]]) -> None:
    for i, (level, text) in enumerate(outline):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text, paragraph.level = text, level


def _transport_deck(path: Path) -> Path:
    return _deck(path, [("Networks", [(0, "Networks move packets between hosts.")]), ("Transport protocols", OUTLINE)])


def _passage(chunks, words: str):
    return next(c for c in chunks if words in c.text)


def test_sub_bullets_are_indented_under_their_point(tmp_path):
    chunks, warnings = chunk_pptx(_transport_deck(tmp_path / "net.pptx"), "notes/net.pptx")
    assert not warnings
    passage = _passage(chunks, "latency matters")
    assert passage.text.split("\n") == [
        "Transport protocols",
        "Pick a transport by what the traffic needs.",
        "Use UDP when:",
        "  - latency matters more than delivery",
        "  - losing a frame is acceptable",
        "    - video calls drop stale frames",
        "Use TCP for everything else.",
    ]
    assert passage.citation == "notes/net.pptx, slide 2"


def test_nested_items_look_as_they_do_in_a_markdown_note(tmp_path):
    chunks, _ = chunk_pptx(_transport_deck(tmp_path / "net.pptx"), "notes/net.pptx")
    slide_lines = _passage(chunks, "latency matters").text.split("\n")
    markdown = "\n".join(f"{'  ' * level}- {text}" for level, text in OUTLINE)
    note_lines = chunk_markdown(markdown.splitlines(), "notes/net.md")[0].text.split("\n")
    nested = [line for line in note_lines if line.startswith(" ")]
    assert len(nested) == 3 and nested == [line for line in slide_lines if line.startswith(" ")]


def test_each_sub_bullet_is_its_own_answer_sentence(tmp_path):
    chunks, _ = chunk_pptx(_transport_deck(tmp_path / "net.pptx"), "notes/net.pptx")
    passage = _passage(chunks, "latency matters")
    sentences = [s for s, _, _ in split_sentences(passage)]
    for level, text in OUTLINE:
        assert text in sentences, sentences  # not run together with the sub-bullet before it
    lines = passage.text.split("\n")
    first, last = next((f, l) for s, f, l in split_sentences(passage) if s == "video calls drop stale frames")
    assert first == last == lines.index("    - video calls drop stale frames")


def test_a_sub_bullet_is_found_by_search_and_cited_to_its_slide(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    _transport_deck(notes / "net.pptx")
    build(isolated_home, [notes], HashEmbedder(256))
    top = Searcher.open(isolated_home, HashEmbedder(256)).search("video calls drop stale frames", k=1)[0]
    assert top.chunk.citation == "notes/net.pptx, slide 2"
    assert "\n    - video calls drop stale frames" in top.chunk.text


def test_speaker_notes_keep_their_outline_too(tmp_path):
    notes = {1: [(0, "Ask the class:"), (1, "which layer retransmits lost segments")]}
    deck = _deck(tmp_path / "d.pptx", [("Reliability", [(0, "TCP retransmits what is lost.")])], notes)
    passage = _passage(chunk_pptx(deck, "notes/d.pptx")[0], "retransmits lost")
    assert passage.text.endswith("Ask the class:\n  - which layer retransmits lost segments")
    assert passage.citation == "notes/d.pptx, slide 1"


def test_a_slide_without_sub_bullets_reads_as_before(tmp_path):
    deck = _deck(tmp_path / "d.pptx", [("Flat", [(0, "First point stands alone."), (0, "Second point too.")])])
    chunks, _ = chunk_pptx(deck, "notes/d.pptx")
    assert [c.text for c in chunks] == ["Flat\nFirst point stands alone.\nSecond point too."]


def test_an_empty_sub_bullet_adds_no_line(tmp_path):
    deck = _deck(tmp_path / "d.pptx", [("Gaps", [(0, "Point with a gap under it:"), (1, "   "), (1, "the real sub-point")])])
    assert chunk_pptx(deck, "notes/d.pptx")[0][0].text == "Gaps\nPoint with a gap under it:\n  - the real sub-point"



def test_a_lead_in_keeps_its_sub_bullets_when_the_slide_runs_past_one_passage(tmp_path):
    points = [(0, f"Bullet number {i} explains a long point about congestion windows and retransmission timers in detail.")
              for i in range(4)]
    items = ["live video, where a late frame is worse than a lost one", "online games that send the whole state every tick",
             "DNS lookups that fit in one datagram and are retried"]
    lead_in = "When the network is lossy and the data is short lived, these three cases favour UDP over TCP:"
    outline = [*points, (0, lead_in), *((1, item) for item in items)]
    chunks, _ = chunk_pptx(_deck(tmp_path / "d.pptx", [("Choosing UDP", outline)]), "notes/d.pptx")
    shown = ["Choosing UDP", *(text for _, text in points), lead_in, *(f"  - {item}" for item in items)]
    assert TARGET_CHARS <= sum(len(line) + 1 for line in shown) <= MAX_CHARS  # one passage can hold it, but only just
    passage = _passage(chunks, lead_in)
    assert all(f"  - {item}" in passage.text.split("\n") for item in items), [c.text for c in chunks]


def test_a_lead_in_moves_with_its_list_when_the_slide_overflows(tmp_path):
    points = [(0, f"Point {i} is an ordinary bullet of about one hundred characters, give or take a few words.")
              for i in range(5)]
    items = [(1, f"item {i} of the list explains one case of when to prefer UDP, about ninety characters long.")
             for i in range(3)]
    chunks, _ = chunk_pptx(_deck(tmp_path / "over.pptx", [("Over", points + [(0, "Use UDP when:")] + items)]),
                           "notes/over.pptx")
    assert len(chunks) == 2 and all(c.citation == "notes/over.pptx, slide 1" for c in chunks)
    lead = _passage(chunks, "Use UDP when:")
    assert all(f"  - item {i} of the list" in lead.text for i in range(3))  # not one item cut from its lead-in


def test_a_long_sub_bullet_keeps_its_indentation_on_every_line(tmp_path):
    long = " ".join(["This sub-point explains a detail at length."] * 14)
    chunks, _ = chunk_pptx(_deck(tmp_path / "long.pptx", [("Long", [(0, "Point:"), (1, long), (1, "short sub")])]),
                           "notes/long.pptx")
    lines = [line for c in chunks for line in c.text.split("\n") if "sub-point" in line]
    assert len(lines) >= 2 and lines[0].startswith("  - This") and all(l.startswith("    This") for l in lines[1:])
