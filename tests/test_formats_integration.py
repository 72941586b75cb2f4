"""Integration tier: questions over slides, Word, EPUB, web pages and notebooks find their unit at rank 1 (real model).

The decks, handouts and books are written here with each format's own library, mixed into one folder with the
real course notes and the peer test files as distractors, and indexed by the real ingest.
"""
from __future__ import annotations

import json
import shutil

import pytest

from app.config import Settings
from app.service import Study
from index import build

from .conftest import NOTES, SHARED

pytestmark = pytest.mark.integration

SLIDES = [  # (title, bullets, speaker notes)
    ("Processes and threads", ["A process owns an address space and resources", "Threads of one process share its memory",
                               "A context switch saves registers and the program counter"], "Ask who has used fork()."),
    ("Deadlock", ["Four conditions: mutual exclusion, hold and wait, no preemption, circular wait",
                  "Break any one of them and deadlock cannot happen"], "The dining philosophers make a good example."),
    ("CPU scheduling", ["Round robin gives every runnable thread a fixed time quantum",
                        "Shortest job first minimises the average waiting time but can starve long jobs"], ""),
    ("Virtual memory", ["Pages map virtual addresses to physical frames",
                        "A page fault loads the missing page from disk", "The TLB caches recent translations"],
     "Thrashing happens when the working sets no longer fit in RAM."),
]

HANDOUT = [  # (heading level or 0, text)
    (1, "Cell biology handout"),
    (2, "The membrane"),
    (0, "The plasma membrane is a phospholipid bilayer that lets small nonpolar molecules diffuse straight through."),
    (0, "Ions need channel proteins or pumps; the sodium-potassium pump spends ATP to move three sodium ions out."),
    (2, "Mitochondria"),
    (0, "Mitochondria make most of the cell's ATP by oxidative phosphorylation on the inner membrane."),
    (0, "They carry their own circular DNA, inherited from the mother, which supports the endosymbiotic theory."),
    (2, "Ribosomes"),
    (0, "Ribosomes translate messenger RNA into protein; free ones make cytosolic proteins and bound ones make "
        "proteins for export."),
]

CHAPTERS = [
    ("The ancient sky", ["Babylonian astronomers kept clay-tablet records of Venus for over twenty years.",
                         "Ptolemy's Almagest placed the Earth at the centre, with epicycles to explain retrograde motion."]),
    ("The Copernican turn", ["Copernicus put the Sun at the centre in 1543, though he kept circular orbits.",
                             "Kepler replaced the circles with ellipses after years of work on Tycho Brahe's measurements "
                             "of Mars."]),
    ("Telescopes", ["Galileo saw four moons circling Jupiter in 1610, which showed not everything orbits the Earth.",
                    "Newton built a reflecting telescope with a curved mirror to avoid chromatic aberration."]),
]


