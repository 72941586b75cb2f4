"""What an ingest embeds: a sentence of running prose takes its vector from its passage's run, a note's line its own."""
from __future__ import annotations

import numpy as np

from index import build, load, load_embedder
from index.build import BuildReport, embed_reusing
from index.plan import plan
from ingest import Chunk, split_sentences

STORY = ("He waited until she slept before he climbed down to the wheel room. There he lifted the third board\n"
         "and laid the purse beneath it. Then he went up to bed.")


def prose(text: str = STORY) -> Chunk:
    return Chunk("notes/story.txt", "", text, 1, 2, kind="prose")


def note(text: str) -> Chunk:
    return Chunk("notes/a.md", "Queues", text, 1, 1)


def test_a_prose_sentence_is_known_by_its_passage_and_a_note_line_by_its_own_text():
    story, edited = plan([prose()]), plan([prose(STORY.replace("bed", "the loft"))])
    assert len(story.keys) == 1 + len(split_sentences(prose())) == 4
    # the passage changed: every sentence's vector is made again, though two sentences read the same
    assert not set(story.keys) & set(edited.keys)
    assert [n for n, _ in story.within[0]] == [1, 2, 3]
    line, moved = plan([note("SQS decouples services.")]), plan([note("SQS decouples services."), note("Other.")])
    assert line.keys[1] == moved.keys[1] and not line.within  # the same line keeps its vector wherever it moves


class Pooling:
    """A fake encoder with token states: a pooled sentence gets a vector of its own kind, one it cannot place None."""

    name, dim = "hash:8", 8

    def __init__(self):
        self.alone: list[str] = []
        self.pooled: list[tuple[str, list[str]]] = []

    def embed(self, texts):
        self.alone += texts
        return np.tile(np.eye(8, dtype="float32")[0], (len(texts), 1))

    def embed_within(self, items):
        self.pooled += items
        return [[np.eye(8, dtype="float32")[1]] + [None if s.startswith("Then") else np.eye(8, dtype="float32")[2] for s in sentences]
                for _, sentences in items]


def test_prose_passages_are_run_once_for_their_sentences_and_a_sentence_not_found_is_embedded_alone():
    todo = plan([note("SQS decouples services."), prose()])
    encoder = Pooling()
    report = BuildReport()
    vectors = embed_reusing(todo.texts, None, encoder, report, None, keys=todo.keys, within=todo.within)
    assert encoder.pooled == [(prose().search_text, [s for s, _, _ in split_sentences(prose())])]
    assert sorted(encoder.alone) == ["Queues\nSQS decouples services.", "Queues: SQS decouples services.", "Then he went up to bed."]
    assert [int(np.argmax(v)) for v in vectors] == [0, 0, 1, 2, 2, 0]
    assert report.embedded == 6


def test_an_index_with_prose_gets_every_sentence_vector_and_reuses_them(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    lines = [f"Line {i} of a story that runs on, as the man walked down the long road to the mill at night."
             for i in range(14)]
    (notes / "story.txt").write_text("\n".join(lines) + "\n")
    embedder = load_embedder("hash:64")
    first = build(isolated_home, [notes], embedder)
    index = load(isolated_home)
    assert {c.kind for c in index.chunks} == {"prose"}
    assert index.sentence_vectors.read_all().shape[0] == sum(len(split_sentences(c)) for c in index.chunks)
    (notes / "other.md").write_text("# Other\nA new note.\n")
    again = build(isolated_home, [notes], embedder)
    assert first.embedded > 14 and again.embedded == 2  # the story's vectors all reused


def test_an_index_from_before_pooling_gets_its_prose_sentences_pooled_at_the_next_ingest(isolated_home, tmp_path,
                                                                                          monkeypatch):
    """An index written before index.plan kept its version has its prose sentences embedded alone: the next ingest,
    with nothing changed, runs the prose passages for them (the notes' vectors reused), and only once."""
    import json

    from index import integrity

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "story.txt").write_text("\n".join(
        f"Line {i} of a story that runs on, as the man walked down the long road to the mill at night." for i in range(14)) + "\n")
    (notes / "a.md").write_text("# Queues\nSQS decouples services.\n")
    encoder = Pooling()
    with monkeypatch.context() as m:
        m.setattr("index.plan.pooled", lambda chunk: False)  # every sentence embedded alone, as before
        build(isolated_home, [notes], encoder)
    assert encoder.pooled == []
    folder = load(isolated_home).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["plan"]
    del manifest["plan"]  # as an older version wrote it
    manifest["checksum"] = integrity.manifest_checksum(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    alone = len(encoder.alone)
    again = build(isolated_home, [notes], encoder)
    story = [c for c in load(isolated_home).chunks if c.kind == "prose"]
    assert again.written and [text for text, _ in encoder.pooled] == [c.search_text for c in story]
    assert len(encoder.alone) == alone  # the note's passage and sentence reused
    assert again.embedded == len(story) + sum(len(split_sentences(c)) for c in story)
    assert build(isolated_home, [notes], encoder).embedded == 0 and len(encoder.pooled) == len(story)


def test_a_line_said_twice_in_a_passage_has_a_vector_for_each_place():
    twice = prose('"I do not know." He turned to the window. "I do not know."\nShe left the room.')
    keys = plan([twice]).keys
    assert [s for s, _, _ in split_sentences(twice)].count('"I do not know."') == 2 and len(set(keys)) == len(keys)


class SlowPooling(Pooling):
    """Pooling, taking a moment per batch as a real model does (steps are spaced by time)."""

    def embed(self, texts):
        import time

        time.sleep(0.03)
        return super().embed(texts)

    def embed_within(self, items):
        import time

        time.sleep(0.03)
        return super().embed_within(items)


def test_steps_of_the_ingest_that_pools_an_older_index_show_each_file_in_one_version(isolated_home, tmp_path,
                                                                                      monkeypatch):
    """The ingest after an upgrade runs every prose passage again; a step meanwhile shows a file not yet done as far
    as its new version is embedded (its old version's sentence vectors are known by other keys)."""
    import json
    import sys

    from index import integrity

    notes = tmp_path / "notes"
    notes.mkdir()
    for name in ("one", "two"):
        (notes / f"{name}.txt").write_text("\n".join(
            f"Line {i} of the {name} story, as the man walked down the long road to the mill at night." for i in range(60)) + "\n")
    encoder = SlowPooling()
    with monkeypatch.context() as m:
        m.setattr("index.plan.pooled", lambda chunk: False)
        build(isolated_home, [notes], encoder)
    folder = load(isolated_home).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["plan"]
    manifest["checksum"] = integrity.manifest_checksum(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(sys.modules["index.build"], "EMBED_BATCH", 16)  # many batches: many steps
    seen = []

    def progress(stage, done, total, file=None):
        if stage == "embed":
            index = load(isolated_home)
            seen.append(sorted(c.source for c in index.chunks))

    again = build(isolated_home, [notes], encoder, on_progress=progress, step_seconds=0)
    assert again.steps >= 1 and again.written
    final = load(isolated_home)
    assert json.loads((final.folder / "manifest.json").read_text())["plan"]
    assert len(encoder.pooled) == len(final.chunks)  # every passage run once, for its sentences
