"""Ingest embeds with the model's ONNX export (int8): vectors close to the model's, the same for a text however it
is batched, and an ingest of a changed note with the
export in place never loads the model (no torch import)."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from index import build, load, load_embedder
from index.onnx import folder_for

from .conftest import NOTES, ROOT

pytestmark = pytest.mark.integration


def test_passages_are_embedded_by_the_export_close_to_the_model(real_home):
    home, embedder = real_home
    assert (folder_for(home, embedder.name) / "model.onnx").exists()
    index = load(home)
    sample = index.chunks[:40]
    expected = embedder.embed([c.search_text for c in sample])  # the model itself (sentence-transformers)
    cosine = (np.asarray(index.vectors()[:40]) * expected).sum(axis=1)
    # int8 weights: close to the float model, not equal (hit@1 is checked on every corpus by benchmarks/corpora.py)
    assert cosine.min() >= 0.97 and cosine.mean() >= 0.99, (cosine.min(), cosine.mean())


def _small_graph(path, nodes, inputs, weights=()):
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])], initializer=list(weights))
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def _run(path, feeds):
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: feeds[i.name] for i in session.get_inputs()})[0]


def test_the_export_runs_no_nan_guard_nor_mask_and_keeps_every_vector(real_home, tmp_path):
    """The exporter's NaN guard after each attention softmax never fires on a real text, and a text run alone has a
    mask of all ones, which adds zeros to every score: both are dropped from the export (about a tenth of a run's
    time, then a few hundredths more), and what the graph computes does not change by a bit."""
    import onnx
    from onnx import TensorProto, helper

    from index.onnx_graph import simplify

    home, embedder = real_home
    graph = onnx.load(str(folder_for(home, embedder.name) / "model.onnx")).graph
    ops = [n.op_type for n in graph.node]
    assert "Softmax" in ops and "IsNaN" not in ops and "attention_mask" not in {i.name for i in graph.input}

    # the exporter's patterns, in small: Softmax(x + (1 - mask) * min) -> Where(IsNaN(p), 0, p) -> MatMul
    const = lambda name, value: helper.make_node("Constant", [], [name], value=helper.make_tensor(name, TensorProto.FLOAT, [], [value]))
    nodes = [helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT), const("one", 1.0),
             helper.make_node("Sub", ["one", "m"], ["inv"]), const("low", -3.4e38), helper.make_node("Mul", ["inv", "low"], ["bias"]),
             helper.make_node("Add", ["x", "bias"], ["scores"]), helper.make_node("Softmax", ["scores"], ["p"], axis=-1),
             helper.make_node("IsNaN", ["p"], ["nan"]), const("zero", 0.0),
             helper.make_node("Where", ["nan", "zero", "p"], ["safe"]), helper.make_node("MatMul", ["safe", "v"], ["y"])]
    path = tmp_path / "g.onnx"
    _small_graph(path, nodes, [("x", TensorProto.FLOAT, [2, 3]), ("v", TensorProto.FLOAT, [3, 2]),
                               ("attention_mask", TensorProto.INT64, [2, 3])])
    rng = np.random.default_rng(0)
    feeds = {"x": rng.normal(size=(2, 3)).astype("float32"), "v": rng.normal(size=(3, 2)).astype("float32"),
             "attention_mask": np.ones((2, 3), dtype="int64")}
    before = _run(path, feeds)
    assert simplify(path) == ["x", "v"]
    assert [n.op_type for n in onnx.load(str(path)).graph.node] == ["Softmax", "MatMul"]
    assert np.array_equal(before, _run(path, feeds))


def test_a_graph_that_would_change_keeps_its_mask(tmp_path):
    """A model whose mask path adds more than zeros to an unpadded text's scores (here a bias by position) must keep
    it: the export checks its outputs before and after and keeps the graph as traced when they differ."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from index.onnx import _simplified

    nodes = [helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["m", "w"], ["bias"]), helper.make_node("Add", ["x", "bias"], ["scores"]),
             helper.make_node("Softmax", ["scores"], ["p"], axis=-1), helper.make_node("MatMul", ["p", "v"], ["y"])]
    path = tmp_path / "g.onnx"
    _small_graph(path, nodes, [("x", TensorProto.FLOAT, [2, 3]), ("v", TensorProto.FLOAT, [3, 2]),
                               ("attention_mask", TensorProto.INT64, [2, 3])],
                 [numpy_helper.from_array(np.array([0.0, 1.0, 2.0], dtype="float32"), "w")])
    rng = np.random.default_rng(0)
    feeds = {"x": rng.normal(size=(2, 3)).astype("float32"), "v": rng.normal(size=(3, 2)).astype("float32"),
             "attention_mask": np.ones((2, 3), dtype="int64")}
    before = _run(path, feeds)
    assert _simplified(path, [feeds]) == ["x", "v", "attention_mask"]
    assert "Add" in [n.op_type for n in onnx.load(str(path)).graph.node]
    assert np.array_equal(before, _run(path, feeds))


