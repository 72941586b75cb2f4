"""Bad input: a clear message naming the file, the rest indexed, nothing lost."""
from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from app.cli import cli
from index import HashEmbedder, build, load

from .conftest import make_pdf


def encrypted_pdf(path, password):
    import pypdf

    src = path.with_suffix(".plain.pdf")
    make_pdf(src, ["Secret lecture about IAM policies."])
    writer = pypdf.PdfWriter(clone_from=str(src))
    writer.encrypt(user_password=password, owner_password="owner", algorithm="AES-128")
    with open(path, "wb") as fh:
        writer.write(fh)
    src.unlink()


@pytest.fixture
def bad_notes(tmp_path):
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "good.md").write_text("# Good\nSQS decouples producers from consumers.\n")
    (notes / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage\n%%EOF")
    encrypted_pdf(notes / "locked.pdf", "secret")
    encrypted_pdf(notes / "open-encrypted.pdf", "")
    (notes / "empty.md").write_bytes(b"")
    (notes / "binary.md").write_bytes(bytes(range(256)) * 4)
    (notes / "latin.txt").write_bytes("Caf\xe9 notes: r\xe9sum\xe9 of queues\n".encode("cp1252"))
    (notes / "name with spaces ü.md").write_text("# Ü\nUmlaut notes about streams.\n")
    os.symlink("loop.md", notes / "loop.md")
    os.symlink("..", notes / "sub" / "parent-loop")
    make_pdf(notes / "blank.pdf", ["", ""])  # pages without any text layer
    return notes


def test_every_bad_file_is_reported_and_the_rest_indexed(isolated_home, bad_notes):
    result = CliRunner().invoke(cli, ["ingest", "--json", str(bad_notes)], catch_exceptions=False)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    failed = {f["path"]: f["error"] for f in report["failed"]}
    assert "PDF" in failed["notes/corrupt.pdf"]
    assert "password" in failed["notes/locked.pdf"]
    assert "empty" in failed["notes/empty.md"]
    assert "binary" in failed["notes/binary.md"]
    assert "symlink loop" in failed["notes/loop.md"]
    assert "OCR it first" in failed["notes/blank.pdf"]
    for message in failed.values():  # each says what to do
        assert ";" in message
    indexed = {c.source for c in load(isolated_home).chunks}
    assert indexed == {"notes/good.md", "notes/latin.txt", "notes/name with spaces ü.md", "notes/open-encrypted.pdf"}
    assert "warning: notes/latin.txt: not valid UTF-8; decoded as cp1252" in result.stderr
    for path in failed:
        assert f"failed: {path}:" in result.stderr
    assert any("résumé" in c.text for c in load(isolated_home).chunks)


def test_unreadable_file_is_reported(isolated_home, tmp_path, monkeypatch):
    # Tests run as root, where chmod 000 does not stop reading: simulate the OS refusing.
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ok.md").write_text("# OK\nReadable notes on Lambda.\n")
    (notes / "secret.md").write_text("# S\nHidden.\n")
    import ingest.files as files

    real = files.file_hash

    def refuse(path):
        if path.name == "secret.md":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(files, "file_hash", refuse)
    report = build(isolated_home, [notes], HashEmbedder(64))
    assert report.failed == [{"path": "notes/secret.md", "error": "permission denied; make it readable (chmod +r) and ingest again"}]
    assert report.passages == 1


def test_a_note_that_stops_reading_keeps_its_last_good_version_searchable(isolated_home, tmp_path):
    """A save cut short turns a Word file into garbage: the failure is told at every ingest, and the note's last
    good version stays in the index until the file reads again (then it is simply unchanged) or is removed."""
    from app.ui_notes import notes_table
    from index.build import KEPT

    import docx

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ok.md").write_text("# OK\nReadable notes on Lambda.\n")
    doc = docx.Document()
    doc.add_paragraph("Kinesis shards carry one megabyte per second each.")
    doc.save(notes / "plan.docx")
    good, first_mtime = (notes / "plan.docx").read_bytes(), (notes / "plan.docx").stat().st_mtime_ns
    build(isolated_home, [notes], HashEmbedder(64))
    (notes / "plan.docx").write_bytes(os.urandom(4000))
    for _ in range(2):  # told again while it stays broken
        report = build(isolated_home, [notes], HashEmbedder(64))
        assert [f["path"] for f in report.failed] == ["notes/plan.docx"] and report.failed[0]["error"].endswith(KEPT)
        index = load(isolated_home)
        assert any("Kinesis shards" in c.text for c in index.chunks) and report.passages == 2
        assert KEPT in notes_table(index.files, report.passages, "hash:64")
    stat = (notes / "plan.docx").stat()
    (notes / "plan.docx").write_bytes(good)
    os.utime(notes / "plan.docx", ns=(stat.st_atime_ns, first_mtime))  # restored from a backup, its time and all
    report = build(isolated_home, [notes], HashEmbedder(64))
    assert not report.failed and report.unchanged == 2 and not load(isolated_home).files["notes/plan.docx"].get("kept")
    assert "index unchanged" in build(isolated_home, [notes], HashEmbedder(64)).summary()
    (notes / "plan.docx").write_bytes(os.urandom(4000))
    build(isolated_home, [notes], HashEmbedder(64))
    (notes / "plan.docx").unlink()
    report = build(isolated_home, [notes], HashEmbedder(64))
    assert report.removed == 1 and all(c.source == "notes/ok.md" for c in load(isolated_home).chunks)


@pytest.mark.slow  # a 4 MB note, 40,000 passages
def test_large_text_file_is_indexed_with_progress(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    paragraph = "Kinesis shards carry records in order. Each shard takes one megabyte per second of writes.\n\n"
    (notes / "big.txt").write_text("".join(f"Note {i}: " + paragraph for i in range(40_000)))  # ~4 MB
    seen = []
    report = build(isolated_home, [notes], HashEmbedder(64), on_progress=lambda stage, done, total, *file: seen.append((stage, done, total)))
    assert report.passages > 5000 and not report.failed

    embeds = [s for s in seen if s[0] == "embed"]
    assert len(embeds) > 1 and embeds[-1][1] == embeds[-1][2]


def test_a_very_long_line_is_cut_into_sentences_in_linear_time():
    """A note that is one 2 MB line (an export with no line breaks) must not stall the ingest: ten times the text
    takes about ten times as long to cut at its sentence ends, not a hundred times (it took 734 s)."""
    import time

    from ingest.sentences import sentence_ends

    def seconds(text):
        started = time.perf_counter()
        sentence_ends(text)
        return time.perf_counter() - started

    line = "Dr. Smith went home at 5 p.m. and the meeting ended. "
    small, large = seconds(line * 2_000), seconds(line * 20_000)
    assert large < 30 * max(small, 1e-3)


def test_when_no_note_can_be_indexed_each_one_still_says_why(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Only a heading\n")
    (notes / "b.docx").write_bytes(os.urandom(3000))
    result = CliRunner().invoke(cli, ["ingest", str(notes)])
    assert result.exit_code == 1
    assert "failed: notes/a.md: no text to index" in result.stderr and "failed: notes/b.docx: not a readable Word" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("Error: None of the notes could be indexed")
    as_json = CliRunner().invoke(cli, ["ingest", "--json", "-q", str(notes)])
    assert as_json.exit_code == 1 and {f["path"] for f in json.loads(as_json.stdout)["failed"]} == {"notes/a.md", "notes/b.docx"}
