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

    def __init__(self, path: Path, offsets: np.ndarray, kinds: np.ndarray, file_rows: dict[str, range] | None = None):
        self.path = path
        self.offsets = offsets
        self.kinds = kinds  # each passage's kind (bytes), so ranking by kind reads no passage
        self.file_rows = file_rows or {}
        self.fd = os.open(path, os.O_RDONLY)
        self._cached = lru_cache(maxsize=self.CACHED)(self._read)

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
        # Streamed: a whole pass (re-ingest, cards) reads the file once instead of one pread per passage.
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                yield Chunk.from_dict(json.loads(line))

    def _read(self, i: int) -> Chunk:
        start, stop = int(self.offsets[i]), int(self.offsets[i + 1])
        return Chunk.from_dict(json.loads(os.pread(self.fd, stop - start, start)))

    def in_file(self, source: str) -> list[Chunk]:
        """The passages of one file, in order (its rows are contiguous; files.json gives them)."""
        return [self._cached(i) for i in self.file_rows.get(source, ())]

    def __del__(self):
        try:
            os.close(self.fd)
        except (OSError, AttributeError):
            pass


def write_passages(path: Path, chunks) -> tuple[np.ndarray, np.ndarray]:
    """Write one JSON line per passage; return where each line starts (plus the file's size), and their kinds."""
    offsets, kinds = [0], []
    with open(path, "wb") as fh:
        for chunk in chunks:
            line = (json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
            fh.write(line)
            offsets.append(offsets[-1] + len(line))
            kinds.append(chunk.kind.encode("ascii", "replace")[:KIND_BYTES])
    return np.asarray(offsets, dtype="int64"), np.asarray(kinds, dtype=f"S{KIND_BYTES}")


KIND_BYTES = 8
