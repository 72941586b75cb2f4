"""Answers while indexing: a long ingest makes what it has embedded live in steps, each a whole index."""
from __future__ import annotations

import json
import re
import sys
import time

from click.testing import CliRunner

from app.cli import cli
from index import build, load, load_embedder
from index.steps import partial_files


def write_notes(folder, version: int, files: int = 3, facts: int = 120):
    folder.mkdir(exist_ok=True)
    for i in range(files):
        lines = [f"# Topic {i}"]
        for j in range(facts):
            lines += [f"Fact {version}-{i}-{j}: the lighthouse keeper {j} logs tide number {i * 1000 + j}.", ""]
        (folder / f"topic-{i}.md").write_text("\n".join(lines))


class Slow:
    """The fake embedder taking a moment per batch, as a real model does (steps are spaced by time)."""

    def __init__(self):
        self.inner = load_embedder("hash:64")
        self.name, self.dim = self.inner.name, self.inner.dim

    def embed(self, texts):
        time.sleep(0.05)
        return self.inner.embed(texts)


def seen_while_embedding(home, notes, **kwargs) -> list:
    """Build, loading the live index at every embedding batch: what a question asked then would search."""
    seen = []

    def progress(stage, done, total, file=None):
        if stage == "embed":
            index = load(home)
            seen.append((index.folder, [c.source for c in index.chunks], [c.text for c in index.chunks],
                         partial_files(index.files)))

    report = build(home, [notes], Slow(), on_progress=progress, step_seconds=0, **kwargs)
    return seen, report


def test_new_notes_become_answerable_in_steps_in_reading_order(isolated_home, tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules["index.build"], "EMBED_BATCH", 32)  # many batches: many steps
    notes = tmp_path / "notes"
    write_notes(notes, 0)
    write_notes(tmp_path / "other", 9, files=1)  # an index must exist before a reader can see a step
    build(isolated_home, [tmp_path / "other"], load_embedder("hash:64"))
    seen, report = seen_while_embedding(isolated_home, notes)
    steps = [s for s in seen if s[3]]  # indexes with a partly indexed file
    assert report.steps >= 3 and len({s[0] for s in steps}) >= 2
    final = load(isolated_home)
    full_texts = [c.text for c in final.chunks]
    for _, sources, texts, partial in steps:
        # a step holds a prefix of the notes in reading order: whole files, then part of the next
        assert texts == full_texts[: len(texts)]
        started = [(source, done, total) for source, done, total in partial if done]
        assert len(started) <= 1  # at most one file part-way (a step may fall between files), the files after it not begun
        for source, done, total in started:
            assert done < total and sources.count(source) == done
        assert all(sources.count(s) == 0 for s, d, _ in partial if not d)
    assert any(done for step in steps for _, done, _ in step[3])  # some step shows a file part-way
    assert partial_files(final.files) == []


def test_a_changed_note_keeps_its_previous_version_until_its_new_one_is_embedded(isolated_home, tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules["index.build"], "EMBED_BATCH", 32)  # many batches: many steps
    notes = tmp_path / "notes"
    write_notes(notes, 0)
    build(isolated_home, [notes], load_embedder("hash:64"))
    write_notes(notes, 1)
    seen, report = seen_while_embedding(isolated_home, notes)
    assert report.steps >= 1
    mixed = 0
    for _, sources, texts, partial in seen:
        assert partial == []  # every file has a whole version to show
        per_file = {}
        for source, text in zip(sources, texts):
            per_file.setdefault(source, set()).update(re.findall(r"Fact (\d+)-", text))
        assert len(per_file) == 3 and all(len(v) == 1 for v in per_file.values())  # never two versions of one file
        mixed += len(set().union(*per_file.values())) == 2
    assert mixed >= 1  # some step showed new files beside old ones


