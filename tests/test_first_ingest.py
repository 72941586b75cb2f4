"""A first ingest makes the model's export while it reads the notes (on a fresh data folder the export is most of the
first minute); a re-ingest never starts it on a guess, since most re-ingests embed nothing and load no model."""
from __future__ import annotations

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
    monkeypatch.setattr(embed, "export_query_encoder", lambda home, embedder, load=False: started.set())
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
