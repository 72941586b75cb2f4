"""What can go wrong with an index, as small typed exceptions; each message says what to run next.

The library raises them; only the CLI and the web page word them for a person (one line, an exit status).
"""
from __future__ import annotations

from pathlib import Path


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
