"""The Notes tab's table and lines over real bad files: a file that never indexed shows why and what to do, never an
index time; a file kept from its last good version says so; the lines shown after an upload or a removal stay true
once the index has followed, and the tab's poll sees every change of the index (whoever started the ingest)."""
from __future__ import annotations

import re
import time
from html.parser import HTMLParser

from app.config import Settings
from app.service import Study
from app.ui_notes import add_uploads, notes_table, remove_note
from index import HashEmbedder, build, load

from .test_bad_input import encrypted_pdf

DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")


def rows(html: str) -> dict[str, dict[str, str]]:
    """Each row of the notes table as {cell: text}: 'indexed', 'status' (and 'file', 'passages')."""

    class Table(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found: dict[str, dict[str, str]] = {}
            self.row: str | None = None
            self.cells: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag == "tr" and dict(attrs).get("data-source"):
                self.row, self.cells = dict(attrs)["data-source"], []
            elif tag == "td" and self.row:
                self.cells.append("")

        def handle_data(self, data):
            if self.row and self.cells:
                self.cells[-1] += data

        def handle_endtag(self, tag):
            if tag == "tr" and self.row:
                self.found[self.row] = dict(zip(["file", "passages", "indexed", "status"], self.cells))
                self.row = None

    table = Table()
    table.feed(html)
    return table.found


def test_a_file_that_never_indexed_shows_its_failure_and_what_to_do_and_a_kept_one_its_last_good_version(
        isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text("# Good\nSQS decouples producers from consumers.\n")
    (notes / "plan.md").write_text("# Plan\nKinesis shards carry one megabyte per second each.\n")
    encrypted_pdf(notes / "locked.pdf", "secret")
    (notes / "empty.md").write_bytes(b"")
    build(isolated_home, [notes], HashEmbedder(64))
    good_version = load(isolated_home).files["notes/plan.md"]["indexed_at"]
    (notes / "plan.md").write_bytes(bytes(range(256)) * 4)  # the note turns to garbage: its last good version stays
    build(isolated_home, [notes], HashEmbedder(64))
    index = load(isolated_home)
    files = index.files
    assert files["notes/locked.pdf"].get("indexed_at") and files["notes/plan.md"].get("kept")  # what the table reads

    table = rows(notes_table(files, len(index.chunks), "hash:64"))
    for source in ("notes/locked.pdf", "notes/empty.md"):
        row = table[source]
        assert row["indexed"] == "never" and not DATE.search(" ".join(row.values())), row
        assert f"not indexed: {files[source]['error']}" in row["status"] and "or remove it" in row["status"], row
    assert "password" in table["notes/locked.pdf"]["status"] and "empty" in table["notes/empty.md"]["status"]
    kept = table["notes/plan.md"]
    assert kept["indexed"] == time.strftime("%Y-%m-%d %H:%M", time.localtime(good_version))
    assert "shows the last good version" in kept["status"] and "binary" in kept["status"], kept
    assert DATE.fullmatch(table["notes/good.md"]["indexed"]) and table["notes/good.md"]["status"] == "ok"
    # a file of a kind study does not read: never indexed either
    skipped = rows(notes_table(files, 1, "m", skipped=[{"path": "notes/song.mp3", "reason": "not a kind study reads"}]))
    assert skipped["notes/song.mp3"]["indexed"] == "never"


def test_what_the_tab_says_after_an_upload_or_a_removal_stays_true_once_the_index_has_followed(
        isolated_home, tmp_path, monkeypatch):
    """The upload's and the removal's lines say what was done, not how far the index is: they stay on the page
    after the index has followed (the status line, which the poll keeps current, says how far)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\nLambda runs code without servers.\n")
    study = Study(Settings(home=isolated_home, notes=notes, model="hash:64"))
    study.searcher()
    cache = tmp_path / "uploads"
    cache.mkdir()
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))  # where the page's uploads arrive
    (cache / "b.md").write_text("# B\nKinesis streams keep records for a day.\n")
    said, worker = add_uploads(study, [str(cache / "b.md")])
    worker.join(60)
    assert "notes/b.md" in study.searcher().index.files  # the index has followed ...
    text = re.sub("<[^>]+>", "", said)
    assert text == "saved b.md", text  # ... and the line still true: no "indexing…"
    said, worker = remove_note(study, "notes/b.md")
    worker.join(60)
    assert "notes/b.md" not in study.searcher().index.files
    assert re.sub("<[^>]+>", "", said) == "Removed notes/b.md."


def test_the_poll_sees_every_change_of_the_index_and_nothing_else(isolated_home, tmp_path):
    """notes_view's stamp: the same while nothing changes (the poll then sends nothing, and a Remove confirmation
    the student has open stays open); new after an ingest, whoever started it (the folder watcher, the Ask tab)."""
    from app.ui_notes import notes_view

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\nLambda runs code without servers.\n")
    study = Study(Settings(home=isolated_home, notes=notes, model="hash:64"))
    line, table, stamp = notes_view(study)
    assert "notes/a.md" in table and "Last indexing: 1 added" in line and notes_view(study)[2] == stamp
    (notes / "c.md").write_text("# C\nEFS is a network file system.\n")
    study.ingest()  # as the folder watcher does
    line, table, after = notes_view(study)
    assert "notes/c.md" in table and "1 added, 0 updated, 0 removed, 1 unchanged" in line and after != stamp
    study.status.running = True  # an ingest under way: the line says so, and the stamp changes with it
    assert "ingest-running" in notes_view(study)[0] and notes_view(study)[2] != after


def test_the_last_indexing_line_and_the_running_flag_follow_overlapping_ingests(isolated_home, tmp_path, monkeypatch):
    """An upload's ingest and the folder watcher's may overlap: the page says indexing until the last one ends, and
    the watcher's second ingest, which finds nothing new, does not replace the line about the file just added."""
    import threading

    from app import service
    from app.ui_suggest import index_summary

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\nLambda runs code without servers.\n")
    study = Study(Settings(home=isolated_home, notes=notes, model="hash:64"))
    study.ingest()
    (notes / "b.md").write_text("# B\nKinesis streams keep records for a day.\n")
    study.ingest()
    assert study.status.summary.startswith("1 added")
    study.ingest()  # the watcher's, a moment later: nothing new
    assert study.status.summary.startswith("1 added"), study.status.summary

    release, entered = threading.Event(), threading.Event()
    real_build = service.build

    def slow_build(*args, **kwargs):
        if threading.current_thread().name == "slow":
            entered.set()
            release.wait(30)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(service, "build", slow_build)
    slow = threading.Thread(target=study.ingest, name="slow")
    slow.start()
    assert entered.wait(30)
    study.ingest()  # ends first
    assert study.status.running  # the other one is still under way
    release.set()
    slow.join(30)
    assert not study.status.running

    # "last indexed" is when something was indexed, not when a file failed to be read
    files = {"notes/a.md": {"indexed_at": 1_000_000}, "notes/x.pdf": {"indexed_at": 2_000_000_000, "error": "encrypted"}}
    assert time.strftime("%Y-%m-%d", time.localtime(1_000_000)) in index_summary(files, 3)
