"""Recovery: one unreadable file never stops an ingest, and a damaged review.sqlite is moved aside and salvaged."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.review.cards import Card
from app.cli import cli
from app.review.grading import grade
from app.review.store import ReviewStore
from index import build, load, load_embedder
from ingest import discover
from ingest import load as load_file

from .conftest import ROOT, raw_pdf

NOTE = ("# Lambda\n\nLambda functions time out after 15 minutes.\n\n"
        "CloudTrail records every API call made in the account.\n\n"
        "An ENI is a logical component in a VPC that represents a virtual network card.\n")


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def deep_pdf(path: Path, depth: int = 20_000) -> Path:
    """A page tree of `depth` /Pages nodes, each with one kid, the last holding one real page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for n in range(2, 2 + depth):
        parent = f"/Parent {n - 1} 0 R " if n > 2 else ""
        objects.append(f"<< /Type /Pages {parent}/Kids [{n + 1} 0 R] /Count 1 >>".encode())
    page = 2 + depth
    objects.append(f"<< /Type /Page /Parent {page - 1} 0 R /MediaBox [0 0 612 792] "
                   f"/Resources << /Font << /F1 {page + 2} 0 R >> >> /Contents {page + 1} 0 R >>".encode())
    stream = b"BT /F1 12 Tf 72 720 Td (Text at the bottom of a deep tree) Tj ET"
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(FONT)
    return raw_pdf(path, objects)


def bomb_pdf(path: Path, megabytes: int = 200) -> Path:
    """One page whose content stream inflates to `megabytes` MB of zeros (~200 KB on disk), compressed a MB at a time."""
    packer = zlib.compressobj(9)
    zeros = bytes(1 << 20)
    data = b"".join(packer.compress(zeros) for _ in range(megabytes)) + packer.flush()
    return raw_pdf(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        FONT,
    ])


