"""The index on disk: a folder of readable files plus a versioned manifest. This module reads and writes them.

    <home>/index/CURRENT                    name of the live version folder
    <home>/index/v-.../manifest.json        model, dimension, chunker, format version, ANN kind, counts,
                                            and the size and checksum of every other file
    <home>/index/v-.../passages.jsonl       passage i = FAISS row i
    <home>/index/v-.../vectors.faiss        passage vectors: exact (flat) or, above a number of passages, IVF
    <home>/index/v-.../sentences.npy        sentence vectors, passage by passage (rows read on demand)
    <home>/index/v-.../sentence_offsets.npy passage i owns sentence rows offsets[i] .. offsets[i+1]
    <home>/index/v-.../bm25/                the BM25 index (bm25s's own files)
    <home>/index/v-.../vocab.json           words of the notes (to spot questions about things they never mention)
    <home>/index/v-.../files.json           per-file hash, size, mtime, passage count, warnings, errors

A new version is written beside the live one and made live by replacing CURRENT in one rename, so a reader
never sees a half-written index. What goes into the files is built elsewhere (index.build); whether they are
the files that were written is checked by index.integrity before any library reads them.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest import CHUNKER_VERSION, Chunk, split_sentences

from . import ann, integrity
from .errors import IndexDamaged, IndexMismatch, IndexMissing
from .lexical import Lexical, Vocabulary

FORMAT_VERSION = 6  # 5: the manifest records sizes and checksums; 6: BM25 reads prose with its neighbours
REQUIRED = ("passages.jsonl", "vectors.faiss", "sentences.npy", "sentence_offsets.npy", "files.json", "vocab.json")
_VERSION_NAME = re.compile(r"v-[A-Za-z0-9_.-]+")


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
    contents: dict[str, dict] = field(default_factory=dict)  # file -> {"size", "sha256" or "sha256_sampled"}


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
        """The sentences of passage ``row`` with their rows in ``sentence_vectors`` (in the order they were embedded)."""
        start = int(self.sentence_offsets[row])
        return [(Sentence(row, first, text, last), start + j)
                for j, (text, first, last) in enumerate(split_sentences(self.chunks[row]))]


def index_root(home: Path) -> Path:
    return home / "index"


def _live(home: Path) -> Path:
    """The folder CURRENT names. No CURRENT, or no version at all, is no index yet; any other bad pointer is damage."""
    root = index_root(home)
    try:
        name = (root / "CURRENT").read_bytes().decode("utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"No index in {home}/. Run `study ingest notes/` first.") from None
    except (OSError, UnicodeDecodeError):
        name = None
    if name and _VERSION_NAME.fullmatch(name) and (root / name).is_dir():
        return root / name
    if not any(p.is_dir() for p in root.glob("v-*")):
        raise IndexMissing(f"No index in {home}/. Run `study ingest notes/` first.")
    if name and _VERSION_NAME.fullmatch(name):
        raise IndexDamaged(home, "CURRENT", f"names a missing folder {name}")
    raise IndexDamaged(home, "CURRENT", "empty" if name == "" else "unreadable")


def current_folder(home: Path) -> Path | None:
    """The live version folder; None only when there is no index yet.

    A damaged CURRENT still gives a path (load() then says what is wrong), so a caller does not take damage for
    "no index" and quietly rebuild.
    """
    try:
        return _live(home)
    except IndexMissing:
        return None
    except IndexDamaged:
        return index_root(home) / "CURRENT"


def load(home: Path, model: str | None = None, lexical: bool = True) -> StoredIndex:
    """Open the live index, every file verified first; check it matches ``model`` if one is given.

    Raises IndexMissing, IndexMismatch (another model or format) or IndexDamaged (a file missing, cut, altered
    or unreadable). ``lexical=False`` skips opening BM25 and the vocabulary, not verifying their files.
    """
    folder = _live(home)
    try:
        return _open(home, folder, model, lexical)
    except IndexDamaged:
        if current_folder(home) in (folder, None):
            raise
    # a writer made a new version live, and removed this one, while we read it: open the new one
    return _open(home, _live(home), model, lexical)


def _open(home: Path, folder: Path, model: str | None, lexical: bool) -> StoredIndex:
    import faiss

    parsing = integrity.parsing
    manifest = _read_manifest(home, folder)
    if model is not None and manifest.model != model:
        raise IndexMismatch(
            f"The index in {home}/ was built with model {manifest.model!r}, not {model!r}. "
            "Run `study ingest` to rebuild it with the current model, or select the old model with --model."
        )
    integrity.verify(home, folder, manifest.contents, REQUIRED)
    with parsing(home, "passages.jsonl"), open(folder / "passages.jsonl", encoding="utf-8") as fh:
        chunks = [Chunk.from_dict(json.loads(line)) for line in fh]
    with parsing(home, "vectors.faiss"):
        index = faiss.read_index(str(folder / "vectors.faiss"))
        ann.ready(index, manifest.ann)
    with parsing(home, "sentences.npy"):
        sentence_vectors = RowFile(folder / "sentences.npy")
    with parsing(home, "sentence_offsets.npy"):
        offsets = np.load(folder / "sentence_offsets.npy", allow_pickle=False)
    with parsing(home, "files.json"):
        files = json.loads((folder / "files.json").read_text(encoding="utf-8"))
    integrity.check_counts(home, manifest, len(chunks), index.ntotal, offsets, len(sentence_vectors))
    stored = StoredIndex(folder, manifest, chunks, index, files, sentence_vectors, offsets)
    if lexical:
        with parsing(home, "bm25/"):
            stored.lexical = Lexical.load(folder / "bm25")
        if stored.lexical.size != len(chunks):
            raise IndexDamaged(home, "bm25/", f"{stored.lexical.size} documents for {len(chunks)} passages")
        with parsing(home, "vocab.json"):
            stored.vocabulary = Vocabulary.load(folder / "vocab.json")
    return stored


def _read_manifest(home: Path, folder: Path) -> Manifest:
    """The manifest, checked against its own checksum; an older format is a mismatch, not damage."""
    try:
        raw = (folder / "manifest.json").read_bytes()
    except FileNotFoundError:
        raise IndexDamaged(home, "manifest.json", "missing") from None
    except OSError:
        raise IndexDamaged(home, "manifest.json", "unreadable") from None
    if not raw.strip():
        raise IndexDamaged(home, "manifest.json", "empty")
    with integrity.parsing(home, "manifest.json"):
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    if "checksum" in data and data["checksum"] != integrity.manifest_checksum(data):
        raise IndexDamaged(home, "manifest.json", "checksum differs")
    if data.get("format_version") != FORMAT_VERSION or data.get("chunker") != CHUNKER_VERSION:
        raise IndexMismatch(
            f"The index in {home}/ has format {data.get('format_version')}/{data.get('chunker')}; this version of "
            f"study needs {FORMAT_VERSION}/{CHUNKER_VERSION}. Run `study ingest` to rebuild it."
        )
    if "checksum" not in data:
        raise IndexDamaged(home, "manifest.json", "checksum missing")
    with integrity.parsing(home, "manifest.json"):
        return Manifest(**{k: data[k] for k in Manifest.__dataclass_fields__ if k in data})


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
            raise ValueError(f"{path} is not a row-major matrix")
        self.shape, self.dtype = shape, np.dtype(dtype)
        self.row_bytes = shape[1] * self.dtype.itemsize
        if path.stat().st_size != self.header + shape[0] * self.row_bytes:
            raise ValueError(f"{path} does not hold the {shape[0]} rows its header declares")
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


def write(home: Path, manifest: Manifest, chunks: list[Chunk], files: dict[str, dict], vector_index,
          sentence_vectors: np.ndarray, sentence_offsets: np.ndarray, lexical: Lexical, vocabulary: Vocabulary) -> Path:
    """Write a new index version and make it live atomically; return its folder.

    A full disk or a read-only data folder raises IndexWriteError; whatever was written is removed and the
    previous version stays live.
    """
    root = index_root(home)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f".tmp-{name}"
    previous = current_folder(home)  # writers hold the lock: it stays the live one until CURRENT is replaced below
    with integrity.writing(home, tmp, live=previous is not None):
        root.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        save_faiss(vector_index, tmp / "vectors.faiss")
        np.save(tmp / "sentences.npy", np.ascontiguousarray(sentence_vectors, dtype="float32"))
        np.save(tmp / "sentence_offsets.npy", np.asarray(sentence_offsets, dtype="int64"))
        lexical.save(tmp / "bm25")
        vocabulary.save(tmp / "vocab.json")
        (tmp / "files.json").write_text(json.dumps(files, indent=1, ensure_ascii=False), encoding="utf-8")
        _write_manifest(tmp, manifest)
        _fsync_tree(tmp)
        os.rename(tmp, root / name)
    pointer_tmp = root / f".CURRENT-{name}"
    with integrity.writing(home, pointer_tmp, root / name, live=previous is not None):
        pointer_tmp.write_text(name + "\n")
        os.replace(pointer_tmp, root / "CURRENT")
    _collect_garbage(root, keep={name, previous.name if previous else name})
    return root / name


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    """The manifest last, with every other file's fingerprint and its own checksum."""
    ivf = folder / "vectors.faiss" if manifest.ann == "ivf" else None
    manifest.contents = {p.relative_to(folder).as_posix(): integrity.fingerprint(p, whole=p == ivf)
                         for p in sorted(folder.rglob("*")) if p.is_file()}
    data = dict(manifest.__dict__)
    data["checksum"] = integrity.manifest_checksum(data)
    (folder / "manifest.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def save_faiss(index, path: Path) -> None:
    """faiss.write_index through a Python file: faiss's own writer only prints a warning when a full disk makes
    close() fail, leaving a short file behind, where Python raises OSError(ENOSPC)."""
    import faiss

    with open(path, "wb") as fh:
        faiss.write_index(index, faiss.PyCallbackIOWriter(fh.write))


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _collect_garbage(root: Path, keep: set[str]) -> None:
    """Remove versions other than the live one and the one just before it (readers may still be on that)."""
    for old in root.glob("v-*"):
        if old.name not in keep:
            shutil.rmtree(old, ignore_errors=True)


def remove_stale(root: Path) -> None:
    """Drop what an interrupted writer left behind. Call only while holding the writer lock."""
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in root.glob(".CURRENT-*"):
        stale.unlink(missing_ok=True)
