"""Notebooks, reStructuredText, Org, UTF-16/32 text, skipped kinds, and the citation contract every reader shares."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import NoteFile, discover, load, normalize
from ingest.blocks import Block, chunk_blocks
from tests.conftest import SHARED, stands_in

PEERS = SHARED / "peer-files-2"
needs_peers = pytest.mark.skipif(not PEERS.exists(), reason="needs ../shared/peer-files-2")


def _load(path: Path, source: str | None = None):
    return load(NoteFile(path, source or f"notes/{path.name}"))


def _notebook(path: Path, cells: list[dict], language: str = "python") -> Path:
    path.write_text(json.dumps({"cells": cells, "metadata": {"language_info": {"name": language}},
                                "nbformat": 4, "nbformat_minor": 5}))
    return path


def _cell_text(cell: dict) -> str:
    """A cell as the numbering rule reads it: its source, then its text outputs (independent of the reader)."""
    def text(v):
        return "".join(v) if isinstance(v, list) else (v or "")
    parts = [text(cell.get("source"))]
    for out in cell.get("outputs", []):
        parts.append(text(out.get("text")) + text((out.get("data") or {}).get("text/plain")))
    return "\n".join(parts)


def _assert_cells_hold(path: Path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    result = _load(path)
    assert result.error is None and result.chunks
    for c in result.chunks:
        assert c.unit == "cell" and 1 <= c.first <= c.last <= len(cells)
        cited = " ".join(_cell_text(cells[i - 1]) for i in range(c.first, c.last + 1))
        assert stands_in(c.text, cited), (c.citation, c.text[:80])
    return result.chunks


def test_notebook_cites_cells_and_keeps_headings(tmp_path):
    nb = _notebook(tmp_path / "lab.ipynb", [
        {"cell_type": "markdown", "source": ["# Clustering lab\n", "\n", "We group customers by spending."]},
        {"cell_type": "code", "source": "model = KMeans(n_clusters=3)\nmodel.fit(X)", "outputs": [
            {"output_type": "stream", "name": "stdout", "text": ["inertia 41.7\n"] + [f"row {i}\n" for i in range(50)]}]},
        {"cell_type": "markdown", "source": "## Choosing k\n\nThe elbow method plots inertia against the number of clusters."},
        {"cell_type": "raw", "source": "raw text for a converter"},
    ])
    chunks = _assert_cells_hold(nb)
    by_text = {c.text.split("\n")[0]: c for c in chunks}
    elbow = next(c for c in chunks if "elbow method" in c.text)
    assert elbow.citation == "notes/lab.ipynb, cell 3" and elbow.heading == "Clustering lab > Choosing k"
    code = next(c for c in chunks if "KMeans" in c.text)
    assert code.kind == "code" and code.locator == "cell 2" and "inertia 41.7" in code.text
    assert "row 20" not in code.text  # outputs are kept short
    assert not any("raw text for a converter" in c.text for c in chunks)
    assert code.unit_json() == {"kind": "cell", "start": 2, "end": 2, "chapter": None}
    assert by_text


@needs_peers
@pytest.mark.parametrize("name", ["regression-tools-solution.ipynb", "regression-data-lesson-R.ipynb"])
def test_peer_notebooks_hold_their_cells(name):
    chunks = _assert_cells_hold(PEERS / name)
    assert any(c.kind == "code" for c in chunks) and any(c.kind != "code" for c in chunks)


def test_broken_notebook_is_one_line(tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text('{"cells": [ {"cell_type": "markdown", "source": "x"')
    result = _load(bad)
    assert result.error.startswith("is not a valid notebook (JSON error at line 1")
    assert "\n" not in result.error and "Jupyter" in result.error and result.chunks == []


def _assert_lines_hold(path: Path, chunks):
    lines = path.read_text(encoding="utf-8").splitlines()
    for c in chunks:
        assert stands_in(c.text, " ".join(lines[c.start_line - 1 : c.end_line])), (c.citation, c.text[:80])


def test_rst_titles_and_code(tmp_path):
    doc = tmp_path / "guide.rst"
    doc.write_text("=====\nGuide\n=====\n\nIntro words that say what the guide covers in enough detail to stand.\n\n"
                   "Install\n-------\n\nRun the installer, then restart the machine before the first use.\n\n"
                   ".. code:: bash\n\n   make install\n   make check\n\nAfter the code block the text goes on.\n\n"
                   "Options\n~~~~~~~\n\nEvery option has a default and can be set in the environment.\n")
    result = _load(doc)
    assert result.error is None
    _assert_lines_hold(doc, result.chunks)
    heads = {c.heading for c in result.chunks}
    assert "Guide > Install" in heads and "Guide > Install > Options" in heads
    code = next(c for c in result.chunks if c.kind == "code")
    assert "make install" in code.text and code.start_line == 14
    assert not any("=====" in c.text or "code::" in c.text for c in result.chunks)


def test_org_headings_blocks_and_links(tmp_path):
    doc = tmp_path / "plan.org"
    doc.write_text("#+TITLE: Plan\n* Week one :school:\nRead [[https://example.org/ch1][chapter one]] and the ~notes.md~ file before class "
                   "(see [[file:my notes.org][my own notes]]); "
                   "it sets out the plan for the term, the readings for each week and how the marks are given.\n"
                   "** TODO Exercises\nSolve the exercises at the end of the chapter, then check them with a friend.\n"
                   "#+BEGIN_SRC python\nprint('hi')\n#+END_SRC\n")
    result = _load(doc)
    assert result.error is None
    first = next(c for c in result.chunks if "chapter one" in c.text)
    assert first.heading == "Plan > Week one" and "https" not in first.text and first.start_line == 3
    assert "(see my own notes)" in first.text and "file:" not in first.text  # a link to a file name with spaces too
    assert next(c for c in result.chunks if "Solve" in c.text).heading == "Plan > Week one > Exercises"
    assert any(c.kind == "code" and "print" in c.text for c in result.chunks)


@needs_peers
@pytest.mark.parametrize("name", ["README.rst", "README.org"])
def test_peer_markup_holds_its_lines(name):
    result = _load(PEERS / name)
    assert result.error is None
    _assert_lines_hold(PEERS / name, result.chunks)
    assert {c.heading for c in result.chunks} >= {"Example Docs", "Example Docs > XBRL 10-K"}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_wide_unicode_text(tmp_path, encoding):
    text = "Café notes\n\nThe mitochondrion is the powerhouse of the cell.\nNaïve Bayes assumes independent features.\n"
    path = tmp_path / "wide.txt"
    path.write_bytes(text.encode(encoding))  # "utf-16"/"utf-32" write a BOM, the -le/-be forms none
    result = _load(path)
    assert result.error is None and not result.warnings
    joined = "\n".join(c.text for c in result.chunks)
    assert "Naïve Bayes" in joined and "powerhouse" in joined
    assert next(c for c in result.chunks if "Naïve" in c.text).end_line == 4


@needs_peers
def test_peer_wide_texts_read_like_utf8():
    for name in ["fake-text-utf-16.txt", "fake-text-utf-16-be.txt", "fake-text-utf-32.txt"]:
        result = _load(PEERS / name)
        assert result.error is None and "Hamburgers are delicious" in " ".join(c.text for c in result.chunks), name


def test_unreadable_kinds_are_listed_with_a_reason(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\n\nSome words.\n")
    (notes / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (notes / "data.xlsx").write_bytes(b"PK")
    (notes / ".hidden.xlsx").write_bytes(b"PK")
    found, skipped = discover([notes])
    assert [f.source for f in found] == ["notes/a.md"]
    reasons = {s["path"]: s["reason"] for s in skipped}
    assert set(reasons) == {"notes/old.doc", "notes/data.xlsx"}
    assert "save it as .docx" in reasons["notes/old.doc"]
    assert ".xlsx" in reasons["notes/data.xlsx"] and ".pptx" in reasons["notes/data.xlsx"]


def test_ingest_json_lists_skipped(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from app.cli import cli

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\n\nThe cell membrane controls what enters the cell.\n")
    (notes / "talk.key").write_bytes(b"x")
    monkeypatch.setenv("STUDY_NOTES", str(notes))
    result = CliRunner().invoke(cli, ["ingest", "--json", str(notes)])
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["skipped"] == [{"path": "notes/talk.key", "reason": ".key files cannot be read; export it as .pptx and ingest again"}]
    assert report["failed"] == [] and result.exit_code == 0


def test_locators_read_as_a_person_reads_them():
    blocks = [Block(1, "Caching", level=1), Block(1, "Write-through writes the cache and the database together.")]
    slide = chunk_blocks(blocks, "notes/l3.pptx", "slide", whole=True)[0]
    assert slide.citation == "notes/l3.pptx, slide 1" and slide.heading == "Caching"
    paras = chunk_blocks([Block(n, f"Sentence {n} says one thing about caches and keys.") for n in (310, 311, 314)],
                         "notes/t.docx", "paragraph")[0]
    assert paras.locator == "¶ 310-314" and paras.unit_json() == {"kind": "paragraph", "start": 310, "end": 314, "chapter": None}
    chapter = chunk_blocks([Block(12, "A line of the chapter."), Block(15, "Another line.")], "notes/b.epub",
                           "chapter", chapter=3)[0]
    assert chapter.citation == "notes/b.epub, chapter 3, ¶ 12-15"
    assert chapter.unit_json() == {"kind": "chapter", "start": 12, "end": 15, "chapter": 3}
    # and the sentence inside a paragraph passage is cited to its own paragraph
    assert paras.cite(311, 311) == "notes/t.docx, ¶ 311"


def test_opened_in_context_shows_the_neighbouring_units(tmp_path):
    from app.render import unit_context

    nb = _notebook(tmp_path / "lab.ipynb", [{"cell_type": "markdown", "source": f"Cell {i} explains step {i} of the method in detail. " * 9}
                                            for i in range(1, 8)])
    chunks = _load(nb).chunks
    cited = next(c for c in chunks if c.first == 4)
    html = unit_context(cited, chunks, ["Cell 4 explains step 4 of the method in detail."])
    assert "cell 3" in html and "cell 5" in html and "cell 1" not in html  # the cells around it, not the whole file
    assert "<mark><b>Cell 4 explains" in html


def test_cards_from_new_kinds_cite_their_unit(tmp_path):
    import docx

    from app.review.cards import generate
    from app.render import _card_passage

    document = docx.Document()
    document.add_heading("Cell biology", 1)
    document.add_paragraph("Osmosis is the diffusion of water across a semipermeable membrane toward the higher solute concentration.")
    document.add_paragraph("The sodium-potassium pump moves 3 sodium ions out of the cell for every 2 potassium ions it brings in.")
    document.add_paragraph("Ribosomes are the site of protein synthesis, reading messenger RNA three bases at a time.")
    path = tmp_path / "bio.docx"
    document.save(path)
    chunks = _load(path).chunks
    cards = generate(chunks)
    assert cards
    paragraphs = [p.text for p in docx.Document(path).paragraphs if p.text.strip()]
    for card in cards:
        assert card.unit == "paragraph" and card.citation.startswith("notes/bio.docx, ¶ "), card.citation
        cited = " ".join(paragraphs[card.start_line - 1 : card.end_line])
        assert normalize(card.answer) in normalize(cited), (card.citation, card.answer)
        assert _card_passage(card, chunks) is not None  # the review opens it in context
