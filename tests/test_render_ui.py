"""The pieces of the web page that are plain functions: suggested questions, the index summary line, the notes
table and removing a note (never outside the notes folder)."""
from __future__ import annotations

import re
import time

import pytest

from app import ui_suggest
from app.ui_notes import RemoveRefused, ingest_status_html, note_path, notes_table
from app.ui_suggest import index_summary, suggestions
from ingest import Chunk


def chunk(source: str, heading: str, text: str, line: int) -> Chunk:
    return Chunk(source, heading, text, start_line=line, end_line=line, lines=(line,))


def test_suggestions_take_turns_across_files_and_skip_wordless_headings():
    chunks = [chunk("notes/big.md", f"Big > Topic {i}", f"Topic {i} is explained here in several words.", i)
              for i in range(1, 30)]
    chunks += [chunk("notes/small.md", "Small > Photosynthesis", "Chloroplasts capture light energy for plants.", 1),
               chunk("notes/small.md", "Small > Picture", "diagram_1.png", 3),
               chunk("notes/third.md", "Third > Revolutions", "The French revolution started in 1789 in Paris.", 1)]
    ui_suggest._CACHE[:] = [None, []]
    got = suggestions(chunks, n=5)
    assert len(got) == 5 and len(set(got)) == 5
    assert "What do my notes say about Photosynthesis?" in got and "What do my notes say about Revolutions?" in got
    assert not any("Picture" in q for q in got)
    # the big file gives the rest, spread over it rather than its first headings only
    big = [q for q in got if "Topic" in q]
    assert len(big) == 3 and "What do my notes say about Topic 1?" in big and "Topic 29" in " ".join(big)


def test_index_summary_line():
    when = time.mktime((2026, 11, 30, 13, 58, 0, 0, 0, -1))
    files = {"notes/a.md": {"indexed_at": when}, "notes/b.pdf": {"indexed_at": when - 60, "error": "not a PDF"},
             "notes/c.md": {"indexed_at": when - 3600}}
    assert index_summary(files, 12, created=when - 10) == \
        "2 files · 12 passages · last indexed 2026-11-30 13:58 · 1 not readable (see Notes)"
    assert index_summary({"notes/a.md": {"indexed_at": when}}, 1) == "1 file · 1 passage · last indexed 2026-11-30 13:58"


def test_notes_table_lists_each_file_once_with_a_remove_action():
    files = {"notes/a.md": {"passages": 3, "indexed_at": 0}, "notes/bad.pdf": {"passages": 0, "error": "not a PDF <x>"}}
    html = notes_table(files, 3, "m", skipped=[{"path": "notes/bad.pdf", "reason": "again"},
                                             {"path": "notes/song.mp3", "reason": "not a kind study reads"}])
    assert html.count("notes/bad.pdf</td>") == 1 and "not indexed: not a PDF &lt;x&gt;" in html
    assert "not read: not a kind study reads" in html
    assert len(re.findall(r'data-action="ask" aria-label="Remove notes/', html)) == 3
    assert "Remove bad.pdf from your notes?" in html and 'data-action="yes"' in html


def test_ingest_status_says_the_summary_not_the_failures_again():
    class Status:
        running, error, summary = False, None, "1 added, 1 failed"
        failed = [{"path": "notes/bad.pdf", "error": "not a PDF"}]
        skipped = []

    out = ingest_status_html(Status())
    assert "1 added, 1 failed" in out and "bad.pdf" not in out


def test_note_path_stays_inside_the_notes_folder(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\n")
    (tmp_path / "secret.md").write_text("x")
    assert note_path(notes, "notes/a.md", {}) == (notes / "a.md").resolve()
    for source, files in [("notes/../secret.md", {}), ("secret.md", {}),
                          ("notes/x.md", {"notes/x.md": {"path": str(tmp_path / "secret.md")}})]:
        with pytest.raises(RemoveRefused):
            note_path(notes, source, files)
    with pytest.raises(RemoveRefused, match="no longer"):
        note_path(notes, "notes/gone.md", {})
    assert (tmp_path / "secret.md").exists()
