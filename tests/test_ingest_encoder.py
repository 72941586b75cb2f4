"""Ingest embeds with the model's ONNX export: the model's own vectors, and an ingest of a changed note with the
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


def test_passages_are_embedded_by_the_export_as_by_the_model(real_home):
    home, embedder = real_home
    assert (folder_for(home, embedder.name) / "model.onnx").exists()
    index = load(home)
    sample = index.chunks[:40]
    expected = embedder.embed([c.search_text for c in sample])  # the model itself (sentence-transformers)
    cosine = (np.asarray(index.vectors()[:40]) * expected).sum(axis=1)
    assert cosine.min() >= 0.9999, cosine.min()


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
