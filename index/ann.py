"""The index that finds candidate passages: exact (flat) search, or IVF over 8-bit vectors above a number of passages.

IVF with 4*sqrt(N) lists, 64 probed: recall@10 0.9996 against exact search at 100k (benchmarks/scale.py),
where HNSW (M=32, efConstruction=80, efSearch=256) reached 0.88 on the same vectors. Search reads the index's
top candidates and re-scores them from the vectors the index holds (index.search): exact ones in a flat index,
8-bit ones in IVF (a quarter of the memory: 0.4 GB at 1M passages; cosine within about 0.001 of the exact one).
"""
from __future__ import annotations

import numpy as np

ANN_THRESHOLD = 200_000  # default: above this many passages, IVF instead of flat ($STUDY_ANN_THRESHOLD)
IVF_PROBES = 64


def vector_index(vectors: np.ndarray, dim: int, threshold: int = ANN_THRESHOLD) -> tuple[object, str]:
    """A FAISS inner-product index holding ``vectors`` (row i = passage i), and its kind: "flat" or "ivf"."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype="float32")
    if len(vectors) > threshold:
        lists = int(4 * np.sqrt(len(vectors)))
        index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), 50 * lists), replace=False)
        index.train(vectors[np.sort(sample)])
        kind = "ivf"
    else:
        index, kind = faiss.IndexFlatIP(dim), "flat"
    if len(vectors):
        index.add(vectors)
    return index, kind


def ready(index, kind: str) -> None:
    """Set up an index read from disk for searching: probes, and the direct map candidates are re-scored from."""
    if kind == "ivf":
        index.nprobe = IVF_PROBES
        index.make_direct_map()
