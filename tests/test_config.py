"""Settings are read once, options first, then the environment, then defaults; and they reach what uses them."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from app.answer import Abstention
from app.cli import cli
from app.config import Settings
from index import DEFAULT_MODEL, load


def test_options_then_environment_then_defaults():
    s = Settings.from_env(environ={})
    assert (s.home, s.notes, s.model, s.mode) == (Path(".study"), Path("notes"), DEFAULT_MODEL, "hybrid")
    assert (s.abstention, s.query_encoder, s.onnx_threads, s.ann_threshold) == (Abstention(0.36, 0.60), "onnx", 1, 200_000)
    assert s.max_note_bytes == 50 * 2**20
    env = {"STUDY_HOME": "h", "STUDY_NOTES": "n", "STUDY_MODEL": "hash:64", "STUDY_ABSTAIN": "0.5", "STUDY_MAX_NOTE_MB": "0",
           "STUDY_QUERY_ENCODER": "torch", "STUDY_ONNX_THREADS": "2", "STUDY_ANN_THRESHOLD": "10"}
    s = Settings.from_env(environ=env)
    assert (s.home, s.notes, s.model, s.abstention, s.max_note_bytes, s.query_encoder, s.onnx_threads, s.ann_threshold) == \
        (Path("h"), Path("n"), "hash:64", Abstention(0.5, 0.60), None, "torch", 2, 10)
    s = Settings.from_env(home="given", model="hash:32", mode="dense", environ=env)
    assert (s.home, s.model, s.mode) == (Path("given"), "hash:32", "dense")


def test_the_ann_threshold_in_the_environment_reaches_the_build(tmp_path, monkeypatch, isolated_home):
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(60):
        (notes / f"n{i}.md").write_text(f"# Topic {i}\nFact {i} about queues and shards number{i}.\n")
    monkeypatch.setenv("STUDY_ANN_THRESHOLD", "50")
    assert CliRunner().invoke(cli, ["ingest", "-q", str(notes)]).exit_code == 0
    stored = load(isolated_home)
    assert len(stored.chunks) == 60 and stored.manifest.ann == "ivf"
