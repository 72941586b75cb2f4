"""The index on disk: a folder of readable files plus a versioned manifest.

    <home>/index/CURRENT                    name of the live version folder
    <home>/index/v-.../manifest.json        model, dimension, chunker, format version, ANN kind, counts
    <home>/index/v-.../passages.jsonl       passage i = FAISS row i
    <home>/index/v-.../vectors.faiss        passage vectors: exact (flat) or, above ANN_THRESHOLD passages, IVF
    <home>/index/v-.../sentences.npy        sentence vectors, passage by passage (rows read on demand)
    <home>/index/v-.../sentence_offsets.npy passage i owns sentence rows offsets[i] .. offsets[i+1]
    <home>/index/v-.../bm25/                the BM25 index (bm25s's own files)
    <home>/index/v-.../vocab.json           words of the notes (to spot questions about things they never mention)
    <home>/index/v-.../files.json           per-file hash, size, mtime, passage count, warnings, errors

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

from ingest import CHUNKER_VERSION, Chunk, split_sentences

from .lexical import Lexical, Vocabulary

FORMAT_VERSION = 4
ANN_THRESHOLD = int(os.environ.get("STUDY_ANN_THRESHOLD", "200000"))  # above this many passages, IVF instead of flat
# IVF-Flat with 4*sqrt(N) lists, 64 probed: recall@10 0.9996 against exact search at 100k (benchmarks/scale.py),
# where HNSW (M=32, efConstruction=80, efSearch=256) reached 0.88 on the same vectors.
IVF_PROBES = 64


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
    sentences: int = 0
    ann: str = "flat"
    chunker: str = CHUNKER_VERSION
    format_version: int = FORMAT_VERSION
    created: float = field(default_factory=time.time)
    roots: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        data = json.loads(path.read_text())
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class Sentence:
    passage: int  # row of the passage it belongs to
    line: int  # 0-based first line of the passage text it stands in
    text: str
    last_line: int  # 0-based last line (a sentence may wrap over lines)


@dataclass
class StoredIndex:
    folder: Path
    manifest: Manifest
    chunks: list[Chunk]
    faiss_index: object
    files: dict[str, dict]
    sentence_vectors: "RowFile"  # read row ranges on demand
    sentence_offsets: np.ndarray
    lexical: Lexical | None = None
    vocabulary: Vocabulary | None = None

    def vectors(self) -> np.ndarray:
        n = self.faiss_index.ntotal
        return self.faiss_index.reconstruct_n(0, n) if n else np.zeros((0, self.manifest.dim), dtype="float32")

    def sentences(self, row: int) -> list[tuple[Sentence, int]]:
        """The sentences of passage ``row`` with their rows in ``sentence_vectors``."""
        start = int(self.sentence_offsets[row])
        return [(Sentence(row, first, text, last), start + j)
                for j, (text, first, last) in enumerate(split_sentences(self.chunks[row]))]


def index_root(home: Path) -> Path:
    return home / "index"


def current_folder(home: Path) -> Path | None:
    try:
        name = (index_root(home) / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    folder = index_root(home) / name
    return folder if (folder / "manifest.json").exists() else None


def load(home: Path, model: str | None = None, lexical: bool = True) -> StoredIndex:
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
    index = faiss.read_index(str(folder / "vectors.faiss"))
    if manifest.ann == "ivf":
        index.nprobe = IVF_PROBES
        index.make_direct_map()  # exact re-scoring reconstructs candidate vectors
    sentence_vectors = RowFile(folder / "sentences.npy")
    offsets = np.load(folder / "sentence_offsets.npy")
    files = json.loads((folder / "files.json").read_text(encoding="utf-8"))
    if index.ntotal != len(chunks) or len(offsets) != len(chunks) + 1 or offsets[-1] != len(sentence_vectors):
        raise IndexMismatch(f"The index in {folder} is inconsistent (vector and passage counts differ). Run `study ingest`.")
    stored = StoredIndex(folder, manifest, chunks, index, files, sentence_vectors, offsets)
    if lexical:
        stored.lexical = Lexical.load(folder / "bm25")
        stored.vocabulary = Vocabulary.load(folder / "vocab.json")
    return stored


class RowFile:
    """Rows of a .npy matrix read on demand with pread.

    A memory map would be simpler, but page-cache read-around maps tens of
    kilobytes per scattered read, so a few hundred queries would count most of
    the file in the server's RSS. Reading the few rows a query needs keeps the
    process small and is just as fast (a couple of hundred small reads).
    """

    def __init__(self, path: Path):
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            self.header = fh.tell()
        if fortran or len(shape) != 2:
            raise IndexMismatch(f"{path} is not a row-major matrix; run `study ingest`.")
        self.shape, self.dtype = shape, np.dtype(dtype)
        self.row_bytes = shape[1] * self.dtype.itemsize
        self.fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, _ = rows.indices(self.shape[0])
        count = max(0, stop - start)
        data = os.pread(self.fd, count * self.row_bytes, self.header + start * self.row_bytes)
        return np.frombuffer(data, dtype=self.dtype).reshape(count, self.shape[1])

    def read_all(self) -> np.ndarray:
        return self[0 : self.shape[0]]

    def __del__(self):
        try:
            os.close(self.fd)
        except (OSError, AttributeError):
            pass


def _vector_index(dim: int, vectors: np.ndarray):
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype="float32")
    if len(vectors) > ANN_THRESHOLD:
        lists = int(4 * np.sqrt(len(vectors)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 50 * lists), replace=False)
        index.train(vectors[np.sort(sample)])
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def write(home: Path, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray, files: dict[str, dict],
          sentence_vectors: np.ndarray, sentence_offsets: np.ndarray) -> Path:
    """Write a new index version and make it live atomically; return its folder."""
    import faiss

    root = index_root(home)
    root.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f".tmp-{name}"
    tmp.mkdir()
    try:
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        index = _vector_index(manifest.dim, vectors)
        manifest.ann = "ivf" if isinstance(index, faiss.IndexIVFFlat) else "flat"
        manifest.sentences = len(sentence_vectors)
        faiss.write_index(index, str(tmp / "vectors.faiss"))
        np.save(tmp / "sentences.npy", np.ascontiguousarray(sentence_vectors, dtype="float32"))
        np.save(tmp / "sentence_offsets.npy", np.asarray(sentence_offsets, dtype="int64"))
        texts = [c.search_text for c in chunks]
        lexical = Lexical(texts)
        lexical.save(tmp / "bm25")
        Vocabulary(texts, tokens=lexical.vocab).save(tmp / "vocab.json")
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
    for path in folder.rglob("*"):
        if path.is_file():
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
