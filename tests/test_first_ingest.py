"""A first ingest makes the model's export while it reads the notes, in a process of its own (on a fresh data folder
the export is most of the first minute); a re-ingest never starts it on a guess, since most re-ingests embed
nothing and load no model."""
from __future__ import annotations

import subprocess
import sys
import threading

from index import build, load_embedder


def _watch_export(monkeypatch, wait: float):
    """Record, during each reading of the notes, whether the export had been started by then."""
    embed = sys.modules["index.embed"]
    started = threading.Event()
    seen: list[bool] = []
    monkeypatch.setattr(embed, "exportable", lambda embedder: True)
    monkeypatch.setattr(embed.onnx, "ready", lambda home, name: False)
    monkeypatch.setattr(embed.onnx, "blocked", lambda home, name: False)
    monkeypatch.setattr(embed, "export_in_child", lambda home, name: started.set())
    module = sys.modules["index.build"]
    read = module._read

    def reading(*args, **kwargs):
        seen.append(started.wait(wait))
        return read(*args, **kwargs)

    monkeypatch.setattr(module, "_read", reading)
    return seen, started


def test_a_first_ingest_starts_the_export_while_reading(isolated_home, tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Tides\nThe keeper logs the tide at dawn.\n")
    seen, _ = _watch_export(monkeypatch, wait=5)
    build(isolated_home, [notes], load_embedder("hash:64"))
    assert seen == [True]


def test_a_re_ingest_does_not_start_it(isolated_home, tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Tides\nThe keeper logs the tide at dawn.\n")
    build(isolated_home, [notes], load_embedder("hash:64"))
    (notes / "b.md").write_text("# Boats\nThe ferry leaves at noon.\n")
    seen, started = _watch_export(monkeypatch, wait=0.5)  # it would start before reading, at once
    monkeypatch.setattr(sys.modules["index.embed"], "passage_embedder", lambda home, embedder: embedder)
    build(isolated_home, [notes], load_embedder("hash:64"))
    assert seen == [False] and not started.is_set()


def test_an_ingest_that_reads_nothing_lets_the_export_finish_first(isolated_home, tmp_path, monkeypatch):
    """One unreadable file on a fresh data folder: the one-line error comes once the export started early is done,
    so the process never exits with the export half made."""
    import pytest

    from index.errors import NothingToIndex

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "empty.md").write_text("")
    embed = sys.modules["index.embed"]
    monkeypatch.setattr(embed, "exportable", lambda embedder: True)
    monkeypatch.setattr(embed.onnx, "ready", lambda home, name: False)
    monkeypatch.setattr(embed.onnx, "blocked", lambda home, name: False)
    finished = threading.Event()

    class SlowExport:  # the child process making the export
        def wait(self, timeout=None):
            threading.Event().wait(0.3)
            finished.set()

    monkeypatch.setattr(embed, "export_in_child", lambda home, name: SlowExport())
    with pytest.raises(NothingToIndex):
        build(isolated_home, [notes], load_embedder("hash:64"))
    assert finished.is_set()


def _failing_child(monkeypatch, code: str):
    """The export's process replaced by ``code``; returns the list of exports then made in the ingest's own process."""
    embed = sys.modules["index.embed"]
    made: list[bool] = []
    monkeypatch.setattr(embed, "exportable", lambda embedder: True)
    monkeypatch.setattr(embed.onnx, "ready", lambda home, name: False)
    monkeypatch.setattr(embed.onnx, "blocked", lambda home, name: False)
    children: list[subprocess.Popen] = []

    def child(home, name):
        children.append(subprocess.Popen([sys.executable, "-c", code]))
        return children[-1]

    monkeypatch.setattr(embed, "export_in_child", child)
    monkeypatch.setattr(embed, "export_query_encoder", lambda home, embedder, load=False: made.append(load))
    return made, children


def test_a_failed_export_process_leaves_the_export_to_the_ingest(isolated_home, tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Tides\nThe keeper logs the tide at dawn.\n")
    made, children = _failing_child(monkeypatch, "raise SystemExit(1)")
    report = build(isolated_home, [notes], load_embedder("hash:64"))
    assert report.written and made and children[0].returncode == 1


def test_an_export_process_that_hangs_is_stopped_and_the_ingest_goes_on(isolated_home, tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Tides\nThe keeper logs the tide at dawn.\n")
    monkeypatch.setattr(sys.modules["index.embed"], "EXPORT_WAIT", 0.5)
    made, children = _failing_child(monkeypatch, "import time; time.sleep(120)")
    report = build(isolated_home, [notes], load_embedder("hash:64"))
    assert report.written and made and children[0].returncode is not None and children[0].returncode < 0  # stopped