def test_a_text_gets_the_same_vector_however_it_is_batched(real_home):
    """Re-ingest reuses vectors by text: a text's vector must not depend on what it was embedded with."""
    from index.embed import passage_embedder

    home, embedder = real_home
    encoder = passage_embedder(home, embedder)
    texts = [c.search_text for c in load(home).chunks[:24]] + ["a", "short one", "x " * 300]
    together = encoder.embed(texts)
    alone = np.stack([encoder.embed([t])[0] for t in texts])
    reversed_ = encoder.embed(texts[::-1])[::-1]
    assert np.array_equal(together, alone) and np.array_equal(together, reversed_)


def test_a_changed_note_is_ingested_without_loading_the_model(real_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(real_home[0], home)
    notes = tmp_path / "notes"
    shutil.copytree(NOTES, notes)
    note = next(notes.glob("*.md"))
    note.write_text(note.read_text() + "\nThe retention period of the queue is fourteen days.\n")
    lazy = load_embedder(lazy=True)
    report = build(home, [notes], lazy)
    assert report.embedded >= 1 and lazy.loaded is None  # embedded, by the export: the model never loaded
    # and from a fresh process: nothing imports torch
    code = ("import sys; from pathlib import Path; from index import build, load_embedder; "
            f"build(Path({str(home)!r}), [Path({str(notes)!r})], load_embedder(lazy=True)); "
            "print('torch' in sys.modules)")
    note.write_text(note.read_text() + "\nMessages are kept for four days by default.\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_a_first_ingest_makes_the_export_in_a_process_of_its_own(tmp_path):
    """On a fresh data folder the export is made by a child process beside the reading (in a thread of the ingest it
    would share the interpreter lock with the reading): the ingest's own process never imports torch, and its
    index is embedded by the export. Run from a folder of the student's own Python files (a json.py), the child
    runs none of them."""
    from index.onnx import ENCODER, ready

    notes, home, work = tmp_path / "notes", tmp_path / "home", tmp_path / "exercises"
    notes.mkdir()
    work.mkdir()
    (notes / "tides.md").write_text("# Tides\nThe keeper logs the tide at dawn.\n")
    (work / "json.py").write_text("raise SystemExit('a student exercise ran')\n")
    code = ("import sys; from pathlib import Path; from index import build, load_embedder; "
            f"build(Path({str(home)!r}), [Path({str(notes)!r})], load_embedder(lazy=True)); "
            "print('torch' in sys.modules)")
    # -P as the `study` command has it: its own folder, not the working one, first on the module path
    out = subprocess.run([sys.executable, "-P", "-c", code], cwd=work, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
    assert ready(home, load_embedder(lazy=True).name)
    assert load(home, lexical=False).manifest.encoder == ENCODER


def test_vectors_of_another_encoder_are_embedded_again_once(real_home, tmp_path, monkeypatch):
    """An index whose vectors the float model made (before the int8 export, or while it failed) is embedded again by
    the export at the next ingest, changed notes or not: int8 questions against float passages rank worse."""
    from index.embed import passage_embedder
    from index.onnx import ENCODER

    _, embedder = real_home
    notes = tmp_path / "notes"
    notes.mkdir()
    for note in sorted(NOTES.glob("*.md"))[:2]:
        shutil.copy(note, notes / note.name)
    home = tmp_path / "home"
    with monkeypatch.context() as m:  # the float model embeds, as when the export cannot be made
        m.setattr(sys.modules["index.embed"], "passage_embedder", lambda home, e: e)
        first = build(home, [notes], embedder)
    assert load(home).manifest.encoder == "model"
    again = build(home, [notes], embedder)  # nothing changed in the notes
    assert again.embedded == first.embedded > 0 and again.reused == first.reused  # every distinct text again
    assert "every text embedded again, once" in again.summary() and again.to_json()["embedded_again"] is True
    index = load(home)
    assert index.manifest.encoder == ENCODER
    export = passage_embedder(home, embedder)
    assert np.allclose(index.vectors()[:10], export.embed([c.search_text for c in index.chunks[:10]]), atol=1e-6)
    third = build(home, [notes], embedder)
    assert third.embedded == 0 and not third.written and "again" not in third.summary()  # once only


def test_two_exports_at_once_both_get_the_export(real_home, tmp_path):
    """A question and an ingest may both find the export missing (after an upgrade): neither fails, nor blocks it."""
    from concurrent.futures import ThreadPoolExecutor

    from index import onnx

    _, embedder = real_home
    with ThreadPoolExecutor(2) as pool:
        made = list(pool.map(lambda _: onnx.export(tmp_path, embedder.name, embedder.model, embedder.model_dir), range(2)))
    folder = folder_for(tmp_path, embedder.name)
    assert made == [folder, folder] and onnx.ready(tmp_path, embedder.name)
    assert not onnx.blocked(tmp_path, embedder.name) and not list(tmp_path.glob("models/*.tmp*"))


def _float_index(home, notes, embedder, monkeypatch) -> None:
    with monkeypatch.context() as m:  # the float model embeds, as when the export cannot be made
        m.setattr(sys.modules["index.embed"], "passage_embedder", lambda home, e: e)
        build(home, [notes], embedder)
    assert load(home).manifest.encoder == "model"


def _three_notes(folder):
    folder.mkdir()
    lines = next(NOTES.glob("*.md")).read_text().splitlines()
    third = len(lines) // 3
    for i, name in enumerate("abc"):
        (folder / f"{name}.md").write_text("\n".join(lines[i * third : (i + 1) * third]) + "\n")
    return folder


def test_a_step_of_a_full_re_embed_does_not_pass_for_done(real_home, tmp_path, monkeypatch):
    """Killed after a step of the re-embed went live, the next ingest embeds everything again, not only the rest."""
    from index import plan
    from index.embed import passage_embedder
    from index.onnx import ENCODER

    _, embedder = real_home
    notes = _three_notes(tmp_path / "notes")
    moved = tmp_path / "a.md"
    (notes / "a.md").rename(moved)
    home = tmp_path / "home"
    _float_index(home, notes, embedder, monkeypatch)
    moved.rename(notes / "a.md")  # a new note as well: steps go live while the rest is embedded again
    module = sys.modules["index.build"]
    written = module._write_known

    def killed_after_a_step(*args, **kwargs):
        written(*args, **kwargs)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(module, "EMBED_BATCH", 32)
        m.setattr(module, "_write_known", killed_after_a_step)
        with pytest.raises(KeyboardInterrupt):
            build(home, [notes], embedder, step_seconds=0)
    assert load(home).manifest.encoder == "mixed"
    report = build(home, [notes], embedder)
    index = load(home)
    # reused: only texts that share a vector with one made in the same run (a repeated line, the two halves of a
    # sentence a passage boundary cut), none from the step
    keys = plan.plan(list(index.chunks)).keys
    assert report.reused <= len(keys) - len(set(keys)) and index.manifest.encoder == ENCODER
    export = passage_embedder(home, embedder)
    sample = index.chunks[::7]
    assert np.allclose(index.vectors()[::7], export.embed([c.search_text for c in sample]), atol=1e-6)


def test_an_unchanged_reingest_never_loads_the_model_when_the_export_cannot_be_made(real_home, tmp_path, monkeypatch):
    import json
    import time

    _, embedder = real_home
    notes = _three_notes(tmp_path / "notes")
    home = tmp_path / "home"
    _float_index(home, notes, embedder, monkeypatch)
    shutil.rmtree(folder_for(home, embedder.name), ignore_errors=True)  # no export: the last try failed
    marker = folder_for(home, embedder.name).with_name(folder_for(home, embedder.name).name + ".failed")
    marker.parent.mkdir(parents=True, exist_ok=True)
    # the disk was full at the last try; a little more room now, not enough for an export
    marker.write_text(json.dumps({"at": time.time(), "disk_full": True, "free": 50 * 2**20, "needed": 180 * 2**20,
                                  "reason": "OSError: No space left on device"}))
    monkeypatch.setattr(sys.modules["index.onnx"], "free_space", lambda home: 100 * 2**20)
    lazy = load_embedder(lazy=True)
    report = build(home, [notes], lazy)
    assert lazy.loaded is None and report.embedded == 0 and not report.written


def test_quantising_leaves_the_logging_of_the_process_as_it_was(tmp_path):
    """The quantiser calls logging.warning(), which installs a handler on the root logger: from then on every
    library's debug lines (bm25s, ...) would print during an ingest. Run in a fresh process, as a user's is."""
    code = """
import logging, sys
import onnx
from onnx import TensorProto, helper, numpy_helper
import numpy as np
from index.onnx import _quantise
weight = numpy_helper.from_array(np.ones((4, 4), dtype="float32"), "w")
graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [weight])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1] + "/f.onnx")
_quantise(__import__("pathlib").Path(sys.argv[1]) / "f.onnx", __import__("pathlib").Path(sys.argv[1]) / "q.onnx")
logging.getLogger("some.library").setLevel(logging.DEBUG)
logging.getLogger("some.library").debug("a library's debug line")
print(len(logging.getLogger().handlers))
"""
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "q.onnx").exists()
    assert out.stdout.strip() == "0" and "debug line" not in out.stderr, (out.stdout, out.stderr)


def test_an_export_that_will_not_open_never_makes_an_unchanged_reingest_load_the_model(real_home, tmp_path, monkeypatch):
    """A verified export onnxruntime cannot open (an upgrade of it, say): loading the model cannot mend it, so an
    unchanged re-ingest neither loads it nor embeds anything again."""
    from index import onnx

    _, embedder = real_home
    notes = _three_notes(tmp_path / "notes")
    home = tmp_path / "home"
    _float_index(home, notes, embedder, monkeypatch)
    assert onnx.ready(home, embedder.name)

    def cannot_open(self, folder, threads=1):
        raise RuntimeError("cannot read this model")

    monkeypatch.setattr(onnx.OnnxEmbedder, "__init__", cannot_open)
    lazy = load_embedder(lazy=True)
    report = build(home, [notes], lazy)
    assert lazy.loaded is None and report.embedded == 0 and not report.written


def test_a_passage_run_gives_its_own_vector_and_each_sentence_found_in_it(real_home):
    """index.plan's pooled sentences: the passage's vector is the one it gets alone; a sentence's is its tokens'
    average in that run; a sentence not among the passage's tokens (cut at the model's length) gets None."""
    from index.embed import passage_embedder

    home, embedder = real_home
    encoder = passage_embedder(home, embedder)
    story = "The miller counted the silver. He hid it under the third board. Then he slept."
    long = " ".join(["The road ran on past the mill."] * 80) + " At last he reached the sea."
    [[passage, *sentences], [_, *far]] = encoder.embed_within([
        (story, ["The miller counted the silver.", "He hid it under the third board.", "Then he slept."]),
        (long, ["The road ran on past the mill.", "At last he reached the sea."])])
    assert np.allclose(passage, encoder.embed([story])[0], atol=1e-6)
    alone = encoder.embed(["He hid it under the third board."])[0]
    assert all(s is not None for s in sentences) and 0.5 < float(sentences[1] @ alone) < 0.999  # in context, not alone
    assert far[0] is not None and far[1] is None
    # shared out over one session per core, each passage's vectors come back in its place
    items = [(f"{story} Day {i}.", ["He hid it under the third board."]) for i in range(5)]
    shared, alone_ = encoder.embed_within(items), [encoder.encoders[0].embed_within([item])[0] for item in items]
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) for a, b in zip(shared, alone_))