def notes_with(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir(exist_ok=True)
    for name, text in (files or {}).items():
        (notes / name).write_text(text)
    return notes


def run_study(home: Path, *args: str, notes: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "STUDY_HOME": str(home), "STUDY_MODEL": "hash:256"}
    if notes:
        env["STUDY_NOTES"] = str(notes)
    return subprocess.run([sys.executable, "-m", "app", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


# --- ingest: a failure is one file's, never the whole run's ---------------------------------------------------

def test_deep_page_tree_fails_that_pdf_and_the_rest_is_indexed(isolated_home, tmp_path):
    notes = notes_with(tmp_path, {"good.md": "# Good\nSQS decouples producers from consumers.\n"})
    deep_pdf(notes / "deep.pdf")
    report = build(isolated_home, [notes], load_embedder("hash:256"))
    assert [f["path"] for f in report.failed] == ["notes/deep.pdf"]
    assert report.failed[0]["error"].startswith("PDF page tree is too deeply nested or cyclic (")
    assert report.failed[0]["error"].endswith("; re-export or repair it and ingest again")
    assert {c.source for c in load(isolated_home).chunks} == {"notes/good.md"}


def test_compression_bomb_is_reported_as_such_quickly(tmp_path):
    notes = notes_with(tmp_path)
    bomb_pdf(notes / "bomb.pdf")
    assert (notes / "bomb.pdf").stat().st_size < 2_000_000
    start = time.monotonic()
    result = load_file(discover([notes])[0][0])
    assert time.monotonic() - start < 5
    assert re.fullmatch(r"PDF stream decompresses to more than \d+ MB \(a compression bomb or a damaged file\); "
                        r"re-export or repair it and ingest again", result.error), result.error
    assert "OCR" not in result.error and not result.chunks


def test_unexpected_reader_exception_fails_only_that_file(isolated_home, tmp_path, monkeypatch):
    import ingest.files as files

    notes = notes_with(tmp_path, {"bad.md": "# Bad\nboom\n", "long.md": "# Long\ntext\n", "good.md": "# Good\nKinesis shards.\n",
                                  "plain.txt": "Queues hold messages for up to 14 days.\n"})
    real = files.chunk_markdown

    def chunker(lines, source):
        if source.endswith("bad.md"):
            raise RuntimeError("boom")
        if source.endswith("long.md"):
            raise ValueError("first line\nsecond line " + "x" * 5000)
        return real(lines, source)

    monkeypatch.setattr(files, "chunk_markdown", chunker)
    report = build(isolated_home, [notes], load_embedder("hash:256"))
    failed = {f["path"]: f["error"] for f in report.failed}
    assert set(failed) == {"notes/bad.md", "notes/long.md"}
    assert failed["notes/bad.md"].startswith("could not be read (RuntimeError: boom); ")
    assert "\n" not in failed["notes/long.md"] and len(failed["notes/long.md"]) < 400
    assert {c.source for c in load(isolated_home).chunks} == {"notes/good.md", "notes/plain.txt"}


def test_cli_reports_the_deep_pdf_in_one_line(tmp_path):
    notes = notes_with(tmp_path, {"good.md": "# Good\nSQS decouples producers from consumers.\n"})
    deep_pdf(notes / "deep.pdf")
    done = run_study(tmp_path / "home", "ingest", "--quiet", str(notes))
    assert done.returncode == 1, done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == 1 and failed[0].startswith("failed: notes/deep.pdf: PDF page tree is too deeply nested")
    assert "Traceback" not in done.stderr + done.stdout


# --- review.sqlite: damaged files are moved aside, and what can be read is kept ------------------------------

def card(i: int) -> Card:
    return Card(f"c-{i}", "cloze", f"Question {i} ___", f"answer {i}", "notes/x.md", "Sec > Sub", i, i, None)


def reviewed_store(path: Path, reviews: int) -> None:
    store = ReviewStore(path, fuzz=False)
    store.sync([card(i) for i in range(4)])
    for k in range(reviews):  # long answers: the log spans many pages
        store.record(card(k % 4), grade(f"answer {k % 4}", "x" * 150), "x" * 150)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, as after a clean exit
    db.close()


def counts(message: str) -> tuple[int, int]:
    m = re.search(r"recovered (\d+) of (\d+) reviews", message)
    assert m, message
    return int(m.group(1)), int(m.group(2))


def test_garbage_review_file_is_moved_aside_and_replaced(tmp_path):
    path = tmp_path / "review.sqlite"
    garbage = os.urandom(4096)
    path.write_bytes(garbage)
    store = ReviewStore(path)
    aside = list(tmp_path.glob("review.sqlite.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert re.fullmatch(r"review\.sqlite was damaged; moved it to review\.sqlite\.damaged-\d{8}-\d{6} and started a new one; "
                        r"no reviews could be recovered \(cards are regenerated from your notes\)", store.recovered)
    store.sync([card(0)])
    assert store.next_card().id == "c-0" and store.stats()["reviewed"] == 0
    assert ReviewStore(path).stats()["new"] == 1  # the new file is sound: nothing moved again


@pytest.mark.slow  # hundreds of reviews written, then salvaged row by row
def test_truncated_review_file_keeps_the_reviews_it_still_holds(tmp_path):
    path = tmp_path / "review.sqlite"
    reviewed_store(path, 300)
    os.truncate(path, path.stat().st_size // 2)
    store = ReviewStore(path)
    recovered, total = counts(store.recovered)
    assert total == 300 and 0 < recovered < 300
    assert store.stats()["reviewed"] == recovered


@pytest.mark.slow  # hundreds of reviews written, then salvaged row by row
def test_corrupted_middle_page_is_counted_honestly(tmp_path):
    path = tmp_path / "review.sqlite"
    reviewed_store(path, 600)
    pages = path.stat().st_size // 4096
    with open(path, "r+b") as fh:
        fh.seek(pages // 2 * 4096)
        fh.write(os.urandom(4096))
    store = ReviewStore(path)
    recovered, total = counts(store.recovered)
    assert total == 600 and 500 < recovered < 600  # one page of ~20 log rows lost, the rest kept
    assert store.stats()["reviewed"] == recovered
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM state").fetchone()[0] == 4  # every card keeps a schedule
    db.close()


def test_cli_review_on_a_garbage_review_file_warns_and_goes_on(tmp_path):
    home, notes = tmp_path / "home", notes_with(tmp_path, {"lambda.md": NOTE})
    assert run_study(home, "ingest", "--quiet", str(notes)).returncode == 0
    (home / "review.sqlite").write_bytes(os.urandom(4096))
    done = run_study(home, "review", "--limit", "1", notes=notes, stdin="\n")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: review.sqlite was damaged; moved it to ")]
    assert len(warnings) == 1
    assert "Traceback" not in done.stderr + done.stdout and "Reviewed 1 card(s)" in done.stdout


def test_cli_cards_warns_about_a_damaged_review_file(tmp_path, isolated_home, monkeypatch):
    notes = notes_with(tmp_path, {"lambda.md": NOTE})
    monkeypatch.setenv("STUDY_NOTES", str(notes))
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "--quiet", str(notes)]).exit_code == 0
    (isolated_home / "review.sqlite").write_bytes(b"\x00garbage" * 512)
    result = runner.invoke(cli, ["cards"])
    assert result.exit_code == 0 and result.stderr.count("warning: review.sqlite was damaged") == 1


def test_locked_review_file_ends_in_one_line(tmp_path, isolated_home, monkeypatch):
    notes = notes_with(tmp_path, {"lambda.md": NOTE})
    monkeypatch.setenv("STUDY_NOTES", str(notes))
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", "--quiet", str(notes)]).exit_code == 0
    ReviewStore(isolated_home / "review.sqlite")
    monkeypatch.setattr(ReviewStore, "TIMEOUT", 0.2)
    holder = sqlite3.connect(isolated_home / "review.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer that never finishes
    try:
        result = runner.invoke(cli, ["review", "--limit", "1"], input="\n")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"Error: cannot use {isolated_home / 'review.sqlite'}: it is locked by another "
                                                  "program; finish the other review (or stop `study serve`) and try again"]
    assert not isinstance(result.exception, sqlite3.Error)


# --- Markdown: markers that are part of a name are kept --------------------------------------------------------

@pytest.mark.parametrize("line, shown", [
    ("Set window.__pwned and call __init__ on snake__case.", "Set window.__pwned and call __init__ on snake__case."),
    ("**bold** and __strong text__ and ***both*** words", "bold and strong text and both words"),
    ("Use `__init__` and **`x` here**", "Use __init__ and x here"),
])
def test_emphasis_markers_are_removed_only_around_emphasis(tmp_path, line, shown):
    notes = notes_with(tmp_path, {"n.md": f"# T\n{line}\n"})
    [chunk] = load_file(discover([notes])[0][0]).chunks
    assert chunk.text == shown
