"""Citation chips, the viewer they open, and asking within ticked files: plain functions, the fake embedder."""
from __future__ import annotations

import re

from app.answer import Abstention
from app.config import Settings
from app.render import answer_html
from app.service import Study
from app.ui_sources import ask_within, chosen, source_choices
from app.render import chip, cite_href
from app.ui_viewer import parse_href, viewer_html
from index import HashEmbedder, build
from ingest import Chunk

from .conftest import make_pdf


def study_of(tmp_path) -> Study:
    notes = tmp_path / "notes"
    notes.mkdir()
    lines = [f"Filler line {i} about nothing in particular." for i in range(1, 40)]
    lines[19] = "## Queues"
    lines[20] = "Long polling waits for messages and cuts empty responses."
    (notes / "queues.md").write_text("# Q\n" + "\n".join(lines) + "\n")
    (notes / "cells.md").write_text("# Cells\nThe mitochondrion makes ATP for the cell.\n")
    make_pdf(notes / "rocks.pdf", ["Plate tectonics\nPlates move slowly.", "Volcanoes\nMagma rises where plates part."])
    build(tmp_path / "home", [notes], HashEmbedder(256))
    return Study(Settings(tmp_path / "home", notes=notes, model="hash:256", abstention=Abstention(0.0)))


def test_a_chip_names_its_passage_and_comes_back_the_same():
    c = Chunk("notes/a b&c.md", "Sec > Sub", "text", start_line=12, end_line=14)
    href = cite_href(c, {13})
    assert parse_href(href) == {"source": "notes/a b&c.md", "kind": "lines", "start": 12, "end": 14, "chapter": None,
                                "mark": {13}, "p": "", "b": set()}
    html = chip(2, c, {13}, "notes/a b&c.md:13")
    assert html.startswith('<a class="chip" href="#cite?source=notes%2Fa+b%26c.md') and ">[2]</a>" in html
    assert 'title="notes/a b&amp;c.md:13 — Sec &gt; Sub"' in html  # what hovering shows
    assert parse_href("#cite?start=x&mark=1,y,3") == {"source": "", "kind": "lines", "start": None, "end": None,
                                                       "chapter": None, "mark": {1, 3}, "p": "", "b": set()}


def test_every_marker_in_an_answer_is_a_chip_that_opens_its_unit(tmp_path):
    study = study_of(tmp_path)
    answer = study.ask("long polling empty responses")
    searcher = study.searcher()
    html = answer_html(answer, searcher.index.files, searcher.chunks)
    hrefs = re.findall(r'<a class="chip" href="([^"]+)"', html)
    assert hrefs and all(h.startswith("#cite?") for h in hrefs)
    first = parse_href(hrefs[0].replace("&amp;", "&"))
    assert first["source"] == "notes/queues.md" and 22 in first["mark"]  # file line 22: the title, then 20 lines
    shown = viewer_html(first, searcher.index.files, searcher.chunks)
    assert "<h2 tabindex=\"-1\">notes/queues.md:" in shown
    assert re.search(r"<mark><b>Long polling waits for messages", shown)  # the quoted line marked, in bold
    assert "Filler line 9 " in shown and "Filler line 2 " not in shown  # lines around it, not the whole file
    pdf = next(c for c in searcher.chunks if c.source == "notes/rocks.pdf" and c.page == 2)
    page = viewer_html(parse_href(cite_href(pdf)), searcher.index.files, searcher.chunks)
    assert "notes/rocks.pdf p.2" in page and "<mark>" in page and "Magma rises" in page
    gone = viewer_html(parse_href("#cite?source=notes/queues.md&kind=slide&start=3&end=3"), searcher.index.files,
                       searcher.chunks)
    assert "no longer in the index" in gone


def test_a_question_searches_only_the_ticked_files(tmp_path):
    study = study_of(tmp_path)
    files = study.searcher().index.files
    assert [s for _, s in source_choices(files)] == ["notes/cells.md", "notes/queues.md", "notes/rocks.pdf"]
    assert chosen(["notes/cells.md", "notes/queues.md", "notes/rocks.pdf"], files) is None  # all ticked: all
    assert chosen([], files) == set()
    everywhere = ask_within(study, "long polling empty responses", None)
    assert everywhere.hits[0].chunk.source == "notes/queues.md"
    within = ask_within(study, "long polling empty responses", {"notes/cells.md", "notes/rocks.pdf"})
    assert within.hits and {h.chunk.source for h in within.hits} <= {"notes/cells.md", "notes/rocks.pdf"}
    assert [h.rank for h in within.hits] == list(range(1, len(within.hits) + 1))


def test_a_chip_into_a_page_of_several_passages_opens_its_own_with_the_answer_in_bold(tmp_path):
    """A page (or slide) holds several passages: the viewer marks the one the answer cites (with the neighbours
    shown joined with it, index.neighbours), not the page's first, and shows the answer sentence in bold, though
    the page wraps it over lines."""
    notes = tmp_path / "notes"
    notes.mkdir()
    filler = " ".join(f"The first part of the page tells of harbour number {i} and its old grey walls." for i in range(30))
    page = (f"{filler}\n\nThe soldiers of the garrison draw thirteen dollars\na month in pay, paid in "
            "silver at the fort.\nThey spend it on bread.")
    make_pdf(notes / "letters.pdf", ["A short first page about the voyage.", page])
    build(tmp_path / "home", [notes], HashEmbedder(256))
    study = Study(Settings(tmp_path / "home", notes=notes, model="hash:256", abstention=Abstention(0.0)))
    searcher = study.searcher()
    on_page = [c for c in searcher.chunks if c.page == 2]
    assert len(on_page) >= 2 and "thirteen dollars" in on_page[-1].text
    answer = study.ask("How much do the soldiers of the garrison draw a month in pay?")
    html = answer_html(answer, searcher.index.files, searcher.chunks)
    href = re.search(r'thirteen dollars[^<]*<a class="chip" href="([^"]+)"', html).group(1)  # the sentence's chip
    cite = parse_href(href.replace("&amp;", "&"))
    assert (cite["kind"], cite["start"]) == ("page", 2)
    shown = viewer_html(cite, searcher.index.files, searcher.chunks)
    marked = re.findall(r"<mark>(.*?)</mark>", shown, re.S)
    cited = [c for c in on_page if c.text in answer.hits[0].chunk.text]
    assert len(marked) == len(cited) < len(on_page) and "thirteen dollars" in marked[-1]
    assert not any("harbour number 0 " in m for m in marked)  # the page's first passage is not the one cited
    assert re.search(r"<b>The soldiers of the garrison draw thirteen dollars\s+a month in pay", marked[-1])


def test_a_chip_whose_passage_changed_since_the_answer_opens_nothing_else():
    """Two passages on one page; the one a chip names was edited since: the viewer says so instead of marking the
    other one as cited."""
    page = [Chunk("notes/a.pdf", "", text, None, None, 3) for text in ("Alpha passage about tides.", "Beta passage.")]
    old = Chunk("notes/a.pdf", "", "Beta passage, before it was edited.", None, None, 3)
    shown = viewer_html(parse_href(cite_href(old)), {}, page)
    assert "no longer in the index" in shown and "<mark>" not in shown
    assert "<mark>Beta passage.</mark>" in viewer_html(parse_href(cite_href(page[1])), {}, page)
