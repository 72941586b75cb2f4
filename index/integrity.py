"""Whether an index's files are the ones that were written, and what to say when writing one fails.

Every file is checked against the size and checksum its manifest records before faiss, numpy or bm25s see it:
they crash or raise obscure errors on a cut or altered file. Whatever a library still raises on a verified
file is damage to that file. A writer's OSError that means "no room" or "no write access" becomes one
IndexWriteError that says what to do.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .errors import IndexDamaged, IndexWriteError

# Checksums: SHA-256 (1.2 GB/s here with SHA-NI; blake2b 0.45). Files up to FULL_HASH_BYTES are hashed whole,
# bigger ones by their size and SAMPLES blocks spread from head to tail. Measured at 100k passages (0.7 GB, load
# 1.3 s): hashing everything adds ~0.6 s (~45%), vectors.faiss alone 0.12 s; sampled, verification costs ~0.03 s.
# A cut, grown or emptied file still fails on its size and a damaged header on the first block; only altered
# bytes between samples pass, which in a flat index are vector floats (wrong scores, no crash). An IVF index
# keeps list sizes all through the file, where faiss may crash on bad bytes, so its vectors.faiss is hashed
# whole (~1.2 s on a 14 s load at 1M passages).
FULL_HASH_BYTES = 16 * 2**20
SAMPLES, SAMPLE_BYTES = 64, 2**16
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


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


def fingerprint(path: Path, whole: bool = False) -> dict:
    """Size and checksum of a file, for the manifest; sampled above FULL_HASH_BYTES unless ``whole``."""
    size = path.stat().st_size
    sampled = size > FULL_HASH_BYTES and not whole
    return {"size": size, "sha256_sampled" if sampled else "sha256": checksum(path, sampled)}


def damage(path: Path, expected: dict) -> str | None:
    """What is wrong with ``path`` compared with its fingerprint, or None."""
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


def verify(home: Path, folder: Path, contents: dict[str, dict], required: tuple[str, ...]) -> None:
    """Every file the manifest lists matches its fingerprint, and every ``required`` file (and bm25/) is listed."""
    missing = [n for n in required if n not in contents] + ([] if any(n.startswith("bm25/") for n in contents) else ["bm25/"])
    if missing:
        raise IndexDamaged(home, "manifest.json", f"no checksum for {missing[0]}")
    for name, expected in contents.items():
        found = damage(folder / name, expected)
        if found:
            raise IndexDamaged(home, name, found)


def manifest_checksum(data: dict) -> str:
    body = {k: v for k, v in data.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@contextmanager
def parsing(home: Path, name: str):
    """Whatever a library raises on a file that passed verification (or on one it cannot open) is damage to that file."""
    try:
        yield
    except IndexDamaged:
        raise
    except Exception as e:
        raise IndexDamaged(home, name, "unreadable") from e


def check_counts(home: Path, manifest, passages: int, vectors: int, offsets: np.ndarray, sentences: int) -> None:
    """The files agree with each other and with the manifest: row i is passage i everywhere."""
    if passages != manifest.passages:
        raise IndexDamaged(home, "passages.jsonl", f"{passages} passages, the manifest says {manifest.passages}")
    if vectors != passages:
        raise IndexDamaged(home, "vectors.faiss", f"{vectors} vectors for {passages} passages")
    if offsets.ndim != 1 or len(offsets) != passages + 1 or offsets[-1] != sentences:
        raise IndexDamaged(home, "sentence_offsets.npy", "offsets do not match passages and sentences")
    if sentences != manifest.sentences:
        raise IndexDamaged(home, "sentences.npy", f"{sentences} sentence vectors, the manifest says {manifest.sentences}")


@contextmanager
def writing(home: Path, *partial: Path, live: bool):
    """Turn a full disk or a read-only data folder into one IndexWriteError, removing ``partial`` first.

    ``live``: whether a previous index stays in use, which the message tells the student.
    """
    try:
        yield
    except BaseException as e:
        # numpy reports a short write as OSError("N requested and M written") without errno: a disk with (almost)
        # no room left, measured before what was written is removed, is what tells it apart
        full = isinstance(e, OSError) and e.errno is None and 0 <= free_bytes(home) < 16 * 2**20
        for path in partial:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        error = write_error(home, e, live, disk_full=full)
        if error is None:
            raise
        raise error from e


def write_error(home: Path, e: BaseException, live: bool, disk_full: bool = False) -> IndexWriteError | None:
    """The one line to show for an OSError that stops a write, or None if it is not about space or permissions."""
    if not isinstance(e, OSError) or not (disk_full or e.errno in _DISK_FULL | _READ_ONLY):
        return None
    still = "the previous index is still in use" if live else "no index was written"
    if disk_full or e.errno in _DISK_FULL:
        return IndexWriteError(f"disk full while writing the index in {home}/ ({_free_mb(home)} MB free); "
                               f"free some space and run `study ingest` again; {still}")
    where = f": {e.filename}" if e.filename else ""
    return IndexWriteError(f"the data folder {home}/ is read-only ({(e.strerror or 'permission denied').lower()}{where}); "
                           f"make it writable and run `study ingest` again; {still}")


def free_bytes(home: Path) -> int:
    """Free space where ``home`` is (or would be: the data folder may not exist yet); -1 if it cannot be told."""
    folder = home.absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return -1


def _free_mb(home: Path) -> str:
    free = free_bytes(home)
    return "?" if free < 0 else f"{free / 2**20:.0f}" if free >= 2**20 else f"{free / 2**20:.1f}"
