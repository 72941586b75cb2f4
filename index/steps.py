"""Answers while indexing: a long ingest makes what it has embedded so far live in steps.

Each step is a whole index version made live by the same atomic switch as the final one, so a crash between steps
leaves the last step answering. What a step holds, file by file:
- a file whose passages are all embedded: its new passages;
- a changed file not done yet: its previous version (nothing disappears while it is re-embedded);
- a new file not done yet: its passages embedded so far, in reading order, marked partial in files.json and
  without its hash, so the next ingest reads it again (and reuses every vector it already has).
The first step goes live a few seconds into embedding, then at most every ``every`` seconds and never more often
than three times what writing a step takes (rewriting a large index each step would otherwise dominate); a later
step is not written when the whole index is due within half that spacing.
"""
from __future__ import annotations

import time
from typing import Callable

from ingest import Chunk

from .plan import cut_after

FIRST_STEP = 2.0  # seconds of embedding before the first step goes live
STEP_SECONDS = 30.0  # default spacing of later steps ($STUDY_STEP_SECONDS)


def partial_files(files: dict[str, dict]) -> list[tuple[str, int, int]]:
    """(file, passages indexed, passages it has) for every file an unfinished ingest has only partly indexed."""
    return [(source, f["partial"]["done"], f["partial"]["total"]) for source, f in files.items()
            if isinstance(f, dict) and isinstance(f.get("partial"), dict)]


class Steps:
    """Decides when a step goes live and what it holds; ``publish(chunks, files)`` writes and switches to it."""

    def __init__(self, chunks: list[Chunk], files: dict[str, dict], chunk_keys: list[list[str]],
                 previous: Callable[[str], tuple[list[Chunk], dict] | None], publish: Callable[[list[Chunk], dict], None],
                 known: dict, every: float = STEP_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.files, self.previous, self.publish = files, previous, publish
        self.by_file: dict[str, list[tuple[Chunk, list[str]]]] = {}
        for chunk, keys in zip(chunks, chunk_keys):
            self.by_file.setdefault(chunk.source, []).append((chunk, keys))
        # the files this ingest embeds: only their progress makes a step worth writing
        self.pending = {s for s, items in self.by_file.items() if not all(k in known for _, keys in items for k in keys)}
        self.total = sum(len(self.by_file[s]) for s in self.pending)
        self.every, self.clock = every, clock
        self.started = clock()
        self.next = self.started + min(FIRST_STEP, every)
        self.published = 0
        self.done = 0  # new passages the last step showed

    def after_batch(self, known: dict) -> None:
        """Called after each embedded batch with every vector known so far."""
        now = self.clock()
        if now < self.next:
            return
        chunks, files, done = self.contents(known)
        # worth writing only when it shows more of the new passages; the final write follows once all are done
        if self.done < done < self.total and not self._final_soon(now, done):
            self.publish(chunks, files)
            self.published += 1
            self.done = done
        took = self.clock() - now
        self.next = self.clock() + max(self.every, 3 * took)

    def _final_soon(self, now: float, done: int) -> bool:
        """After the first step: whether, at the pace so far, every passage is embedded within half a step's spacing.
        The whole index goes live then anyway, and writing a step costs the embedding a large index's write."""
        if not self.published or not done:
            return False
        left = (self.total - done) * (now - self.started) / done
        return left < self.every / 2

    def contents(self, known: dict) -> tuple[list[Chunk], dict[str, dict], int]:
        """The step's passages and file records, and how many passages of the files being embedded it shows."""
        chunks: list[Chunk] = []
        files: dict[str, dict] = {}
        embedded = 0
        for source, entry in self.files.items():
            items = self.by_file.get(source, [])
            done = 0
            while done < len(items) and all(k in known for k in items[done][1]):
                done += 1
            if done == len(items):
                chunks.extend(c for c, _ in items)
                files[source] = entry
                embedded += done if source in self.pending else 0
                continue
            before = self.previous(source)
            if before is not None:
                chunks.extend(before[0])
                files[source] = before[1]
                continue
            # a step ends a partly embedded file where no sentence runs on: the two halves of a cut sentence are
            # embedded as the whole, known by a key the next passage is part of
            while 0 < done < len(items) and cut_after(items[done - 1][0], items[done][0]):
                done -= 1
            embedded += done
            chunks.extend(c for c, _ in items[:done])
            files[source] = {"path": entry.get("path"), "passages": done, "partial": {"done": done, "total": len(items)},
                             "indexed_at": entry.get("indexed_at")}
        return chunks, files, embedded
