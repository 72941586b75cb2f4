"""The library behind both the CLI and the web UI: open an index, ask, search."""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from index import Hit, Searcher, build, current_folder, load_embedder, model_spec, onnx
from index.embed import HASH_PREFIX, LazyEmbedder
from index.build import ProgressFn
from index.lexical import tokenize
from index.store import IndexMismatch, IndexMissing

from .answer import Answer, pick_sentences

# Calibrated on data (README "Abstention"): below ABSTAIN the best passage is
# too far from the question; below ABSTAIN_NAMED it is not close enough to
# outweigh a question that names something the notes never mention.
DEFAULT_ABSTAIN = 0.36
DEFAULT_ABSTAIN_NAMED = 0.60

_FOLLOW_UP = re.compile(r"^\s*(and|but|or|also|so|then|what about|how about|what if|why not)\b|\b(it|its|they|them|their|this|that|those|these)\b", re.I)


def is_follow_up(question: str) -> bool:
    """A short question that leans on the previous one ("and FIFO queues?", "how do I enable it?")."""
    return len(question.split()) <= 8 and bool(_FOLLOW_UP.search(question))


@dataclass
class IngestStatus:
    """What the latest ingest in this process is doing or did: the web UI shows it while and after it runs."""

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    summary: str = ""
    failed: list | None = None
    error: str | None = None  # why the last ingest could not run (the previous index stays live)
    finished: float = 0.0


def one_line(e: BaseException) -> str:
    """An exception as one line for a person: our own errors already read as sentences."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if type(e).__module__.split(".")[0] in ("index", "ingest", "app") else f"{type(e).__name__}: {text}"


class Study:
    """One data folder, one model, one live index; reloads when a new index goes live."""

    def __init__(self, home: Path, notes: Path | None = None, model: str | None = None, mode: str = "hybrid",
                 abstain: float | None = None, abstain_named: float | None = None, max_note_mb: float | None = None):
        self.home = home
        self.notes = notes or Path("notes")
        self.model = model_spec(model)
        self.mode = mode
        self.abstain = DEFAULT_ABSTAIN if abstain is None else abstain
        self.abstain_named = DEFAULT_ABSTAIN_NAMED if abstain_named is None else abstain_named
        self._embedder = None
        self._query_embedder = None
        self._searcher: Searcher | None = None
        self._folder: Path | None = None
        self._lock = threading.Lock()
        self.status = IngestStatus()
        self.max_note_bytes = int(max_note_mb * 2**20) if max_note_mb else None

    @property
    def embedder(self):
        if self._embedder is None:
            self._embedder = load_embedder(self.model, lazy=True)
        return self._embedder

    @property
    def query_embedder(self):
        """What embeds questions: the ONNX export of the model when there is one (no torch import), else the model."""
        if self._query_embedder is None:
            encoder = None
            if os.environ.get("STUDY_QUERY_ENCODER", "onnx") != "torch" and not self.model.startswith(HASH_PREFIX):
                encoder = onnx.load(self.home, self.model)
                if encoder is None:
                    try:
                        self._export_onnx(force_load=True)
                    except Exception:  # read-only or full data folder: the model itself answers, only slower
                        pass
                    encoder = onnx.load(self.home, self.model)
            self._query_embedder = encoder or self.embedder
        return self._query_embedder

    def _export_onnx(self, force_load: bool = False) -> None:
        lazy = self.embedder
        loaded = getattr(lazy, "_model", None)
        if loaded is None and force_load and isinstance(lazy, LazyEmbedder):
            loaded = lazy.model
        if loaded is not None:
            onnx.export(self.home, self.model, loaded.model)

    def ingest(self, paths: list[Path] | None = None, on_progress: ProgressFn | None = None):
        status = self.status
        status.running, status.stage, status.done, status.total = True, "read", 0, 0

        def progress(stage: str, done: int, total: int) -> None:
            status.stage, status.done, status.total = stage, done, total
            if on_progress:
                on_progress(stage, done, total)

        try:
            report = build(self.home, paths or [self.notes], self.embedder, progress, self.max_note_bytes)
            status.summary, status.failed, status.error = report.summary(), list(report.failed), None
        except Exception as e:
            status.error = one_line(e)
            raise
        finally:
            status.running, status.finished = False, time.time()
        try:
            self._export_onnx()  # the model is loaded now if anything was embedded: export it once for fast queries
        except Exception:  # no room or no write access for the export: questions fall back to the model
            pass
        return report

    def ingest_in_background(self) -> threading.Thread:
        """Start an ingest and return at once; ``status`` tells how it goes and how it ended."""
        def run() -> None:
            try:
                self.ingest()
            except Exception:
                pass  # recorded in self.status.error for the page to show

        worker = threading.Thread(target=run, name="study-ingest", daemon=True)
        self.status.running = True
        worker.start()
        return worker

    def searcher(self, on_progress: ProgressFn | None = None) -> Searcher:
        """The searcher over the live index, building one from the notes if there is none."""
        folder = current_folder(self.home)
        if folder is not None and folder == self._folder and self._searcher is not None:
            return self._searcher
        with self._lock:
            folder = current_folder(self.home)
            if folder is None or folder != self._folder or self._searcher is None:
                if current_folder(self.home) is None:
                    self.ingest(on_progress=on_progress)
                searcher = Searcher.open(self.home, self.query_embedder, self.mode)
                self._searcher, self._folder = searcher, searcher.index.folder
            return self._searcher

    def ask(self, question: str, k: int = 5, previous: list[str] | None = None) -> Answer:
        question = question.strip()
        query = question
        if previous and is_follow_up(question):
            query = f"{previous[-1]} {question}"
        searcher = self.searcher()
        if not any(ch.isalnum() for ch in query):
            return Answer(question, [], query=query)
        qvec = searcher.embed_query(query)
        hits = searcher.search(query, k=k, qvec=qvec)
        answer = Answer(question, hits, query=query)
        if not hits:
            return answer
        answer.abstained = self.should_abstain(question, hits, searcher)
        if not answer.abstained:
            answer.sentences = pick_sentences(query, hits, qvec, searcher)
        return answer

    def should_abstain(self, question: str, hits: list[Hit], searcher: Searcher) -> bool:
        """Not in the notes: nothing similar enough, or it names something unknown and nothing is close."""
        best = max(h.dense for h in hits)
        vocabulary = searcher.vocabulary
        if vocabulary.unknown_names(question) or not vocabulary.knows_any(question):
            return best < self.abstain_named
        if best >= self.abstain:
            return False
        # A bare term ("SSE-C") embeds poorly; every word of it standing in the top passage is evidence enough.
        words = set(tokenize(question))
        return not words or not words <= set(tokenize(hits[0].chunk.search_text))

    def search(self, term: str, k: int = 10) -> list[Hit]:
        if not any(ch.isalnum() for ch in term):
            return []
        return self.searcher().search(term.strip(), k=k)


__all__ = ["Study", "IndexMissing", "IndexMismatch", "is_follow_up"]
