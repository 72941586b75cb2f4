"""Hybrid retrieval: dense (passage and best-sentence similarity) and BM25, fused by a convex combination.

The best hits can come back with their passages' sentences scored against the question (the dense score computes
them anyway), so the answer picks its sentences without asking the index again.

Why this scheme (measured with `study eval` and benchmarks/retrieval.py):
- a passage's dense score averages its own cosine with that of its best
  sentence, so one answering line is not drowned by the rest of a passage;
- dense and BM25 scores are each scaled to [0, 1] over the candidates and
  mixed half and half, which ranked better than reciprocal-rank fusion here
  because it keeps how far apart the scores are, not only their order.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ingest import Chunk, cut_between, normalize, split_sentences
from ingest.sentences import ENDED

from . import neighbours, roles, store
from .embed import Embedder
from .lexical import looked_up

# Share of the dense score in the fused score; BM25 gets the rest. 0.6 on the macro average over eleven question
# sets (README "Fresh questions"): 0.5 fitted the three it was first chosen on and lost on the eight others.
DENSE_WEIGHT = 0.6
# A passage that writes every identifier a query looks up ("precision_score", "what is number17x3") gains this
# much: an exact name is what a student searches it by, however the two embed.
EXACT_BONUS = 0.5
SENTENCE_WEIGHT = 0.5  # share of the best sentence in a passage's dense score
CANDIDATES = 100  # how deep each ranker's list is read before fusing
# From this many passages an index outgrows what the page cache surely holds: a question first asks for all the
# rows it will read at once (rows.prefetch), so reads from disk overlap.
PREFETCH_ABOVE = 50_000
EXACT_WITHIN = 50_000  # a search within files holding at most this many passages scores them all exactly
# Code and link lists answer few questions in words, yet share many of their terms: they rank below prose
# (a weight on the fused score), code not when the question itself reads like code.
KIND_WEIGHT = {"code": 0.75, "nav": 0.6}
# Passages that ask rather than tell, or only lead in to the next one (index.roles), echo the question's words
# without its answer (benchmarks/corpora.py, macro hit@1 0.707 -> 0.724; 0.65 did no better than 0.8).
ROLE_WEIGHT = {roles.ASKS: 0.8, roles.LEADS: 0.8}
# A "why" question is answered by a passage that gives a reason (index.roles.EXPLAINS), which may share fewer of its
# words than one that only names the subject (benchmarks/corpora.py: ml-for-beginners hit@1 0.683 -> 0.750, four
# of its seven "why" questions; 1.1 gained two, 1.3 no more; prose and course notes the same). A question naming a
# reason asks for one too ("What reason does he give for leaving?"); "cause" is as often a verb ("harms it can cause").
WHY_WEIGHT = 1.2
# In running prose a passage's scene is set up by its neighbours (the people, the place, what just happened), so a
# prose passage's fused score gains this share of its better neighbour's among the candidates: the passage inside
# the scene a question describes outranks one elsewhere that shares a few of its words (benchmarks/corpora.py, prose:
# hit@5 0.873 -> 0.927, hit@1 0.673 -> 0.691; 0.3 and 0.5 gave 0.909, 0.2 nothing; the other corpora hold no prose).
# Notes written as lines and bullets are left alone, as for BM25's context (index.build.lexical_texts).
SCENE_SHARE = 0.4
_WHY = re.compile(r"\bwhy\b|\bhow come\b|\breasons?\b", re.I)
_CODE_QUERY = re.compile(r"`|\w\(|\w_\w|\w\.\w+\(?|[=<>{}\[\]]|\b(?:code|snippet|syntax|function|method|command|import|parameter)s?\b", re.I)


def asks_why(query: str) -> bool:
    """A question after a reason: "why", "how come", or one naming a reason."""
    return bool(_WHY.search(query))


def reads_like_code(query: str) -> bool:
    """A question about code: an identifier, a call, an operator, or asking for code in words."""
    return bool(_CODE_QUERY.search(query))


@dataclass
class Hit:
    chunk: Chunk
    row: int  # FAISS row = passage number in the index
    rank: int = 0
    score: float = 0.0  # fused score that ranks the hits
    dense: float = 0.0  # dense similarity (passage and best sentence) of query and passage
    lexical: float = 0.0  # BM25 score
    # Every sentence of the passage with its cosine to the query, for the hits asked for (search(..., sentences=N)).
    sentences: list[tuple[store.Sentence, float]] = field(default_factory=list)
    # The neighbouring rows shown with it as one excerpt (index.neighbours), in file order; empty: ``row`` alone.
    rows: tuple[int, ...] = ()

    @property
    def passages(self) -> tuple[int, ...]:
        return self.rows or (self.row,)


class Searcher:
    """Answers queries from one loaded index; safe to share between threads (read-only)."""

    def __init__(self, index: store.StoredIndex, embedder: Embedder, mode: str = "hybrid"):
        import faiss

        faiss.omp_set_num_threads(1)  # one query at a time: a second thread only adds overhead here
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown retrieval mode {mode!r}; use hybrid, dense or lexical")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self.chunks = index.chunks
        self.offsets = index.sentence_offsets
        self.sentence_vectors = index.sentence_vectors
        self.lexical = index.lexical if mode != "dense" else None
        self.vocabulary = index.vocabulary
        # the first row of each file, in order: two rows are of one file when they fall between the same two starts
        self._file_starts = np.array(sorted(r.start for r in self.chunks.file_rows.values()), dtype="int64")

    @classmethod
    def open(cls, home: Path, embedder: Embedder, mode: str = "hybrid") -> "Searcher":
        return cls(store.load(home, model=embedder.name), embedder, mode)

    def embed_query(self, query: str) -> np.ndarray:
        return self.embedder.embed([query])[0]

    def _sentence_sims(self, row: int, qvec: np.ndarray) -> np.ndarray:
        """Cosine of the query with each sentence of passage ``row`` (read from the stored sentence vectors)."""
        return self.sentence_vectors[self.offsets[row] : self.offsets[row + 1]] @ qvec

    def _dense(self, rows: np.ndarray, qvec: np.ndarray, sims: dict[int, np.ndarray]) -> np.ndarray:
        """Dense score of each candidate row; ``sims`` keeps each row's sentence similarities for the hits."""
        # from memory: the flat index holds the exact vectors, IVF its 8-bit ones (reading the exact rows from disk
        # cost a random read per candidate, most of a question's time at 1M passages with a cold page cache)
        passage = self.index.faiss_index.reconstruct_batch(rows.astype("int64")) @ qvec
        best = passage.copy()
        for i, row in enumerate(rows.tolist()):
            found = sims[row] = self._sentence_sims(row, qvec)
            if len(found):
                best[i] = float(np.max(found))
        return (1 - SENTENCE_WEIGHT) * passage + SENTENCE_WEIGHT * best

    def _scored_sentences(self, row: int, qvec: np.ndarray, sims: dict[int, np.ndarray]) -> list[tuple[store.Sentence, float]]:
        found = sims[row] if row in sims else self._sentence_sims(row, qvec)
        scored = [(s, float(sim)) for (s, _), sim in zip(self.index.sentences(row), found)]
        if scored:
            scored[0] = (self._with_start(row, scored[0][0]), scored[0][1])
            scored[-1] = (self._with_rest(row, scored[-1][0]), scored[-1][1])
        return scored

    # A sentence a passage boundary cut (index.plan embeds both halves as the whole) is given its other half, read from
    # the passage before or after, so the answer shows it whole from either passage. Only a sentence that could be
    # cut reads a neighbour: one that opens its passage in lower case, or one that ends its passage unfinished.
    def _with_start(self, row: int, first: store.Sentence) -> store.Sentence:
        chunk = self.chunks[row]
        if not first.text[:1].islower() or row - 1 not in self.chunks.file_rows.get(chunk.source, ()):
            return first
        prev = self.chunks[row - 1]
        before = split_sentences(prev)
        if not before or not cut_between(prev, chunk, before[-1], (first.text, first.line, first.last_line)):
            return first
        return replace(first, start=before[-1][0], start_line=prev.line_of(before[-1][1]))

    def _with_rest(self, row: int, last: store.Sentence) -> store.Sentence:
        chunk = self.chunks[row]
        if last.text.rstrip().endswith(ENDED) or row + 1 not in self.chunks.file_rows.get(chunk.source, ()):
            return last
        nxt = self.chunks[row + 1]
        after = split_sentences(nxt)
        if not after or not cut_between(chunk, nxt, (last.text, last.line, last.last_line), after[0]):
            return last
        return replace(last, rest=after[0][0], rest_line=nxt.last_line_of(after[0][2]))

    def rows_of(self, sources: set[str]) -> np.ndarray:
        """The passage rows of these files (a file's passages are contiguous rows of the index)."""
        spans = [self.chunks.file_rows[s] for s in sorted(sources) if s in self.chunks.file_rows]
        return np.concatenate([np.arange(r.start, r.stop) for r in spans]) if spans else np.zeros(0, dtype="int64")

    def _candidates(self, query: str, qvec: np.ndarray | None, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.chunks)
        depth = min(n if allowed is None else len(allowed), CANDIDATES)
        found: set[int] = set()
        if qvec is not None and depth:
            found.update(self._dense_candidates(qvec, depth, allowed))
        lexical = self.lexical.scores(query) if self.lexical is not None else np.zeros(n, dtype="float32")
        if allowed is not None:
            kept = np.zeros_like(lexical)
            kept[allowed] = lexical[allowed]
            lexical = kept
        if self.lexical is not None and depth:
            top = np.argpartition(-lexical, depth - 1)[:depth] if depth < n else np.arange(n)
            found.update(int(r) for r in top if lexical[r] > 0)
        return np.array(sorted(found), dtype="int64"), lexical

    def _dense_candidates(self, qvec: np.ndarray, depth: int, allowed: np.ndarray | None) -> list[int]:
        """The ``depth`` rows nearest the query, from ``allowed`` rows only if given (so a small file is not crowded
        out by the others): scored exactly when they are few, since IVF probes only some lists and might hold none
        of them; otherwise the vector index skips the rest itself."""
        import faiss

        index, query = self.index.faiss_index, qvec.reshape(1, -1).astype("float32")
        if allowed is None:
            return [int(r) for r in index.search(query, depth)[1][0] if r >= 0]
        if self.index.manifest.ann == "ivf" and len(allowed) <= EXACT_WITHIN:
            runs = np.split(allowed, np.flatnonzero(np.diff(allowed) != 1) + 1)  # a file's rows: one read each
            sims = np.concatenate([self.index.passage_vectors[int(r[0]) : int(r[-1]) + 1] for r in runs]) @ qvec
            return [int(allowed[i]) for i in np.argsort(-sims)[:depth]]
        excluded = np.setdiff1d(np.arange(len(self.chunks)), allowed) if 2 * len(allowed) > len(self.chunks) else None
        inner = faiss.IDSelectorBatch(excluded if excluded is not None else allowed)
        selector = faiss.IDSelectorNot(inner) if excluded is not None else inner  # the smaller list either way
        params = (faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe) if self.index.manifest.ann == "ivf"
                  else faiss.SearchParameters(sel=selector))
        return [int(r) for r in index.search(query, depth, params=params)[1][0] if r >= 0]

    def _weights(self, rows: np.ndarray, query: str) -> np.ndarray:
        """Each candidate's weight for its kind (code, link list) and its role (asks, leads in, explains)."""
        code_query = reads_like_code(query)
        weights = {**ROLE_WEIGHT, roles.EXPLAINS: WHY_WEIGHT if asks_why(query) else 1.0}
        kinds = [k.decode("ascii") for k in self.index.chunks.kinds[rows]]
        by_role = [weights.get(r.decode("ascii"), 1.0) for r in self.index.chunks.roles[rows]]
        return np.array([(1.0 if code_query and kind == "code" else KIND_WEIGHT.get(kind, 1.0)) * weight
                         for kind, weight in zip(kinds, by_role)], dtype="float32")

    def search(self, query: str, k: int = 5, sentences: int = 0, sources: set[str] | None = None,
               within: np.ndarray | None = None, next_to_best: bool = False) -> list[Hit]:
        """The ``k`` best passages for ``query`` (from the files ``sources`` only, and the rows ``within`` only, if
        given), near-duplicates dropped; the first ``sentences`` hits come with their sentences scored against the
        query. ``next_to_best``: the passage after the best one in its file is scored too, in the same ranking
        (where a follow-up's answer often stands), and is among the hits (one more than ``k`` if it ranks lower).

        The query is embedded once (also in lexical mode when sentences are wanted: they are scored by meaning).
        """
        if not self.chunks or not query.strip():
            return []
        allowed = None if sources is None else self.rows_of(sources)
        if within is not None:
            allowed = np.unique(within) if allowed is None else np.intersect1d(allowed, within)
        qvec = self.embed_query(query) if self.mode != "lexical" or sentences else None
        rows, lexical_all = self._candidates(query, qvec if self.mode != "lexical" else None, allowed)
        if not len(rows):
            return []
        if len(self.chunks) > PREFETCH_ABOVE:
            self.sentence_vectors.prefetch([(self.offsets[r], self.offsets[r + 1]) for r in rows.tolist()])
            # every candidate's text too: where copies abound the duplicate check reads far down the list
            # (asking for the first 4k only was tried: p50 44 -> 67 ms at 1M with an empty page cache)
            self.chunks.prefetch(rows.tolist())
        sims: dict[int, np.ndarray] = {}
        dense = self._dense(rows, qvec, sims) if self.mode != "lexical" else np.zeros(len(rows), dtype="float32")
        lexical = lexical_all[rows]
        fused = self._fuse(rows, dense, lexical, query)
        after = self._next_row(int(rows[np.argmax(fused)]), allowed) if next_to_best else None
        if after is not None and after not in rows:
            rows = np.append(rows, after)
            extra = self._dense(rows[-1:], qvec, sims) if self.mode != "lexical" else np.zeros(1, dtype="float32")
            dense, lexical = np.append(dense, extra), np.append(lexical, lexical_all[after])
            fused = self._fuse(rows, dense, lexical, query)
        order = np.lexsort((rows, -fused))
        hits: list[Hit] = []
        seen: list[set] = []
        texts: set[str] = set()
        for i in order:
            row = int(rows[i])
            text = self.chunks[row].text
            if text in texts:
                continue  # a copy of a better hit (the same slide in two decks): show the better one only
            texts.add(text)
            shingles = _shingles(text)
            if any(_overlap(shingles, other) > 0.8 for other in seen):
                continue  # near-duplicate of a better hit (a copied paragraph, reworded a little)
            seen.append(shingles)
            hits.append(Hit(self.chunks[row], row, len(hits) + 1, float(fused[i]), float(dense[i]), float(lexical[i])))
            if len(hits) == k + neighbours.JOIN_WITHIN - 1:  # as many more as joining neighbours may take
                break
        hits = neighbours.excerpts(hits, lambda r: self.chunks[r])[:k]
        shown = {self.chunks[r].text for h in hits for r in h.passages}
        if after is not None and all(after not in h.passages for h in hits) and self.chunks[after].text not in shown:
            i = int(np.flatnonzero(rows == after)[0])  # asked for: one more hit, wherever it ranks
            hits.append(Hit(self.chunks[after], after, len(hits) + 1, float(fused[i]), float(dense[i]), float(lexical[i])))
        for hit in hits[:sentences]:
            hit.sentences = self._joined_sentences(hit, qvec, sims)
        return hits

    def _joined_sentences(self, hit: Hit, qvec: np.ndarray, sims: dict[int, np.ndarray]) -> list[tuple[store.Sentence, float]]:
        """The hit's sentences scored; an excerpt of neighbours numbers its lines from its own first line."""
        if not hit.rows:
            return self._scored_sentences(hit.row, qvec, sims)
        return neighbours.sentences([self.chunks[r] for r in hit.rows],
                                    [self._scored_sentences(r, qvec, sims) for r in hit.rows])

    def _fuse(self, rows: np.ndarray, dense: np.ndarray, lexical: np.ndarray, query: str) -> np.ndarray:
        if self.mode == "dense":
            fused = dense
        elif self.mode == "lexical":
            fused = lexical
        else:
            fused = DENSE_WEIGHT * _minmax(dense) + (1 - DENSE_WEIGHT) * _scale(lexical)
        fused = fused * self._weights(rows, query)
        if self.mode == "hybrid" and self.lexical is not None:
            held = self.lexical.holding(looked_up(query))
            if held is not None:
                fused = fused + EXACT_BONUS * held[rows]
        return self._in_scene(rows, fused)

    def _in_scene(self, rows: np.ndarray, fused: np.ndarray) -> np.ndarray:
        """Each prose candidate's score with SCENE_SHARE of its better neighbour's (same file, prose, a candidate)."""
        prose = self.index.chunks.kinds[rows] == b"prose"
        if not prose.any():
            return fused
        at = {r: i for i, r in enumerate(rows.tolist())}
        files = np.searchsorted(self._file_starts, rows, side="right")
        out = fused.copy()
        for i in np.flatnonzero(prose).tolist():
            row = int(rows[i])
            beside = [fused[at[n]] for n in (row - 1, row + 1) if n in at and prose[at[n]] and files[at[n]] == files[i]]
            if beside:
                out[i] += SCENE_SHARE * max(beside)
        return out

    def _next_row(self, row: int, allowed: np.ndarray | None) -> int | None:
        """The passage after ``row`` in the same file (and among ``allowed``), if there is one."""
        span = self.chunks.file_rows.get(self.chunks[row].source)
        after = row + 1
        if span is None or after not in span or (allowed is not None and after not in set(allowed.tolist())):
            return None
        return after


def _minmax(x: np.ndarray) -> np.ndarray:
    span = float(x.max() - x.min()) if len(x) else 0.0
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def _scale(x: np.ndarray) -> np.ndarray:
    top = float(x.max()) if len(x) else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def _shingles(text: str) -> set[tuple[str, ...]]:
    """Word trigrams: shared phrasing, not just shared vocabulary, marks a duplicate."""
    words = normalize(text).split()
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def _overlap(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
