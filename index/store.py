"""The index on disk: a folder of readable files plus a versioned manifest. This module reads and writes them.

    <home>/index/CURRENT                    name of the live version folder
    <home>/index/v-.../manifest.json        model, dimension, chunker, format version, ANN kind, counts,
                                            and the size and checksum of every other file
    <home>/index/v-.../passages.jsonl       passage i = FAISS row i (read on demand)
    <home>/index/v-.../passage_offsets.npy  where each line of passages.jsonl starts
    <home>/index/v-.../passage_kinds.npy    each passage's kind (text, prose, code, nav, table...)
    <home>/index/v-.../passage_roles.npy    what each passage does: tells (""), asks or leads in (index.roles)
    <home>/index/v-.../vectors.npy          passage vectors (rows read on demand to re-score candidates exactly)
    <home>/index/v-.../vectors.faiss        what finds the candidates: exact (flat) or, above a number of passages,
                                            IVF over 8-bit vectors
    <home>/index/v-.../sentences.npy        sentence vectors, passage by passage (rows read on demand)
    <home>/index/v-.../sentence_offsets.npy passage i owns sentence rows offsets[i] .. offsets[i+1]
    <home>/index/v-.../sentence_keys.npy    each sentence row's text key (what an upgrade's ingest reuses it by)
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
from .roles import ROLES_VERSION
from .rows import Passages, RowFile, write_passages
from .errors import IndexDamaged, IndexMismatch, IndexMissing
from .lexical import Lexical, Vocabulary

# 5: the manifest records sizes and checksums; 6: BM25 reads prose with its neighbours; 7: passages and vectors
# read on demand (passage_offsets.npy, vectors.npy), IVF over 8-bit vectors
FORMAT_VERSION = 7
ROLES = "passage_roles.npy"  # optional: what each passage does (index.roles); older indexes lack it
# optional: each sentence row's text key (index.build), so a later version whose rules split sentences differently
# can still tell which stored vector belongs to which text; older indexes lack it
SENTENCE_KEYS = "sentence_keys.npy"
REQUIRED = ("passages.jsonl", "passage_offsets.npy", "passage_kinds.npy", "vectors.npy", "vectors.faiss", "sentences.npy",
            "sentence_offsets.npy", "files.json", "vocab.json")
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
    roles: str = ""  # the version of index.roles that wrote passage_roles.npy ("" before roles were kept)
    encoder: str = ""  # what made the vectors: index.onnx.ENCODER, "model" (the model itself), "" (before this was kept)
    plan: str = ""  # the version of index.plan that decided what each sentence vector is ("" before it was kept)


@dataclass
class Sentence:
    passage: int  # row of the passage it belongs to
    line: int  # 0-based first line of the passage text it stands in
    text: str
    last_line: int  # 0-based last line (a sentence may wrap over lines)
    start: str = ""  # the start of this sentence at the end of the passage before, when the boundary cut it
    start_line: int | None = None  # the file line that start stands on (text files)
    rest: str = ""  # the rest of this sentence at the start of the passage after, when the boundary cut it
    rest_line: int | None = None  # the file line that rest ends on (text files)


@dataclass
class StoredIndex:
    folder: Path
    manifest: Manifest
    chunks: Passages  # a sequence of Chunk read on demand
    faiss_index: object
    files: dict[str, dict]
    passage_vectors: RowFile  # exact passage vectors, rows read on demand
    sentence_vectors: RowFile  # read row ranges on demand
    sentence_offsets: np.ndarray
    lexical: Lexical | None = None
    vocabulary: Vocabulary | None = None
    partial: list | None = None  # files an unfinished ingest indexed in part (index.steps), once looked up
    has_roles: bool = True  # False for an index written before passage_roles.npy or by older role rules (whose
    # roles still serve meanwhile): `study ingest` rewrites them

    def vectors(self) -> np.ndarray:
        return self.passage_vectors.read_all()

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


def load(home: Path, model: str | None = None, lexical: bool = True, any_chunker: bool = False) -> StoredIndex:
    """Open the live index, every file verified first; check it matches ``model`` if one is given.

    Raises IndexMissing, IndexMismatch (another model or format) or IndexDamaged (a file missing, cut, altered
    or unreadable). ``lexical=False`` skips opening BM25 and the vocabulary, not verifying their files.
    ``any_chunker``: passages cut by an older version's rules are accepted too (an ingest reuses their vectors).
    """
    folder = _live(home)
    try:
        return _open(home, folder, model, lexical, any_chunker)
    except IndexDamaged:
        if current_folder(home) in (folder, None):
            raise
    # a writer made a new version live, and removed this one, while we read it: open the new one
    return _open(home, _live(home), model, lexical, any_chunker)


def _open(home: Path, folder: Path, model: str | None, lexical: bool, any_chunker: bool = False) -> StoredIndex:
    import faiss

    parsing = integrity.parsing
    manifest = _read_manifest(home, folder, any_chunker)
    if model is not None and manifest.model != model:
        raise IndexMismatch(
            f"The index in {home}/ was built with model {manifest.model!r}, not {model!r}. "
            "Run `study ingest` to rebuild it with the current model, or select the old model with --model."
        )
    integrity.verify(home, folder, manifest.contents, REQUIRED)
    with parsing(home, "passage_offsets.npy"):
        passage_offsets = np.load(folder / "passage_offsets.npy", allow_pickle=False)
        if passage_offsets.ndim != 1 or passage_offsets[-1] != (folder / "passages.jsonl").stat().st_size:
            raise ValueError("does not match passages.jsonl")
    with parsing(home, "passage_kinds.npy"):
        kinds = np.load(folder / "passage_kinds.npy", allow_pickle=False)
        if kinds.shape != (len(passage_offsets) - 1,) or kinds.dtype.kind != "S":
            raise ValueError("does not match the passages")
    roles = None
    # roles of older rules still serve (a later version only adds roles) until the next ingest writes them anew
    if ROLES in manifest.contents and manifest.roles:
        with parsing(home, ROLES):
            roles = np.load(folder / ROLES, allow_pickle=False)
            if roles.shape != kinds.shape or roles.dtype.kind != "S":
                raise ValueError("does not match the passages")
    files = _read_files(home, folder)
    with parsing(home, "passages.jsonl"):
        chunks = Passages(folder / "passages.jsonl", passage_offsets, kinds, _file_rows(files), roles)
        for row in {0, len(chunks) - 1} if len(chunks) else ():
            chunks[row]  # noqa: B018 - the first and last line parse: the offsets are this file's
    with parsing(home, "vectors.npy"):
        passage_vectors = RowFile(folder / "vectors.npy")
    with parsing(home, "vectors.faiss"):
        index = faiss.read_index(str(folder / "vectors.faiss"))
        ann.ready(index, manifest.ann)
    with parsing(home, "sentences.npy"):
        sentence_vectors = RowFile(folder / "sentences.npy")
    with parsing(home, "sentence_offsets.npy"):
        offsets = np.load(folder / "sentence_offsets.npy", allow_pickle=False)
    integrity.check_counts(home, manifest, len(chunks), index.ntotal, offsets, len(sentence_vectors))
    if len(passage_vectors) != len(chunks):
        raise IndexDamaged(home, "vectors.npy", f"{len(passage_vectors)} vectors for {len(chunks)} passages")
    stored = StoredIndex(folder, manifest, chunks, index, files, passage_vectors, sentence_vectors, offsets,
                         has_roles=roles is not None and manifest.roles == ROLES_VERSION)
    if lexical:
        with parsing(home, "bm25/"):
            stored.lexical = Lexical.load(folder / "bm25")
        if stored.lexical.size != len(chunks):
            raise IndexDamaged(home, "bm25/", f"{stored.lexical.size} documents for {len(chunks)} passages")
        with parsing(home, "vocab.json"):
            stored.vocabulary = Vocabulary.load(folder / "vocab.json")
    return stored


def _read_files(home: Path, folder: Path) -> dict[str, dict]:
    with integrity.parsing(home, "files.json"):
        return json.loads((folder / "files.json").read_text(encoding="utf-8"))


def _file_rows(files: dict[str, dict]) -> dict[str, range]:
    """Each file's passage rows (a file's passages are written together, in order)."""
    return {source: range(*f["rows"]) for source, f in files.items() if isinstance(f, dict) and "rows" in f}


def _read_manifest(home: Path, folder: Path, any_chunker: bool = False) -> Manifest:
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
    if data.get("format_version") != FORMAT_VERSION or (data.get("chunker") != CHUNKER_VERSION and not any_chunker):
        raise IndexMismatch(
            f"The index in {home}/ has format {data.get('format_version')}/{data.get('chunker')}; this version of "
            f"study needs {FORMAT_VERSION}/{CHUNKER_VERSION}. Run `study ingest` to rebuild it."
        )
    if "checksum" not in data:
        raise IndexDamaged(home, "manifest.json", "checksum missing")
    with integrity.parsing(home, "manifest.json"):
        return Manifest(**{k: data[k] for k in Manifest.__dataclass_fields__ if k in data})


def write(home: Path, manifest: Manifest, chunks: list[Chunk], files: dict[str, dict], vectors: np.ndarray, vector_index,
          sentence_vectors: np.ndarray, sentence_offsets: np.ndarray, lexical: Lexical, vocabulary: Vocabulary,
          sentence_keys: np.ndarray | None = None) -> Path:
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
        passage_offsets, kinds, roles = write_passages(tmp / "passages.jsonl", chunks)
        np.save(tmp / "passage_offsets.npy", passage_offsets)
        np.save(tmp / "passage_kinds.npy", kinds)
        np.save(tmp / ROLES, roles)
        np.save(tmp / "vectors.npy", np.ascontiguousarray(vectors, dtype="float32"))
        files = _with_rows(files, chunks)
        save_faiss(vector_index, tmp / "vectors.faiss")
        np.save(tmp / "sentences.npy", np.ascontiguousarray(sentence_vectors, dtype="float32"))
        np.save(tmp / "sentence_offsets.npy", np.asarray(sentence_offsets, dtype="int64"))
        if sentence_keys is not None:
            np.save(tmp / SENTENCE_KEYS, np.asarray(sentence_keys, dtype="uint64"))
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


def _with_rows(files: dict[str, dict], chunks: list[Chunk]) -> dict[str, dict]:
    """files.json entries with the rows of each file's passages [first, stop), so they are read without a scan."""
    rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        rows.setdefault(chunk.source, [row, row])[1] = row + 1
    out = {s: {k: v for k, v in f.items() if k != "rows"} if isinstance(f, dict) else f for s, f in files.items()}
    for source, span in rows.items():
        if isinstance(out.get(source), dict):
            out[source]["rows"] = span
    return out


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
