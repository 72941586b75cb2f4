"""The library behind the CLI, the server and the web page: one data folder, its index, ask, search.

Settings come in once (app.config); each value goes to the part that uses it: the thresholds to the answer,
the note size limit and the ANN threshold to the index build, the query encoder to index.embed.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from index.lexical import tokenize
from index import Embedder, Hit, Searcher, build, current_folder, load_embedder, query_embedder
from index.build import BuildReport, ProgressFn, writing_now
from index.steps import partial_files

from . import answer as answering
from . import followup
from .answer import Abstention, Answer
from .config import Settings


@dataclass
class IngestStatus:
    """What the latest ingest in this process is doing or did: the web UI shows it while and after it runs."""

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int = 0
    file: str = ""  # the file just read
    summary: str = ""
    failed: list | None = None
    skipped: list | None = None  # files of kinds study does not read, {"path", "reason"} each
    error: str | None = None  # why the last ingest could not run (the previous index stays live)
    finished: float = 0.0
    active: int = 0  # ingests under way in this process (an upload's and the watcher's may overlap)


def one_line(e: BaseException) -> str:
    """An exception as one line for a person: our own errors already read as sentences."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text if type(e).__module__.split(".")[0] in ("index", "ingest", "app") else f"{type(e).__name__}: {text}"


class Study:
    """One data folder, one model, one live index; reloads when a new index goes live.

    ``embedder``: the model that embeds passages (default: the settings' model, loaded only when a text must be
    embedded). Questions are embedded by its ONNX export when there is one.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.home, self.notes, self.mode = settings.home, settings.notes, settings.mode
        self.embedder = embedder or load_embedder(settings.model, lazy=True)
        self._query_embedder: Embedder | None = None
        self._searcher: Searcher | None = None
        self._folder: Path | None = None
        self._lock = threading.Lock()
        self._counting = threading.Lock()  # for status.active only (ingest may run under _lock)
        self.status = IngestStatus()

    @property
    def model(self) -> str:
        return self.embedder.name

    @property
    def query_embedder(self) -> Embedder:
        """What embeds questions (and review answers): the ONNX export of the model when there is one."""
        if self._query_embedder is None:
            self._query_embedder = query_embedder(self.home, self.embedder, self.settings.query_encoder,
                                                  self.settings.onnx_threads)
        return self._query_embedder

    def ingest(self, paths: list[Path] | None = None, on_progress: ProgressFn | None = None) -> BuildReport:
        status = self.status
        with self._counting:
            status.active += 1
        status.running, status.stage, status.done, status.total = True, "read", 0, 0

        def progress(stage: str, done: int, total: int, file: str | None = None) -> None:
            status.stage, status.done, status.total = stage, done, total
            status.file = file or ""
            if on_progress:
                on_progress(stage, done, total, file)

        try:
            report = build(self.home, paths or [self.notes], self.embedder, progress, self.settings.max_note_bytes,
                           self.settings.ann_threshold, self.settings.step_seconds)
            if report.written or report.failed or not status.summary:
                # an ingest that found nothing new (the watcher's, right after an upload's) keeps the last summary
                status.summary = report.summary()
            status.failed, status.error = list(report.failed), None
            status.skipped = list(report.skipped)
        except Exception as e:
            status.error = one_line(e)
            raise
        finally:
            with self._counting:
                status.active -= 1
                status.running = status.active > 0
            status.finished = time.time()
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

    def ask(self, question: str, k: int = 5, previous: list[str] | None = None,
            abstention: Abstention | None = None, sources: set[str] | None = None) -> Answer:
        """Answer ``question`` (a follow-up of ``previous`` questions) from the files ``sources`` (None: all);
        ``abstention``: this asker's thresholds."""
        question = question.strip()
        query = followup.query_for(question, previous)
        searcher = self.searcher()
        if not any(ch.isalnum() for ch in query):
            return Answer(question, [], query=query)
        # Abstention weighs the same evidence whatever k is: the best EVIDENCE passages, then k are shown.
        depth = max(k, answering.EVIDENCE)
        if query != question and followup.new_subject(question) and followup.own_terms(question):
            # "and RNA?" after a DNA question: the topic helps find candidates, the turn's own words decide.
            hits = searcher.search(query, k=3 * depth, sentences=3 * depth, sources=sources)
            own = followup.own_terms(question)
            hits = sorted(hits, key=lambda h: (not own <= set(tokenize(h.chunk.search_text)), h.rank))[:depth]
            for rank, hit in enumerate(hits, start=1):
                hit.rank = rank
        elif query != question:  # a follow-up: the passage after the topic's best one may hold its answer
            hits = searcher.search(query, k=depth, sentences=depth + 1, sources=sources, next_to_best=True)
            hits = followup.follow_on(hits)[:depth]
        else:
            hits = searcher.search(query, k=depth, sentences=answering.FROM_TOP, sources=sources)
        reply = answering.answer(question, query, hits, searcher.vocabulary, abstention or self.settings.abstention, k)
        reply.indexing = self.indexing_note()
        return reply

    def indexing_note(self) -> str:
        """"indexing: 34% of lecture.pdf; ..." while the live index holds part of a file an ingest is embedding."""
        index = self.searcher().index
        if index.partial is None:  # the same for as long as this index is live: look once
            index.partial = partial_files(index.files)
        parts = index.partial
        if not parts:
            return ""
        begun = [p for p in parts if p[1]] or parts[:1]
        shares = ", ".join(f"{_share(done, total)} of {Path(source).name}" for source, done, total in begun)
        if len(parts) > len(begun):
            more = len(parts) - len(begun)
            shares += f" ({more} more file{'s' if more > 1 else ''} to come)"
        if writing_now(self.home):
            return f"indexing: {shares}; answers cover what is indexed so far"
        return f"partly indexed: {shares} (the ingest stopped); run `study ingest` to finish"

    def search(self, term: str, k: int = 10) -> list[Hit]:
        if not any(ch.isalnum() for ch in term):
            return []
        return self.searcher().search(term.strip(), k=k)


def _share(done: int, total: int) -> str:
    """"34%"; "under 1%" for a start (the first step of a textbook holds a few pages: "0%" would read as nothing)."""
    percent = 100 * done // max(total, 1)
    return "under 1%" if percent == 0 and done else f"{percent}%"
