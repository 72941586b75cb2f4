"""The index on disk: a folder of readable files plus a versioned manifest.

    <home>/index/CURRENT          name of the live version folder
    <home>/index/v-.../manifest.json   model, dimension, chunker, format version, counts
    <home>/index/v-.../passages.jsonl  passage i = FAISS row i
    <home>/index/v-.../vectors.faiss   inner-product index of normalised vectors
    <home>/index/v-.../files.json      per-file hash, passage count, warnings, errors
    <home>/index/v-.../sentences.jsonl sentence j: its passage, passage line and text
    <home>/index/v-.../sentences.faiss sentence vectors (sentence j = row j)

A new version is written beside the live one and made live by replacing
CURRENT in one rename, so a reader never sees a half-written index.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest import CHUNKER_VERSION, Chunk

FORMAT_VERSION = 3


class IndexMissing(Exception):
    """No index has been built in this data folder yet."""


class IndexMismatch(Exception):
    """The index was built with another model, chunker or format."""


@dataclass
class Manifest:
    model: str
    dim: int
    passages: int
    files: int
    chunker: str = CHUNKER_VERSION
    format_version: int = FORMAT_VERSION
    created: float = field(default_factory=time.time)
    roots: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        data = json.loads(path.read_text())
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass
class Sentence:
    passage: int  # row of the passage it belongs to
    line: int  # 0-based first line of the passage text it stands in
    text: str
    last_line: int = -1  # 0-based last line (a sentence may wrap over lines)


@dataclass
class StoredIndex:
    folder: Path
    manifest: Manifest
    chunks: list[Chunk]
    faiss_index: object
    files: dict[str, dict]
    sentences: list[Sentence] = field(default_factory=list)
    sentence_index: object = None

    def vectors(self) -> np.ndarray:
        return _all_vectors(self.faiss_index, self.manifest.dim)

    def sentence_vectors(self) -> np.ndarray:
        return _all_vectors(self.sentence_index, self.manifest.dim)


def _all_vectors(index, dim: int) -> np.ndarray:
    if index is None or index.ntotal == 0:
        return np.zeros((0, dim), dtype="float32")
    return index.reconstruct_n(0, index.ntotal)


def index_root(home: Path) -> Path:
    return home / "index"


def current_folder(home: Path) -> Path | None:
    pointer = index_root(home) / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    folder = index_root(home) / name
    return folder if (folder / "manifest.json").exists() else None


def load(home: Path, model: str | None = None) -> StoredIndex:
    """Open the live index; check it matches ``model`` if one is given."""
    import faiss

    folder = current_folder(home)
    if folder is None:
        raise IndexMissing(f"No index in {home}/. Run `study ingest notes/` first.")
    manifest = Manifest.read(folder / "manifest.json")
    if manifest.format_version != FORMAT_VERSION or manifest.chunker != CHUNKER_VERSION:
        raise IndexMismatch(
            f"The index in {home}/ has format {manifest.format_version}/{manifest.chunker}; this version of study "
            f"needs {FORMAT_VERSION}/{CHUNKER_VERSION}. Run `study ingest` to rebuild it."
        )
    if model is not None and manifest.model != model:
        raise IndexMismatch(
            f"The index in {home}/ was built with model {manifest.model!r}, not {model!r}. "
            "Run `study ingest` to rebuild it with the current model, or select the old model with --model."
        )
    with open(folder / "passages.jsonl", encoding="utf-8") as fh:
        chunks = [Chunk.from_dict(json.loads(line)) for line in fh]
    with open(folder / "sentences.jsonl", encoding="utf-8") as fh:
        sentences = [Sentence(**json.loads(line)) for line in fh]
    index = faiss.read_index(str(folder / "vectors.faiss"))
    sentence_index = faiss.read_index(str(folder / "sentences.faiss"))
    files = json.loads((folder / "files.json").read_text(encoding="utf-8"))
    if index.ntotal != len(chunks) or sentence_index.ntotal != len(sentences):
        raise IndexMismatch(f"The index in {folder} is inconsistent (vector and passage counts differ). Run `study ingest`.")
    return StoredIndex(folder, manifest, chunks, index, files, sentences, sentence_index)


def _write_flat(path: Path, dim: int, vectors: np.ndarray) -> None:
    import faiss

    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype="float32"))
    faiss.write_index(index, str(path))


def write(home: Path, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray, files: dict[str, dict],
          sentences: list[Sentence], sentence_vectors: np.ndarray) -> Path:
    """Write a new index version and make it live atomically; return its folder."""
    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    try:
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        _write_flat(tmp / "vectors.faiss", manifest.dim, vectors)
        with open(tmp / "sentences.jsonl", "w", encoding="utf-8") as fh:
            for sentence in sentences:
                fh.write(json.dumps(sentence.__dict__, ensure_ascii=False) + "\n")
        _write_flat(tmp / "sentences.faiss", manifest.dim, sentence_vectors)
        (tmp / "files.json").write_text(json.dumps(files, indent=1, ensure_ascii=False), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        os.rename(tmp, root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer_tmp = root / f".CURRENT-{name}"
    pointer_tmp.write_text(name + "\n")
    os.replace(pointer_tmp, root / "CURRENT")
    _collect_garbage(root, keep={name})
    return root / name


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())


def _collect_garbage(root: Path, keep: set[str]) -> None:
    """Remove old versions, keeping the newest previous one for readers still on it."""
    versions = sorted((p for p in root.glob("v-*") if p.name not in keep), key=lambda p: p.stat().st_mtime)
    for old in versions[:-1]:
        shutil.rmtree(old, ignore_errors=True)



def remove_stale(root: Path) -> None:
    """Drop what an interrupted writer left behind. Call only while holding the writer lock."""
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in root.glob(".CURRENT-*"):
        stale.unlink(missing_ok=True)
