"""Building the index from note files, incrementally: what goes into it, and the search structures over it.

A file whose size and modification time match the live index is not read
again; a file whose bytes hash the same is not chunked again; a passage or
sentence whose text is unchanged is not embedded again (a sentence of running prose: whose passage is unchanged,
index.plan). Files gone from the
folder leave the index. If nothing changed, no new version is written. After an upgrade
that changed how passages are cut, every file is read again but every unchanged text keeps its vector.
The FAISS index (flat or IVF), BM25 and the vocabulary are built here and
handed to index.store, which only writes them.
"""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ingest import CHUNKER_VERSION, SUPPORTED, Chunk, FileResult, NoteFile, discover, load as load_file

from . import ann, integrity, plan, store
from .embed import Embedder, IngestEncoder, export_query_encoder
from .errors import IndexMismatch, IndexMissing, NothingToIndex
from .lexical import Lexical, Vocabulary
from .roles import ROLES_VERSION
from .steps import STEP_SECONDS, Steps

# on_progress(stage, done, total): stage is "read" (files) or "embed" (texts: passages and sentences)
ProgressFn = Callable[..., None]  # (stage "read"|"embed", done, total, file: the file just read or being embedded)


@dataclass
class BuildReport:
    added: int = 0  # files
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    files: int = 0
    passages: int = 0
    embedded: int = 0  # texts embedded now (passages and their sentences)
    reused: int = 0  # texts whose vector came from the previous index
    failed: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}: files of a kind study does not read
    seconds: float = 0.0
    folder: str = ""
    written: bool = False  # False when nothing changed and the live index was kept
    steps: int = 0  # index versions made live before the last, while embedding (index.steps)
    again: bool = False  # every text embedded again: the index's vectors were another encoder's (an upgrade)

    def summary(self) -> str:
        text = (f"{self.added} added, {self.updated} updated, {self.removed} removed, {self.unchanged} unchanged, "
                f"{len(self.failed)} failed; {self.passages} passages ({self.embedded} texts embedded) in {self.seconds:.1f}s")
        if self.again:
            text += "; every text embedded again, once, by the int8 export (the index's vectors were another encoder's)"
        return text + ("." if self.written else "; index unchanged.")

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
                "passages": self.passages, "failed": self.failed, "skipped": self.skipped, "embedded": self.embedded,
                "embedded_again": self.again, "seconds": round(self.seconds, 3)}


KEPT = "the version indexed before stays searchable"


@contextmanager
def writer_lock(home: Path):
    """One writer at a time per data folder (CLI, watcher and server may all ingest)."""
    root = store.index_root(home)
    # a read-only data folder or a full disk: one clear line, not a traceback
    with integrity.writing(home, live=store.current_folder(home) is not None):
        root.mkdir(parents=True, exist_ok=True)
        fh = open(root / ".lock", "w")
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        store.remove_stale(root)  # only a killed writer leaves these, and we hold the lock
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def writing_now(home: Path) -> bool:
    """Whether an ingest is writing this data folder's index right now (it holds the writer lock)."""
    try:
        fh = open(store.index_root(home) / ".lock")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def _previous(home: Path, model: str) -> store.StoredIndex | None:
    """The live index to reuse unchanged files and vectors from, or None to rebuild everything.

    None when there is none, it was built with another model or format, or any file of it fails verification
    (IndexDamaged is an IndexMismatch): nothing is reused from a damaged index, and since there is no previous
    index to compare with, a new version is always written. load() checks the BM25 and vocabulary files' sizes
    and checksums even with lexical=False, so damage there is found too.
    """
    try:
        return store.load(home, model=model, lexical=False, any_chunker=True)
    except (IndexMissing, IndexMismatch):
        return None


def _same_passages(old: store.StoredIndex | None) -> store.StoredIndex | None:
    """The live index if its passages were cut by today's rules: only then are a file's passages kept as they are
    (after an upgrade that changed the rules every file is read again, and only its vectors are reused)."""
    return old if old is not None and old.manifest.chunker == CHUNKER_VERSION else None


