"""Building the index from note files, reusing vectors of unchanged passages."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ingest import Chunk, discover, load as load_file, sentence_context, split_sentences

from . import store
from .embed import Embedder

# on_progress(stage, done, total): stage is "read" (files) or "embed" (passages)
ProgressFn = Callable[[str, int, int], None]


class NothingToIndex(Exception):
    """No usable note was found; the previous index is left as it was."""


@dataclass
class BuildReport:
    files: int = 0
    passages: int = 0
    embedded: int = 0  # texts embedded now (passages and their sentences)
    reused: int = 0  # texts whose vector was reused from the previous index
    failed: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    folder: str = ""

    def summary(self) -> str:
        parts = [f"Indexed {self.passages} passages from {self.files} files"]
        parts.append(f"embedded {self.embedded} texts, reused {self.reused}")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts) + f" in {self.seconds:.1f}s."


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _sentences(chunks: list[Chunk]) -> tuple[list[store.Sentence], list[str]]:
    """Every sentence of every passage, and the text embedded for each (with its heading)."""
    rows, texts = [], []
    for i, chunk in enumerate(chunks):
        for text, line in split_sentences(chunk):
            rows.append(store.Sentence(i, line, text))
            texts.append(sentence_context(chunk, text))
    return rows, texts


def _previous_vectors(home: Path, model: str) -> dict[str, np.ndarray]:
    """Vectors of the live index keyed by the text they embed, if built with the same model."""
    try:
        old = store.load(home, model=model)
    except (store.IndexMissing, store.IndexMismatch, OSError, ValueError, KeyError, TypeError):
        return {}
    known = {_key(c.search_text): v for c, v in zip(old.chunks, old.vectors())}
    _, texts = _sentences(old.chunks)
    known.update((_key(t), v) for t, v in zip(texts, old.sentence_vectors()))
    return known


def build(home: Path, paths: list[Path], embedder: Embedder, on_progress: ProgressFn | None = None) -> BuildReport:
    """Read, chunk and embed every note under ``paths`` into a new live index.

    Files that fail are reported and left out; the others are indexed. If
    nothing at all can be indexed the previous index stays live.
    """
    started = time.perf_counter()
    report = BuildReport()
    notes, report.skipped = discover(paths)
    if not notes:
        where = ", ".join(str(p) for p in paths)
        raise NothingToIndex(f"No notes (.md, .markdown, .txt, .pdf) found in {where}. Add notes there, or name another folder.")

    chunks: list[Chunk] = []
    files: dict[str, dict] = {}
    for i, note in enumerate(notes, start=1):
        result = load_file(note)
        entry = {"path": str(note.path), "sha256": result.sha256, "passages": len(result.chunks), "indexed_at": time.time()}
        if result.error:
            entry["error"] = result.error
            report.failed.append({"path": note.source, "error": result.error})
        if result.warnings:
            entry["warnings"] = result.warnings
            report.warnings.extend({"path": note.source, "warning": w} for w in result.warnings)
        files[note.source] = entry
        chunks.extend(result.chunks)
        if on_progress:
            on_progress("read", i, len(notes))
    if not chunks:
        raise NothingToIndex("None of the notes could be indexed (see the errors above); the previous index is unchanged.")

    known = _previous_vectors(home, embedder.name)
    sentences, sentence_texts = _sentences(chunks)
    texts = [c.search_text for c in chunks] + sentence_texts
    keys = [_key(t) for t in texts]
    todo = [i for i, k in enumerate(keys) if k not in known]
    vectors = np.zeros((len(texts), embedder.dim), dtype="float32")
    for i, k in enumerate(keys):
        if k in known:
            vectors[i] = known[k]
    if todo:
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if on_progress:
                on_progress("embed", done, len(todo))

        vectors[todo] = embedder.embed([texts[i] for i in todo], progress=tick)

    manifest = store.Manifest(
        model=embedder.name, dim=embedder.dim, passages=len(chunks), files=len(files),
        roots=[str(p.resolve()) for p in paths],
    )
    folder = store.write(home, manifest, chunks, vectors[: len(chunks)], files, sentences, vectors[len(chunks) :])
    report.files = len(notes)
    report.passages = len(chunks)
    report.embedded = len(todo)
    report.reused = len(texts) - len(todo)
    report.seconds = time.perf_counter() - started
    report.folder = str(folder)
    return report
