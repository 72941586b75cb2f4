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


def folders_of_each_note(html: str) -> dict[str, list[str]]:
    """For each note's box in the sources panel: the folder boxes it sits under, outermost first."""
    from html.parser import HTMLParser

    class Tree(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open: list[str | None] = []  # per open <li>: its folder, or None
            self.found: dict[str, list[str]] = {}
            self.pending: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "li":
                self.open.append(None)
            elif tag == "input" and "data-folder" in a:
                self.open[-1] = a["data-folder"]
            elif tag == "input" and "data-source" in a:
                self.found[a["data-source"]] = [f for f in self.open if f]

        def handle_endtag(self, tag):
            if tag == "li":
                self.open.pop()

    tree = Tree()
    tree.feed(html)
    return tree.found


def test_sources_panel_groups_notes_under_their_folders_with_a_remove_each():
    from app.ui_sources import panel_html

    files = {"notes/a.md": {"passages": 2}, "notes/bio/cells.md": {"passages": 3},
             "notes/bio/plants/leaf.md": {"passages": 1}, "notes/hist/rev.md": {"passages": 4},
             "notes/bad.pdf": {"passages": 0, "error": "not a PDF"}}
    html = panel_html(files)
    assert folders_of_each_note(html) == {"notes/a.md": [], "notes/bio/cells.md": ["bio/"],
                                          "notes/bio/plants/leaf.md": ["bio/", "bio/plants/"],
                                          "notes/hist/rev.md": ["hist/"]}  # the unreadable PDF is not offered
    assert ">cells.md · 3 passages</label>" in html and ">leaf.md · 1 passage</label>" in html
    assert re.search(r'data-folder="bio/" checked><span><span class="src-folder-name">bio/</span> · 2 notes', html)
    assert html.count('data-action="ask"') == 4 and 'aria-label="Remove notes/bio/plants/leaf.md"' in html
    assert "Remove leaf.md from your notes?" in html
    # notes from two folders given to the ingest: each folder is a level of its own
    two = folders_of_each_note(panel_html({"notes/a.md": {"passages": 1}, "slides/b.pdf": {"passages": 1}}))
    assert two == {"notes/a.md": ["notes/"], "slides/b.pdf": ["slides/"]}
    assert "No notes indexed yet" in panel_html({})


def test_the_ticks_a_question_carries_pick_the_files_it_searches():
    import json

    from app.ui_sources import picked

    files = {"notes/a.md": {"passages": 2}, "notes/bio/cells.md": {"passages": 3}, "notes/new.md": {"passages": 1},
             "notes/bad.pdf": {"passages": 0, "error": "not a PDF"}}
    sent = lambda ticked, listed: json.dumps({"ticked": ticked, "listed": listed})  # noqa: E731
    listed = ["notes/a.md", "notes/bio/cells.md", "notes/new.md"]
    assert picked(sent(["notes/bio/cells.md"], listed), files) == {"notes/bio/cells.md"}
    assert picked(sent(listed, listed), files) is None  # everything ticked: no restriction at all
    assert picked(sent([], listed), files) == set()  # nothing ticked: nothing to search (the chat says so)
    # a note indexed after the panel was drawn is searched until the student unticks it
    assert picked(sent(["notes/a.md"], listed[:2]), files) == {"notes/a.md", "notes/new.md"}
    # an API client's plain list; a panel not drawn yet, or anything unreadable: every file
    assert picked(["notes/a.md"], files) == {"notes/a.md"}
    for nothing in ("", "<div>html</div>", None, sent([], []), json.dumps({"ticked": "x"})):
        assert picked(nothing, files) is None, nothing
