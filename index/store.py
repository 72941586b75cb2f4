"""The index on disk: a folder of readable files plus a versioned manifest.

    <home>/index/CURRENT                    name of the live version folder
    <home>/index/v-.../manifest.json        model, dimension, chunker, format version, ANN kind, counts,
                                            and the size and checksum of every other file
    <home>/index/v-.../passages.jsonl       passage i = FAISS row i
    <home>/index/v-.../vectors.faiss        passage vectors: exact (flat) or, above ANN_THRESHOLD passages, IVF
    <home>/index/v-.../sentences.npy        sentence vectors, passage by passage (rows read on demand)
    <home>/index/v-.../sentence_offsets.npy passage i owns sentence rows offsets[i] .. offsets[i+1]
    <home>/index/v-.../bm25/                the BM25 index (bm25s's own files)
    <home>/index/v-.../vocab.json           words of the notes (to spot questions about things they never mention)
    <home>/index/v-.../files.json           per-file hash, size, mtime, passage count, warnings, errors

A new version is written beside the live one and made live by replacing
CURRENT in one rename, so a reader never sees a half-written index. Every
file is checked against the manifest before faiss, numpy or bm25s see it:
they crash or raise obscure errors on a cut or altered file.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest import CHUNKER_VERSION, Chunk, split_sentences

from .lexical import Lexical, Vocabulary

FORMAT_VERSION = 5  # 5: the manifest records each file's size and checksum
ANN_THRESHOLD = int(os.environ.get("STUDY_ANN_THRESHOLD", "200000"))  # above this many passages, IVF instead of flat
# IVF-Flat with 4*sqrt(N) lists, 64 probed: recall@10 0.9996 against exact search at 100k (benchmarks/scale.py),
# where HNSW (M=32, efConstruction=80, efSearch=256) reached 0.88 on the same vectors.
IVF_PROBES = 64
# Checksums: SHA-256 (1.2 GB/s here with SHA-NI; blake2b 0.45). Files up to FULL_HASH_BYTES are hashed whole,
# bigger ones by their size and SAMPLES blocks spread from head to tail. Measured at 100k passages (0.7 GB, load
# 1.3 s): hashing everything adds ~0.6 s (~45%), vectors.faiss alone 0.12 s; sampled, verification costs ~0.03 s.
# A cut, grown or emptied file still fails on its size and a damaged header on the first block; only altered
# bytes between samples pass, which in a flat index are vector floats (wrong scores, no crash). An IVF index
# (above ANN_THRESHOLD) keeps list sizes all through the file, where faiss may crash on bad bytes, so its
# vectors.faiss is hashed whole (~1.2 s on a 14 s load at 1M passages).
FULL_HASH_BYTES = 16 * 2**20
SAMPLES, SAMPLE_BYTES = 64, 2**16
_REQUIRED = ("passages.jsonl", "vectors.faiss", "sentences.npy", "sentence_offsets.npy", "files.json", "vocab.json")
_VERSION_NAME = re.compile(r"v-[A-Za-z0-9_.-]+")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


class IndexMissing(Exception):
    """No index has been built in this data folder yet."""


class IndexMismatch(Exception):
    """The index was built with another model, chunker or format."""


class IndexDamaged(IndexMismatch):
    """A file of the live index is missing, cut short or altered since it was written.

    An IndexMismatch, so every caller that already answers a mismatch with "run `study ingest`" does so here too.
    """

    def __init__(self, home: Path, file: str, damage: str):
        super().__init__(f"the index in {home}/ is damaged ({file}: {damage}); run `study ingest` to rebuild it")
        self.file, self.damage = file, damage


class NothingToIndex(Exception):
    """No new index was made live; the previous one is left as it was (no usable note, or it could not be written)."""


class IndexWriteError(Exception):
    """The new index could not be written (disk full, read-only data folder); the previous one stays live."""


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
        """The sentences of passage ``row`` with their rows in ``sentence_vectors``."""
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

    manifest = _read_manifest(home, folder)
    if model is not None and manifest.model != model:
        raise IndexMismatch(
            f"The index in {home}/ was built with model {manifest.model!r}, not {model!r}. "
            "Run `study ingest` to rebuild it with the current model, or select the old model with --model."
        )
    _verify(home, folder, manifest.contents)
    with _parsing(home, "passages.jsonl"), open(folder / "passages.jsonl", encoding="utf-8") as fh:
        chunks = [Chunk.from_dict(json.loads(line)) for line in fh]
    with _parsing(home, "vectors.faiss"):
        index = faiss.read_index(str(folder / "vectors.faiss"))
        if manifest.ann == "ivf":
            index.nprobe = IVF_PROBES
            index.make_direct_map()  # exact re-scoring reconstructs candidate vectors
    with _parsing(home, "sentences.npy"):
        sentence_vectors = RowFile(folder / "sentences.npy")
    with _parsing(home, "sentence_offsets.npy"):
        offsets = np.load(folder / "sentence_offsets.npy", allow_pickle=False)
    with _parsing(home, "files.json"):
        files = json.loads((folder / "files.json").read_text(encoding="utf-8"))
    _check_counts(home, manifest, len(chunks), index.ntotal, offsets, len(sentence_vectors))
    stored = StoredIndex(folder, manifest, chunks, index, files, sentence_vectors, offsets)
    if lexical:
        with _parsing(home, "bm25/"):
            stored.lexical = Lexical.load(folder / "bm25")
        if stored.lexical.size != len(chunks):
            raise IndexDamaged(home, "bm25/", f"{stored.lexical.size} documents for {len(chunks)} passages")
        with _parsing(home, "vocab.json"):
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
    with _parsing(home, "manifest.json"):
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    if "checksum" in data and data["checksum"] != _manifest_checksum(data):
        raise IndexDamaged(home, "manifest.json", "checksum differs")
    if data.get("format_version") != FORMAT_VERSION or data.get("chunker") != CHUNKER_VERSION:
        raise IndexMismatch(
            f"The index in {home}/ has format {data.get('format_version')}/{data.get('chunker')}; this version of "
            f"study needs {FORMAT_VERSION}/{CHUNKER_VERSION}. Run `study ingest` to rebuild it."
        )
    if "checksum" not in data:
        raise IndexDamaged(home, "manifest.json", "checksum missing")
    with _parsing(home, "manifest.json"):
        return Manifest(**{k: data[k] for k in Manifest.__dataclass_fields__ if k in data})


def _manifest_checksum(data: dict) -> str:
    body = {k: v for k, v in data.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@contextmanager
def _parsing(home: Path, name: str):
    """Whatever a library raises on a file that passed verification (or on one it cannot open) is damage to that file."""
    try:
        yield
    except IndexDamaged:
        raise
    except Exception as e:
        raise IndexDamaged(home, name, "unreadable") from e


def _verify(home: Path, folder: Path, contents: dict[str, dict]) -> None:
    missing = [n for n in _REQUIRED if n not in contents] + ([] if any(n.startswith("bm25/") for n in contents) else ["bm25/"])
    if missing:
        raise IndexDamaged(home, "manifest.json", f"no checksum for {missing[0]}")
    for name, expected in contents.items():
        damage = _damage(folder / name, expected)
        if damage:
            raise IndexDamaged(home, name, damage)


def _damage(path: Path, expected: dict) -> str | None:
    """What is wrong with ``path`` compared with its manifest entry, or None."""
    try:
        size = path.stat().st_size
        if size != expected.get("size"):
            return "empty" if size == 0 else "truncated" if size < expected.get("size", 0) else "size differs"
        key = "sha256_sampled" if "sha256_sampled" in expected else "sha256"
        return None if checksum(path, sampled=key == "sha256_sampled") == expected.get(key) else "checksum differs"
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"


def fingerprint(path: Path, whole: bool = False) -> dict:
    """Size and checksum of a file, for the manifest; sampled above FULL_HASH_BYTES unless ``whole``."""
    size = path.stat().st_size
    sampled = size > FULL_HASH_BYTES and not whole
    return {"size": size, "sha256_sampled" if sampled else "sha256": checksum(path, sampled)}


def checksum(path: Path, sampled: bool = False) -> str:
    with open(path, "rb") as fh:
        if not sampled:
            return hashlib.file_digest(fh, "sha256").hexdigest()
        size = os.fstat(fh.fileno()).st_size
        digest = hashlib.sha256(size.to_bytes(8, "little"))
        last = max(0, size - SAMPLE_BYTES)
        for i in range(SAMPLES):  # the first block, the last, and the rest evenly between
            digest.update(os.pread(fh.fileno(), SAMPLE_BYTES, last * i // (SAMPLES - 1)))
        return digest.hexdigest()


def _check_counts(home: Path, manifest: Manifest, passages: int, vectors: int, offsets: np.ndarray, sentences: int) -> None:
    if passages != manifest.passages:
        raise IndexDamaged(home, "passages.jsonl", f"{passages} passages, the manifest says {manifest.passages}")
    if vectors != passages:
        raise IndexDamaged(home, "vectors.faiss", f"{vectors} vectors for {passages} passages")
    if offsets.ndim != 1 or len(offsets) != passages + 1 or offsets[-1] != sentences:
        raise IndexDamaged(home, "sentence_offsets.npy", "offsets do not match passages and sentences")
    if sentences != manifest.sentences:
        raise IndexDamaged(home, "sentences.npy", f"{sentences} sentence vectors, the manifest says {manifest.sentences}")


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
    """Write a new index version and make it live atomically; return its folder.

    A full disk or a read-only data folder raises IndexWriteError; whatever was written is removed and the
    previous version stays live.
    """
    root = index_root(home)
    name = f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f".tmp-{name}"
    with writing(home, tmp):
        root.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        _write_files(tmp, manifest, chunks, vectors, files, sentence_vectors, sentence_offsets)
        _fsync_tree(tmp)
        os.rename(tmp, root / name)
    previous = current_folder(home)
    pointer_tmp = root / f".CURRENT-{name}"
    with writing(home, pointer_tmp, root / name):
        pointer_tmp.write_text(name + "\n")
        os.replace(pointer_tmp, root / "CURRENT")
    _collect_garbage(root, keep={name, previous.name if previous else name})
    return root / name


def _write_files(tmp: Path, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray, files: dict[str, dict],
                 sentence_vectors: np.ndarray, sentence_offsets: np.ndarray) -> None:
    import faiss

    with open(tmp / "passages.jsonl", "w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    index = _vector_index(manifest.dim, vectors)
    manifest.ann = "ivf" if isinstance(index, faiss.IndexIVFFlat) else "flat"
    manifest.sentences = len(sentence_vectors)
    save_faiss(index, tmp / "vectors.faiss")
    np.save(tmp / "sentences.npy", np.ascontiguousarray(sentence_vectors, dtype="float32"))
    np.save(tmp / "sentence_offsets.npy", np.asarray(sentence_offsets, dtype="int64"))
    texts = [c.search_text for c in chunks]
    lexical = Lexical(texts)
    lexical.save(tmp / "bm25")
    Vocabulary(texts, tokens=lexical.vocab).save(tmp / "vocab.json")
    (tmp / "files.json").write_text(json.dumps(files, indent=1, ensure_ascii=False), encoding="utf-8")
    ivf = tmp / "vectors.faiss" if manifest.ann == "ivf" else None
    manifest.contents = {p.relative_to(tmp).as_posix(): fingerprint(p, whole=p == ivf)
                         for p in sorted(tmp.rglob("*")) if p.is_file()}
    data = dict(manifest.__dict__)
    data["checksum"] = _manifest_checksum(data)
    (tmp / "manifest.json").write_text(json.dumps(data, indent=1), encoding="utf-8")


def save_faiss(index, path: Path) -> None:
    """faiss.write_index through a Python file: faiss's own writer only prints a warning when a full disk makes
    close() fail, leaving a short file behind, where Python raises OSError(ENOSPC)."""
    import faiss

    with open(path, "wb") as fh:
        faiss.write_index(index, faiss.PyCallbackIOWriter(fh.write))


@contextmanager
def writing(home: Path, *partial: Path):
    """Turn a full disk or a read-only data folder into one IndexWriteError, removing ``partial`` first."""
    try:
        yield
    except BaseException as e:
        # numpy reports a short write as OSError("N requested and M written") without errno: a disk with (almost)
        # no room left, measured before what was written is removed, is what tells it apart
        full = isinstance(e, OSError) and e.errno is None and 0 <= _free_bytes(home) < 16 * 2**20
        for path in partial:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        error = write_error(home, e, disk_full=full)
        if error is None:
            raise
        raise error from e


def write_error(home: Path, e: BaseException, disk_full: bool = False) -> IndexWriteError | None:
    """The one line to show for an OSError that stops a write, or None if it is not about space or permissions."""
    if not isinstance(e, OSError) or not (disk_full or e.errno in _DISK_FULL | _READ_ONLY):
        return None
    still = "the previous index is still in use" if current_folder(home) else "no index was written"
    if disk_full or e.errno in _DISK_FULL:
        return IndexWriteError(f"disk full while writing the index in {home}/ ({_free_mb(home)} MB free); "
                               f"free some space and run `study ingest` again; {still}")
    where = f": {e.filename}" if e.filename else ""
    return IndexWriteError(f"the data folder {home}/ is read-only ({(e.strerror or 'permission denied').lower()}{where}); "
                           f"make it writable and run `study ingest` again; {still}")


def _free_bytes(home: Path) -> int:
    folder = home.absolute()
    while not folder.exists() and folder != folder.parent:  # the data folder may not exist yet
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return -1


def _free_mb(home: Path) -> str:
    free = _free_bytes(home)
    return "?" if free < 0 else f"{free / 2**20:.0f}" if free >= 2**20 else f"{free / 2**20:.1f}"


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
