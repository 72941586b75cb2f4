"""Rows of the index read from disk on demand, so a loaded index holds offsets, not its passages or vectors.

At a million passages, passage texts held as Python objects were most of a 3.2 GB process and most of a 14 s
load; read when a question needs them (a few hundred rows), they cost a few milliseconds per question.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest import Chunk


BLOCK = 8 << 20  # bytes of passages.jsonl read at once by a pass over many passages
PIECE = 1 << 30  # one pread returns at most about 2 GiB on Linux: larger reads go in pieces


def prefetch(fd: int, spans) -> None:
    """Ask the kernel to start reading these (offset, size) spans now, all at once: a question's few hundred
    scattered reads then overlap instead of waiting on the disk one after another (a cold page cache at a million
    passages: p50 104 -> 44 ms). A hint only: where it is not supported, or fails, nothing changes."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    try:
        for offset, size in spans:
            if size > 0:  # a size of 0 would mean "to the end of the file"
                advise(fd, offset, size, os.POSIX_FADV_WILLNEED)
    except OSError:
        return


def read_exactly(fd: int, size: int, offset: int) -> bytes:
    if size <= PIECE:
        data = os.pread(fd, size, offset)
    else:
        out = bytearray(size)
        view, done = memoryview(out), 0
        while done < size:
            piece = os.preadv(fd, [view[done : done + PIECE]], offset + done)
            if piece == 0:
                break
            done += piece
        data = bytes(out[:done])
    if len(data) != size:
        raise OSError(f"read {len(data)} of {size} bytes: the file was cut")
    return data


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
        data = read_exactly(self.fd, count * self.row_bytes, self.header + start * self.row_bytes)
        return np.frombuffer(data, dtype=self.dtype).reshape(count, self.shape[1])

    def prefetch(self, spans) -> None:
        """Start reading the row ranges ``(start, stop)`` (see ``prefetch``)."""
        prefetch(self.fd, [(self.header + a * self.row_bytes, (b - a) * self.row_bytes) for a, b in spans if b > a])

    def take(self, rows) -> np.ndarray:
        """Scattered rows, in the order given."""
        out = np.empty((len(rows), self.shape[1]), dtype=self.dtype)
        for i, row in enumerate(rows):
            out[i] = self[int(row) : int(row) + 1][0]
        return out

    def read_all(self) -> np.ndarray:
        return self[0 : self.shape[0]]

    def __del__(self):
        try:
            os.close(self.fd)
        except (OSError, AttributeError):
            pass


class Passages(Sequence):
    """The passages of passages.jsonl (line i = passage i), parsed when asked for.

    ``offsets[i]`` is where line i starts (one more entry: the file's size). Recently read passages are kept,
    so the candidates of a question and the hits shown from them are parsed once.
    """

    CACHED = 4096

    def __init__(self, path: Path, offsets: np.ndarray, kinds: np.ndarray, file_rows: dict[str, range] | None = None,
                 roles: np.ndarray | None = None):
        self.path = path
        self.offsets = offsets
        self.kinds = kinds  # each passage's kind (bytes), so ranking by kind reads no passage
        # and what it does (index.roles): an index written before roles has none
        self.roles = roles if roles is not None else np.zeros(len(offsets) - 1, dtype="S1")
        self.file_rows = file_rows or {}
        self.fd = fd = os.open(path, os.O_RDONLY)

        def read(i: int) -> Chunk:  # closes over the descriptor, not self: no cycle keeps an old index open
            start, stop = int(offsets[i]), int(offsets[i + 1])
            return Chunk.from_dict(json.loads(read_exactly(fd, stop - start, start)))

        self._cached = lru_cache(maxsize=self.CACHED)(read)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._cached(j) for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"passage {i} of {n}")
        return self._cached(i % n)

    def __iter__(self) -> Iterator[Chunk]:
        # Streamed: a whole pass (re-ingest, cards) reads the file once instead of one pread per passage; through
        # our own descriptor, which stays valid after a newer ingest removes this version's folder.
        yield from self._lines(0, len(self))

    def _lines(self, first: int, stop: int) -> Iterator[Chunk]:
        """Passages ``first`` .. ``stop`` - 1, read in blocks of whole lines (about 8 MB, at least one line)."""
        row = first
        while row < stop:
            fits = int(np.searchsorted(self.offsets, int(self.offsets[row]) + BLOCK, side="right")) - 1
            end = min(stop, max(row + 1, fits))
            block = read_exactly(self.fd, int(self.offsets[end] - self.offsets[row]), int(self.offsets[row]))
            for line in block.split(b"\n")[: end - row]:
                yield Chunk.from_dict(json.loads(line))
            row = end

    def prefetch(self, rows) -> None:
        """Start reading these passages' lines (see ``prefetch``); cached ones are read anyway, cheaply."""
        offsets = self.offsets
        prefetch(self.fd, [(int(offsets[r]), int(offsets[r + 1] - offsets[r])) for r in rows])

    def in_file(self, source: str) -> list[Chunk]:
        """The passages of one file, in order (its rows are contiguous; files.json gives them), in one read."""
        rows = self.file_rows.get(source)
        return list(self._lines(rows.start, rows.stop)) if rows else []

    def around(self, source: str, chapter: int | None, line: int, radius: int = 16) -> list[Chunk]:
        """The passages of one file near its ``line`` (in ``chapter``), found by bisection over the file's rows,
        which are in reading order: what a citation's context shows, without reading a whole book."""
        rows = self.file_rows.get(source)
        if not rows:
            return []
        lo, hi = rows.start, rows.stop
        key = (chapter or 0, line)
        while lo < hi:
            mid = (lo + hi) // 2
            c = self[mid]
            if (c.chapter or 0, c.span[1]) < key:
                lo = mid + 1
            else:
                hi = mid
        return [self[i] for i in range(max(rows.start, lo - radius), min(rows.stop, lo + radius + 1))]

    def __del__(self):
        try:
            os.close(self.fd)
        except (OSError, AttributeError):
            pass


def write_passages(path: Path, chunks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Write one JSON line per passage; return where each line starts (plus the file's size), their kinds and
    their roles (index.roles)."""
    from .roles import ROLE_BYTES, role

    offsets, kinds, roles = [0], [], []
    with open(path, "wb") as fh:
        for chunk in chunks:
            line = (json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
            fh.write(line)
            offsets.append(offsets[-1] + len(line))
            kinds.append(chunk.kind.encode("ascii", "replace")[:KIND_BYTES])
            roles.append(role(chunk).encode("ascii"))
    return (np.asarray(offsets, dtype="int64"), np.asarray(kinds, dtype=f"S{KIND_BYTES}"),
            np.asarray(roles, dtype=f"S{ROLE_BYTES}"))


KIND_BYTES = 8
