"""Hybrid retrieval: dense (FAISS) and lexical (BM25) ranks fused."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest import Chunk, normalize

from . import store
from .embed import Embedder
from .lexical import Lexical

RRF_K = 60  # the constant of reciprocal-rank fusion (Cormack et al.); damps rank-1 dominance
CANDIDATES = 50  # how deep each ranker's list is read before fusing


@dataclass
class Hit:
    chunk: Chunk
    row: int  # FAISS row = passage number in the index
    rank: int = 0
    score: float = 0.0  # fused score that ranks the hits
    dense: float = 0.0  # cosine similarity of query and passage
    lexical: float = 0.0  # BM25 score


class Searcher:
    """Answers queries from one loaded index; safe to share between threads for reading."""

    def __init__(self, index: store.StoredIndex, embedder: Embedder, mode: str = "hybrid"):
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown retrieval mode {mode!r}; use hybrid, dense or lexical")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self.chunks = index.chunks
        self.lexical = Lexical([c.search_text for c in self.chunks]) if mode != "dense" else None

    @classmethod
    def open(cls, home: Path, embedder: Embedder, mode: str = "hybrid") -> "Searcher":
        return cls(store.load(home, model=embedder.name), embedder, mode)

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def search(self, query: str, k: int = 5, qvec: np.ndarray | None = None) -> list[Hit]:
        n = len(self.chunks)
        if n == 0 or not query.strip():
            return []
        depth = min(n, max(CANDIDATES, k))
        fused: dict[int, float] = {}
        dense_score: dict[int, float] = {}
        lexical_score = np.zeros(n, dtype="float32")
        if self.mode != "lexical":
            qvec = self.embed_query(query) if qvec is None else qvec
            scores, rows = self.index.faiss_index.search(qvec.reshape(1, -1).astype("float32"), depth)
            for rank, (row, s) in enumerate(zip(rows[0], scores[0])):
                if row < 0:
                    continue
                dense_score[int(row)] = float(s)
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (RRF_K + rank + 1)
        if self.lexical is not None:
            lexical_score = self.lexical.scores(query)
            top = np.argsort(-lexical_score, kind="stable")[:depth]
            for rank, row in enumerate(top):
                if lexical_score[row] <= 0:
                    break
                fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (RRF_K + rank + 1)
        if self.mode != "lexical":
            missing = [r for r in fused if r not in dense_score]
            if missing:
                vecs = self.index.faiss_index.reconstruct_batch(np.array(missing, dtype="int64"))
                for r, v in zip(missing, vecs @ qvec):
                    dense_score[r] = float(v)
        order = sorted(fused, key=lambda r: (-fused[r], r))
        hits: list[Hit] = []
        seen: list[set[str]] = []
        for row in order:
            words = set(normalize(self.chunks[row].text).split())
            if any(_overlap(words, other) > 0.8 for other in seen):
                continue  # near-duplicate of a better hit: show the better one only
            seen.append(words)
            hits.append(Hit(self.chunks[row], row, len(hits) + 1, fused[row], dense_score.get(row, 0.0), float(lexical_score[row])))
            if len(hits) == k:
                break
        return hits


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