def _stat(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
        return st.st_size, st.st_mtime_ns
    except OSError:
        return None


def _read(notes: list[NoteFile], old: store.StoredIndex | None, report: BuildReport,
          on_progress: ProgressFn | None, max_note_bytes: int | None = None) -> tuple[list[Chunk], dict[str, dict]]:
    """Chunks and file records for every note, reusing the live index's for unchanged files."""
    old_files = old.files if old else {}
    same = _same_passages(old) is not None
    chunks: list[Chunk] = []
    files: dict[str, dict] = {}
    for i, note in enumerate(notes, start=1):
        prev = old_files.get(note.source)
        stat = _stat(note.path)
        previous = old.chunks.in_file(note.source) if same and prev is not None and not prev.get("error") else []
        reusable = bool(previous) and "partial" not in prev  # a file an unfinished ingest indexed in part is read again
        if reusable and stat and [prev.get("size"), prev.get("mtime_ns")] == list(stat):
            entry, result = dict(prev), FileResult(note, previous, list(prev.get("warnings", [])))
            report.unchanged += 1
        else:
            result = load_file(note, max_note_bytes)
            entry = {"path": str(note.path), "sha256": result.sha256, "passages": len(result.chunks), "indexed_at": time.time()}
            if stat:
                entry["size"], entry["mtime_ns"] = stat
            if result.error and reusable:
                # a note that no longer reads (a save cut short, a file half copied): its last good version stays
                # searchable, and the failure is told at every ingest until the file reads again or is removed
                report.failed.append({"path": note.source, "error": f"{result.error}; {KEPT}"})
                entry, result = dict(prev), FileResult(note, previous, [])
                entry["kept"] = report.failed[-1]["error"]
                for key in ("size", "mtime_ns"):  # read it again next time: a restore may bring back the old stat
                    entry.pop(key, None)
            elif result.error:
                entry["error"] = result.error
                report.failed.append({"path": note.source, "error": result.error})
            elif reusable and prev.get("sha256") == result.sha256:
                entry["indexed_at"] = prev.get("indexed_at", entry["indexed_at"])
                report.unchanged += 1  # touched, same bytes
            elif prev is not None:
                report.updated += 1
            else:
                report.added += 1
        if result.warnings:
            entry["warnings"] = result.warnings
            report.warnings.extend({"path": note.source, "warning": w} for w in result.warnings)
        files[note.source] = entry
        chunks.extend(result.chunks)
        if on_progress:
            on_progress("read", i, len(notes), note.source)
    report.removed = len(set(old_files) - set(files))
    return chunks, files


def build(home: Path, paths: list[Path], embedder: Embedder, on_progress: ProgressFn | None = None,
          max_note_bytes: int | None = None, ann_threshold: int = ann.ANN_THRESHOLD,
          step_seconds: float = STEP_SECONDS) -> BuildReport:
    """Bring the index up to date with every note under ``paths``.

    Files that fail are reported and left out; the others are indexed. If
    nothing at all can be indexed the previous index stays live. Above
    ``ann_threshold`` passages the vector index is approximate (IVF).
    """
    started = time.perf_counter()
    report = BuildReport()
    with writer_lock(home):
        try:
            _update(home, paths, embedder, report, on_progress, max_note_bytes, ann_threshold, step_seconds)
        except NothingToIndex as e:
            e.report = report  # which files failed and why: the caller names each one
            raise
    report.seconds = time.perf_counter() - started
    export_query_encoder(home, embedder)  # the model is loaded now if anything was embedded: questions need no torch
    return report


def _update(home: Path, paths: list[Path], embedder: Embedder, report: BuildReport, on_progress: ProgressFn | None,
            max_note_bytes: int | None, ann_threshold: int, step_seconds: float) -> None:
    notes, report.skipped = discover(paths)
    if not notes:
        where = ", ".join(str(p) for p in paths)
        raise NothingToIndex(f"No notes ({', '.join(sorted(SUPPORTED))}) found in {where}. Add notes there, or name another folder.")
    old = _previous(home, embedder.name)
    encoder = IngestEncoder(home, embedder, old.manifest.encoder if old else None)
    with encoder.exporting():  # whatever ends the ingest, an export started early is waited for (and kept)
        chunks, files = _read(notes, old, report, on_progress, max_note_bytes)
        report.files, report.passages = len(notes), len(chunks)
        if not chunks:
            raise NothingToIndex("None of the notes could be indexed (see the errors above); the previous index is unchanged.")
        old_failed = {s for s, f in (old.files if old else {}).items() if f.get("error") or f.get("kept")}
        new_failed = {f["path"] for f in report.failed}
        again = report.again = encoder.stale()
        # nothing changed: keep the live index, embed nothing (one written before roles were kept, or by another
        # index.plan, is written again, every vector it still needs reused)
        if old and not (report.added or report.updated or report.removed) and old_failed == new_failed and old.has_roles \
                and old.manifest.plan == plan.VERSION and not again:
            report.folder = str(old.folder)
            return

        todo = plan.plan(chunks)
        roots = [str(p.resolve()) for p in paths]
        known = known_vectors(old)

        def publish(step_chunks: list[Chunk], step_files: dict[str, dict]) -> None:
            # a step of a full re-embed still holds vectors of the old encoder: a kill after it must not pass for done
            _write_known(home, embedder.name, step_chunks, step_files, known, roots, ann_threshold,
                         "mixed" if again else encoder.made)

        steps = Steps(chunks, files, todo.chunk_keys, _previous_version(_same_passages(old), files, known), publish, known,
                      every=step_seconds)
        sources = [c.source for c, own in zip(chunks, todo.chunk_keys) for _ in own]  # each text's file, for the progress
        embed_reusing(todo.texts, known, embedder, report, on_progress, encoder, after_batch=steps.after_batch,
                      keys=todo.keys, sources=sources, again=again, within=todo.within)
        folder = _write_known(home, embedder.name, chunks, files, known, roots, ann_threshold, encoder.made)
        report.folder, report.written, report.steps = str(folder), True, steps.published


def _previous_version(old: store.StoredIndex | None, files: dict[str, dict],
                      known: dict[str, np.ndarray]) -> Callable[[str], tuple[list[Chunk], dict] | None]:
    """A file's passages and record in the live index, for a step to keep while its new version is embedded: only
    when every vector they need by today's plan is known (an index from before index.plan pooled prose sentences
    holds their vectors by other keys; the step then shows the new version as far as it is embedded)."""
    def previous(source: str):
        entry = old.files.get(source) if old else None
        if not isinstance(entry, dict) or entry.get("error") or "partial" in entry or source not in files:
            return None
        chunks = old.chunks.in_file(source)
        needed = [plan.key(c.search_text) for c in chunks] + plan.sentence_rows(chunks)[3]
        return (chunks, entry) if chunks and all(k in known for k in needed) else None
    return previous


def _write_known(home: Path, model: str, chunks: list[Chunk], files: dict[str, dict], known: dict[str, np.ndarray],
                 roots: list[str], ann_threshold: int, encoder: str = "") -> Path:
    """Write an index of ``chunks`` whose passage and sentence vectors are all in ``known``."""
    offsets, _, _, keys = plan.sentence_rows(chunks)
    dim = len(next(iter(known.values())))
    vectors = np.array([known[plan.key(c.search_text)] for c in chunks], dtype="float32").reshape(-1, dim)
    sentence_vectors = np.array([known[k] for k in keys], dtype="float32").reshape(-1, dim)
    return write_index(home, model, dim, chunks, files, vectors, sentence_vectors, offsets, roots=roots,
                       ann_threshold=ann_threshold, sentence_keys=np.array([int(k, 16) for k in keys], dtype="uint64"),
                       encoder=encoder)


def lexical_texts(chunks: list[Chunk]) -> list[str]:
    """What BM25 reads for each passage. A passage of running prose is read with its neighbours in the file: a
    question about a scene names people and places set up a few sentences earlier (hit@5 on the prose corpus
    0.65 -> 0.76, the other corpora unchanged; for notes written as bullets it hurt, so only prose)."""
    out = []
    for i, c in enumerate(chunks):
        parts = [c.search_text]
        if c.kind == "prose":
            if i > 0 and chunks[i - 1].source == c.source:
                parts.insert(0, chunks[i - 1].text)
            if i + 1 < len(chunks) and chunks[i + 1].source == c.source:
                parts.append(chunks[i + 1].text)
        out.append("\n".join(parts))
    return out


def write_index(home: Path, model: str, dim: int, chunks: list[Chunk], files: dict[str, dict], vectors: np.ndarray,
                sentence_vectors: np.ndarray, sentence_offsets: np.ndarray, roots: list[str] | None = None,
                ann_threshold: int = ann.ANN_THRESHOLD, sentence_keys: np.ndarray | None = None, encoder: str = "") -> Path:
    """Build the search structures over these passages (vectors, BM25, vocabulary) and make them the live index."""
    vector_index, kind = ann.vector_index(vectors, dim, ann_threshold)
    texts = [c.search_text for c in chunks]
    lexical = Lexical(lexical_texts(chunks))
    vocabulary = Vocabulary(texts, tokens=lexical.vocab)  # BM25 has tokenized every passage already
    manifest = store.Manifest(model=model, dim=dim, passages=len(chunks), files=len(files), sentences=len(sentence_vectors),
                              roles=ROLES_VERSION, encoder=encoder, plan=plan.VERSION,
                              ann=kind, roots=list(roots or []))
    return store.write(home, manifest, chunks, files, vectors, vector_index, sentence_vectors, sentence_offsets, lexical,
                       vocabulary, sentence_keys)


EMBED_BATCH = 256  # texts per call: progress moves, memory stays flat


def known_vectors(old: store.StoredIndex | None) -> dict[str, np.ndarray]:
    """Every passage and sentence vector of the live index, by its text's key: what an ingest need not embed."""
    if old is None:
        return {}
    known = {plan.key(c.search_text): v for c, v in zip(old.chunks, old.vectors())}
    if store.SENTENCE_KEYS in old.manifest.contents:  # each row's key as written: exact whatever the rules now
        keys = [format(int(k), "016x") for k in np.load(old.folder / store.SENTENCE_KEYS, allow_pickle=False)]
    elif old.manifest.chunker == CHUNKER_VERSION:  # split again by the same rules: the same texts, row for row
        rows = plan.sentence_rows(old.chunks)  # keyed as the plan that wrote them did (before it: each text alone)
        keys = rows[3] if old.manifest.plan == plan.VERSION else [plan.key(t) for t in rows[1]]
    else:  # an older index cut by other rules, without its keys: its sentence rows cannot be matched to texts
        return known
    vectors = old.sentence_vectors.read_all()
    if len(keys) == len(vectors):
        known.update(zip(keys, vectors))
    return known


def embed_reusing(texts: list[str], known: dict[str, np.ndarray] | None, embedder: Embedder, report: BuildReport,
                  on_progress: ProgressFn | None, encoder: Callable[[], Embedder] | None = None,
                  after_batch: Callable[[dict], None] | None = None, keys: list[str] | None = None,
                  sources: list[str] | None = None, again: bool = False,
                  within: dict[int, list[tuple[int, str]]] | None = None) -> np.ndarray:
    """Vectors for ``texts``: taken from ``known`` where the text is unchanged, each distinct new text embedded once
    (and added to ``known``), by ``encoder()`` (asked for only when something is new: it may load the model) or
    else ``embedder``. ``within``: passages whose sentences' vectors come from the passage's run (index.plan).
    Texts are embedded in their order, so the first passages are done first (a step can make
    them live: ``after_batch(known)``). With ``again`` every text is embedded, its
    known vector replaced (it came from another encoder; steps keep showing it until then)."""
    known = {} if known is None else known
    keys = keys or [plan.key(t) for t in texts]
    within = within or {}
    owner = plan.owners(within)
    todo: dict[str, int] = {}  # key -> first text with it
    for i, k in enumerate(keys):
        if (again or k not in known) and k not in todo:
            todo[k] = i
    order = list(dict.fromkeys(owner.get(i, i) for i in todo.values()))  # a pooled sentence is made by its passage
    total, done = plan.made_by(order, within), 0
    if order and encoder is not None:
        embedder = encoder()
    for batch in plan.batches(order, within, EMBED_BATCH):
        for i, vector in plan.run(embedder, texts, batch, within):
            known[keys[i]] = vector
        done += plan.made_by(batch, within)
        if on_progress:  # with the file being embedded (the batch's last text in reading order), when known
            on_progress("embed", done, total, sources[max(batch)] if sources else None)
        if after_batch:
            after_batch(known)
    dim = len(next(iter(known.values()))) if known else embedder.dim  # the vectors' own: no model loaded to ask
    vectors = np.zeros((len(texts), dim), dtype="float32")
    for i, k in enumerate(keys):
        vectors[i] = known[k]
    report.embedded, report.reused = total, max(0, len(texts) - total)  # a passage run again for its sentences: made
    return vectors