def test_ask_says_how_much_is_indexed_when_an_ingest_stopped_part_way(isolated_home, tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules["index.build"], "EMBED_BATCH", 32)  # many batches: many steps
    notes = tmp_path / "notes"
    write_notes(notes, 0, files=1)
    build(isolated_home, [notes / "topic-0.md"], load_embedder("hash:64"))
    write_notes(notes, 0, files=2)

    class Killed(Exception):
        pass

    def stop_after_a_step(stage, done, total, file=None):
        if stage == "embed" and partial_files(load(isolated_home).files):
            raise Killed  # as if the ingest died between two steps

    try:
        build(isolated_home, [notes], Slow(), on_progress=stop_after_a_step, step_seconds=0)
    except Killed:
        pass
    monkeypatch.setenv("STUDY_MODEL", "hash:64")
    monkeypatch.setenv("STUDY_NOTES", str(tmp_path / "missing"))  # ask from the index as it is, no ingest
    result = CliRunner().invoke(cli, ["ask", "--local", "--json", "lighthouse tide number 1005"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    share = re.fullmatch(r"partly indexed: (\d+)% of topic-1\.md \(the ingest stopped\); run `study ingest` to finish",
                         answer["indexing"])
    assert share and 0 < int(share.group(1)) < 100
    assert answer["passages"]  # what is indexed answers
    # the next ingest finishes the file, reusing what was embedded
    report = build(isolated_home, [notes], load_embedder("hash:64"))
    assert partial_files(load(isolated_home).files) == [] and report.reused > 0
    assert "indexing" not in json.loads(CliRunner().invoke(cli, ["ask", "--local", "--json", "tide"]).stdout)


def test_no_step_is_written_that_shows_nothing_new(isolated_home, tmp_path, monkeypatch):
    """One changed note among unchanged ones keeps its old version until its new one is done: a step before that
    would be the live index again, rewritten for nothing."""
    monkeypatch.setattr(sys.modules["index.build"], "EMBED_BATCH", 64)
    notes = tmp_path / "notes"
    write_notes(notes, 0)
    build(isolated_home, [notes], load_embedder("hash:64"))
    (notes / "topic-1.md").write_text((notes / "topic-1.md").read_text().replace("lighthouse", "harbour"))
    seen, report = seen_while_embedding(isolated_home, notes)
    assert report.embedded > 64 and report.steps == 0  # several batches, each a chance to write a step
    assert len({folder for folder, *_ in seen}) == 1  # readers stayed on the live index until the final write


def test_re_ingesting_again_and_again_leaves_no_old_index_open(isolated_home, tmp_path):
    """A served index switches version at every re-ingest: the old one's files must be closed, not left for a
    garbage collection that may never come (a long-running server would run out of descriptors)."""
    import gc
    import os

    from app.config import Settings
    from app.service import Study

    notes = tmp_path / "notes"
    write_notes(notes, 0, files=2, facts=20)
    study = Study(Settings(isolated_home, notes=notes, model="hash:64"))
    study.ingest()
    study.ask("lighthouse tide")
    gc.collect()
    gc.disable()  # only reference counting: what frees an old index in a busy server between collections
    try:
        before = len(os.listdir("/proc/self/fd"))
        for version in range(1, 16):
            write_notes(notes, version, files=2, facts=20)
            study.ingest()
            assert study.ask("lighthouse tide").hits
        assert len(os.listdir("/proc/self/fd")) <= before + 2
    finally:
        gc.enable()


def test_the_web_answer_says_how_much_is_indexed(isolated_home, tmp_path, monkeypatch):
    from app.render import answer_html
    from app.service import Study
    from app.config import Settings

    monkeypatch.setattr(sys.modules["index.build"], "EMBED_BATCH", 64)
    notes = tmp_path / "notes"
    write_notes(notes, 0, files=1)
    build(isolated_home, [notes / "topic-0.md"], load_embedder("hash:64"))
    write_notes(notes, 0, files=2)

    def stop_after_a_step(stage, done, total, file=None):
        if stage == "embed" and partial_files(load(isolated_home).files):
            raise KeyboardInterrupt

    try:
        build(isolated_home, [notes], Slow(), on_progress=stop_after_a_step, step_seconds=0)
    except KeyboardInterrupt:
        pass
    study = Study(Settings(isolated_home, notes=tmp_path / "missing", model="hash:64"))
    answer = study.ask("lighthouse tide number 1005")
    html = answer_html(answer, study.searcher().index.files, study.searcher().chunks)
    assert re.search(r'class="indexing-note">partly indexed: \d+% of topic-1\.md', html)


def test_after_an_upgrade_that_changed_passage_rules_no_step_shows_passages_cut_by_the_old_rules(
        isolated_home, tmp_path, monkeypatch):
    """A step keeps a changed file's previous passages while its new ones are embedded, but not when an upgrade
    changed how passages are cut: the old passages (and their file records) would pass for current ones, and a
    crash after that step would leave them in the index for good."""
    from ingest import discover, load as load_note, pack
    from index import integrity

    monkeypatch.setattr(sys.modules["index.build"], "EMBED_BATCH", 64)
    notes = tmp_path / "notes"
    write_notes(notes, 0)
    with monkeypatch.context() as old_rules:
        old_rules.setattr(pack, "MAX_CHARS", 200)  # an older version cut smaller passages
        build(isolated_home, [notes], load_embedder("hash:64"))
    folder = load(isolated_home).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["chunker"] = "blocks-v0"
    manifest["checksum"] = integrity.manifest_checksum(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    files, _ = discover([notes])
    current = {c.text for f in files for c in load_note(f).chunks}
    write_notes(notes, 1, files=1)  # and one note changed: new text to embed, so steps are written

    shown = []

    def progress(stage, done, total, file=None):
        if stage == "embed":
            try:
                shown.append([c.text for c in load(isolated_home).chunks])
            except Exception:  # the old index, before the first step: search refuses it ("run study ingest")
                pass

    build(isolated_home, [notes], Slow(), on_progress=progress, step_seconds=0)
    current |= {c.text for f in discover([notes])[0] for c in load_note(f).chunks}
    assert shown, "no step was written"
    assert all(text in current for step in shown for text in step)


def test_no_later_step_is_written_when_the_whole_index_is_due_sooner():
    """A step rewrites the whole index so far; near the end of a long ingest the final write is moments away, and a
    step then only slows it. The first step is always written: it is what makes a textbook answerable early."""
    from ingest import Chunk
    from index.steps import Steps

    chunks = [Chunk(source="book.pdf", heading="", text=f"passage {i}", page=i + 1) for i in range(100)]
    keys = [[f"k{i}"] for i in range(100)]
    now = [0.0]
    written = []
    steps = Steps(chunks, {"book.pdf": {"path": "book.pdf"}}, keys, lambda source: None,
                  lambda c, f: written.append(len(c)), {}, every=30.0, clock=lambda: now[0])
    known = {}

    def embedded(upto: int, at: float) -> None:  # passages 0..upto-1 embedded by time ``at``, one per second
        known.update({f"k{i}": 0 for i in range(upto)})
        now[0] = at
        steps.after_batch(known)

    embedded(6, 6.0)  # the first step, though the rest is due in 94 s
    embedded(40, 40.0)  # 60 s left: a step
    embedded(75, 75.0)  # 25 s left, more than half the 30 s spacing: a step
    embedded(95, 110.0)  # about 6 s left at the pace so far: the final index is due first
    assert written == [6, 40, 75]


def test_a_first_step_of_a_long_file_never_reads_as_nothing_done():
    """The first step of a 600-page book holds a few pages: "under 1%" of it, not "0%" (which reads as nothing)."""
    from app.service import _share

    assert _share(3, 4339) == "under 1%"
    assert _share(0, 4339) == "0%" and _share(1476, 4339) == "34%" and _share(4339, 4339) == "100%"


def test_a_step_never_ends_a_file_inside_a_sentence_its_next_passage_finishes(tmp_path):
    """A saved page whose line stops mid-sentence where a passage fills up: both halves of that sentence are embedded
    as the whole, a vector keyed by the next passage too. A step taken when only the first passage is embedded
    must not show it alone (its index would need the first half's own vector, which nobody made, and the ingest
    failed); it waits for the next passage."""
    from index import plan
    from index.steps import Steps

    from .conftest import passages_of

    filler = [f"Line {n} of the page tells how the harbour at the mouth of the river was dredged and widened again."
              for n in range(6)]
    lines = filler + ["After retiring, the harbour master said he still",
                      "regretted not finishing the north pier, which was completed in 1994 by the council's engineers.",
                      "The pier is now a walkway."]
    notes = tmp_path / "notes"
    chunks = passages_of(notes, {"page.txt": "\n".join(lines) + "\n"})
    assert len(chunks) == 2 and plan.cut_after(chunks[0], chunks[1])
    made = plan.plan(chunks)
    first = set(made.chunk_keys[0])  # the first passage and its sentences: embedded, the second not yet
    known = {k: None for k in first}
    steps = Steps(chunks, {"notes/page.txt": {"path": "notes/page.txt"}}, made.chunk_keys, lambda source: None,
                  lambda c, f: None, {})
    shown, _, done = steps.contents(known)
    assert done == 0 and shown == []
    known.update({k: None for k in made.chunk_keys[1]})
    shown, _, done = steps.contents(known)
    assert done == 2 and all(k in known for k in plan.sentence_rows(shown)[3])