def _deck(path):
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for title, bullets, notes in SLIDES:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    table_slide = deck.slides.add_slide(deck.slide_layouts[5])
    table_slide.shapes.title.text = "Page replacement"
    table = table_slide.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate([("Policy", "Evicts"), ("LRU", "the page unused for the longest time"),
                             ("FIFO", "the page loaded first, which can cause Belady's anomaly")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    deck.save(path)


def _handout(path):
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Biology 101 - week 3"
    for level, text in HANDOUT:
        document.add_heading(text, level) if level else document.add_paragraph(text)
    document.save(path)


def _book(path):
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("history-of-astronomy")
    book.set_title("A short history of astronomy")
    book.set_language("en")
    items = []
    for i, (title, paragraphs) in enumerate(CHAPTERS, start=1):
        chapter = epub.EpubHtml(title=title, file_name=f"ch{i}.xhtml", lang="en")
        chapter.content = f"<h1>{title}</h1>" + "".join(f"<p>{p}</p>" for p in paragraphs)
        book.add_item(chapter)
        items.append(chapter)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    epub.write_epub(str(path), book)


def _page(path):
    path.write_text("<!doctype html><html><head><meta charset='utf-8'><title>Tides</title>"
                    "<script>var tracking = 'spring tide';</script></head><body><nav><a href='/'>Home</a></nav>\n"
                    "<h1>Tides</h1>\n<p>Spring tides happen when the Sun and the Moon line up,\n"
                    "at new and full moon, so their pulls add.</p>\n"
                    "<p>Neap tides come at the quarter moons, when the two pulls are at right angles.</p>\n</body></html>\n")


def _notebook(path):
    cells = [{"cell_type": "markdown", "source": "# Gradient descent lab"},
             {"cell_type": "markdown", "source": "The learning rate sets the step size: too large and the loss "
                                                 "diverges, too small and training crawls."},
             {"cell_type": "code", "source": "for epoch in range(100):\n    w -= lr * grad(w)", "outputs": []}]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, real_home):
    _, embedder = real_home
    root = tmp_path_factory.mktemp("mixed")
    notes = root / "notes"
    shutil.copytree(NOTES, notes)
    peers = SHARED / "peer-files-2"
    for name in ("sample-presentation.pptx", "fake-power-point.pptx", "example-list-items-multiple.docx",
                 "docx-tables.docx", "eng_spa_mult.epub", "example-10k-1p.html", "regression-tools-solution.ipynb"):
        if (peers / name).exists():
            shutil.copy(peers / name, notes / name)
    _deck(notes / "os-lecture.pptx")
    _handout(notes / "cells.docx")
    _book(notes / "astronomy.epub")
    _page(notes / "tides.html")
    _notebook(notes / "gradient.ipynb")
    home = root / "home"
    report = build(home, [notes], embedder)
    return Study(Settings(home, notes=notes, model=embedder.name), embedder=embedder), report


CASES = [
    # question, file, unit kind, the number of the unit that answers, chapter
    ("What are the four conditions needed for a deadlock?", "os-lecture.pptx", "slide", 2, None),
    ("Which scheduling policy can starve long jobs?", "os-lecture.pptx", "slide", 3, None),
    ("What is the TLB for?", "os-lecture.pptx", "slide", 4, None),
    ("When does thrashing happen?", "os-lecture.pptx", "slide", 4, None),  # in the speaker notes
    ("Which page replacement policy suffers from Belady's anomaly?", "os-lecture.pptx", "slide", 5, None),  # a table row
    ("How does the sodium-potassium pump move ions?", "cells.docx", "paragraph", 4, None),
    ("Why do mitochondria support the endosymbiotic theory?", "cells.docx", "paragraph", 7, None),
    ("What do bound ribosomes make?", "cells.docx", "paragraph", 9, None),
    # the spine is [nav, ch1, ch2, ch3]: the navigation document is chapter 1; a chapter's h1 is its paragraph 1
    ("Who replaced circular orbits with ellipses?", "astronomy.epub", "chapter", 3, 3),
    ("What did Galileo see around Jupiter?", "astronomy.epub", "chapter", 2, 4),
    ("When do neap tides come?", "tides.html", "lines", 5, None),
    ("What happens when the learning rate is too large?", "gradient.ipynb", "cell", 2, None),
]


def test_every_new_kind_indexes(mixed):
    study, report = mixed
    assert report.failed == []
    files = study.searcher().index.files
    for name in ("os-lecture.pptx", "cells.docx", "astronomy.epub", "tides.html", "gradient.ipynb"):
        assert files[f"notes/{name}"]["passages"] > 0, name


@pytest.mark.parametrize("question,name,kind,number,chapter", CASES)
def test_question_finds_its_unit_at_rank_1(mixed, question, name, kind, number, chapter):
    study, _ = mixed
    answer = study.ask(question)
    top = answer.hits[0].chunk
    where = [h.chunk.citation for h in answer.hits[:3]]
    assert top.source == f"notes/{name}", where
    unit = top.unit_json()
    assert unit["kind"] == kind and unit["start"] <= number <= unit["end"] and unit["chapter"] == chapter, where
    assert not answer.abstained


def test_header_text_is_not_indexed(mixed):
    study, _ = mixed
    assert not any("Biology 101 - week 3" in c.text for c in study.searcher().chunks)


def test_script_text_is_not_indexed(mixed):
    study, _ = mixed
    assert not any("tracking" in c.text for c in study.searcher().chunks if c.source.endswith(".html"))


def test_concept_search_reaches_slides_and_books(mixed):
    study, _ = mixed
    hits = study.search("planetary motion around the sun", k=5)
    assert any(h.chunk.source == "notes/astronomy.epub" and h.chunk.chapter == 3 for h in hits[:3]), \
        [h.chunk.citation for h in hits[:3]]
    hits = study.search("cache of address translations", k=5)
    assert hits[0].chunk.citation == "notes/os-lecture.pptx, slide 4", [h.chunk.citation for h in hits[:3]]
