"""Query latency, build time, index size and memory from 1k to 1M passages.

    python benchmarks/scale.py [--sizes 1000,10000,100000,1000000]

Data: 1k passages are real text (the course notes plus the public-domain novel and PDFs in
../shared/peer-files, topped up by repeating them), embedded with the real model; the build time at
1k includes that embedding. Larger sizes repeat the same real passages (each copy tagged with its
number in the heading, so BM25 sees distinct documents) with their real vectors plus small Gaussian noise,
re-normalised: synthetic vectors, so their build time is index writing only (FAISS, BM25,
vocabulary, files). Each size is measured in a fresh process: load time, RSS after load and after
the queries, and warm latency of a full `ask` (ONNX query encoding, retrieval, answer sentences)
over the dev and out-of-scope questions; then `study serve` (web UI and API) over the same index, its RSS after
answering those questions over HTTP. Above the ANN threshold (200k) the passage index is IVF (8-bit);
recall@10 of that index against exact search is reported on the same questions.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def questions() -> list[str]:
    files = [SHARED / "eval" / "dev.jsonl", ROOT / "benchmarks" / "out_of_scope.jsonl"]
    return [json.loads(l)["question"] for f in files if f.exists() for l in f.read_text().splitlines() if l.strip()]


def real_chunks():
    from ingest import discover, load

    roots = [ROOT / "notes"] + ([SHARED / "peer-files"] if (SHARED / "peer-files").exists() else [])
    notes, _ = discover(roots)
    return [c for n in notes for c in load(n).chunks]


def du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def tagged(chunk, copy: int):
    from dataclasses import replace

    return chunk if copy == 0 else replace(chunk, heading=f"{chunk.heading} (copy {copy})")


def build_size(home: Path, size: int, base_home: Path, ann_threshold: int) -> dict:
    """Write an index of ``size`` passages into ``home``; return build facts."""
    from index import store
    from index.build import write_index

    base = store.load(base_home, lexical=False)
    n_base = len(base.chunks)
    rng = np.random.default_rng(size)
    copies = [(i % n_base, i // n_base) for i in range(size)]
    chunks = [tagged(base.chunks[r], c) for r, c in copies]
    started = time.perf_counter()
    vectors = base.vectors()[[r for r, _ in copies]]
    counts = np.diff(base.sentence_offsets)
    offsets = np.concatenate([[0], np.cumsum([counts[r] for r, _ in copies])]).astype("int64")
    sentence_rows = np.concatenate([np.arange(base.sentence_offsets[r], base.sentence_offsets[r + 1]) for r, _ in copies])
    sentence_vectors = base.sentence_vectors.read_all()[sentence_rows]
    noisy = np.array([i for i, (_, c) in enumerate(copies) if c], dtype="int64")
    if len(noisy):
        # A copy is its passage's vector mixed with another random passage's and a little noise, so the
        # synthetic vectors spread like real ones instead of piling up as near-identical clusters.
        other = vectors[rng.integers(0, n_base, len(noisy))]
        mixed = vectors[noisy] + rng.uniform(0.2, 0.6, (len(noisy), 1)).astype("float32") * other
        vectors[noisy] = mixed + rng.normal(0, 0.02, mixed.shape).astype("float32")
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    files = {c.source: {"path": "", "passages": 0} for c in chunks[:n_base]}
    started = time.perf_counter()
    folder = write_index(home, base.manifest.model, base.manifest.dim, chunks, files, vectors, sentence_vectors, offsets,
                         ann_threshold=ann_threshold)
    build_s = time.perf_counter() - started
    ann = json.loads((folder / "manifest.json").read_text())["ann"]
    return {"build_s": build_s, "disk_mb": du(folder) / 2**20, "ann": ann, "sentences": len(sentence_vectors)}


def measure(home: str, models: str) -> dict:
    """Run in a fresh process: load, query, report."""
    from dataclasses import replace

    from app.config import Settings
    from app.service import Study

    t = time.perf_counter()
    study = Study(replace(Settings.from_env(home=home), notes=Path("/nonexistent")))  # never re-ingest here
    os.makedirs(Path(home) / "models", exist_ok=True)
    for item in Path(models).iterdir():
        target = Path(home) / "models" / item.name
        if not target.exists():
            target.symlink_to(item)
    searcher = study.searcher()
    load_s = time.perf_counter() - t
    rss_load = rss_mb()
    qs = questions()
    for q in qs[:10]:
        study.ask(q)
    latencies = []
    for q in qs:
        t = time.perf_counter()
        study.ask(q)
        latencies.append((time.perf_counter() - t) * 1000)
    out = {"load_s": load_s, "rss_load_mb": rss_load, "rss_mb": rss_mb(), "rss_anon_mb": rss_mb("RssAnon"),
           "rss_file_mb": rss_mb("RssFile"),
           "p50_ms": statistics.median(latencies), "p95_ms": sorted(latencies)[int(0.95 * (len(latencies) - 1))]}
    if searcher.index.manifest.ann != "flat":
        index = searcher.index.faiss_index
        exact = searcher.index.vectors()
        qv = np.stack([searcher.embed_query(q) for q in qs])
        truth = np.argsort(-(qv @ exact.T), axis=1)[:, :10]
        from index.ann import IVF_PROBES
        from index.search import CANDIDATES

        for probes in sorted({16, 32, IVF_PROBES}):
            index.nprobe = probes
            # what study does: the index's top CANDIDATES, re-scored from the index's own (8-bit) vectors, best 10
            _, cand = index.search(qv, CANDIDATES)
            reranked = [c[c >= 0][np.argsort(-(index.reconstruct_batch(c[c >= 0]) @ q))][:10] for c, q in zip(cand, qv)]
            out[f"recall@10_nprobe{probes}"] = float(np.mean([len(set(a) & set(t)) / 10 for a, t in zip(reranked, truth)]))
        out["recall@10"] = out[f"recall@10_nprobe{IVF_PROBES}"]
    return out


def served(home: Path, work: Path) -> dict:
    """`study serve` (web UI and API) over the index in ``home``: its RSS once ready and after every question."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import serverutil

    proc = None
    try:
        proc, base, ready_s = serverutil.start(home, Path("/nonexistent"), work / "serve.log")  # no notes: no ingest
        ready = serverutil.rss_mb(proc.pid)
        for q in questions():
            serverutil.ask(base, q)
        return {"served_ready_s": ready_s, "served_rss_ready_mb": ready, "served_rss_mb": serverutil.rss_mb(proc.pid)}
    finally:
        serverutil.stop(proc)


def rss_mb(kind: str = "VmRSS") -> float:
    for line in open("/proc/self/status"):
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--measure", nargs=2, metavar=("HOME", "MODELS"))
    parser.add_argument("--ann-threshold", type=int, help="use IVF above this many passages (default: as `study ingest`)")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    from app.config import Settings
    from app.service import Study

    settings = Settings.from_env()
    threshold = settings.ann_threshold if args.ann_threshold is None else args.ann_threshold
    work = Path(tempfile.mkdtemp(prefix="study-scale-"))
    try:
        # 1k real passages, embedded for real (also exports the ONNX query encoder)
        notes = work / "real"
        notes.mkdir()
        chunks = real_chunks()
        texts = []
        while len(texts) < 1000:
            texts.extend(chunks)
        for i, c in enumerate(texts[:1000]):
            (notes / f"p{i:04d}.md").write_text(f"# {c.heading or c.source}\n{c.text}\n" + (f"\ncopy {i}\n" if i >= len(chunks) else ""))
        base_home = work / "base"
        study = Study(Settings(base_home, notes=notes, model=settings.model, ann_threshold=threshold))
        started = time.perf_counter()
        report = study.ingest()
        real_build = time.perf_counter() - started
        models = base_home / "models"
        rows = []
        for size in [int(s) for s in args.sizes.split(",")]:
            if size == 1000:
                from index import store

                facts = {"build_s": real_build, "disk_mb": du(store.current_folder(base_home)) / 2**20, "ann": "flat",
                         "sentences": report.embedded - 1000, "data": "real text, real embeddings (build includes embedding)"}
                home = base_home
            else:
                home = work / f"h{size}"
                facts = build_size(home, size, base_home, threshold)
                facts["data"] = "repeated real text, synthetic vectors (mixes of real ones)"
            out = subprocess.run([sys.executable, __file__, "--measure", str(home), str(models)], capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr, file=sys.stderr)
                continue
            facts.update(json.loads(out.stdout.splitlines()[-1]))
            facts.update(served(home, work))
            facts["passages"] = size
            rows.append(facts)
            print(json.dumps(facts), file=sys.stderr, flush=True)
            if home != base_home:
                shutil.rmtree(home, ignore_errors=True)
        print("| passages | index | build s | disk MB | load s | RSS MB | p50 ms | p95 ms | recall@10 vs flat "
              "| served: RSS MB | data |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            recall = f"{r['recall@10']:.3f}" if "recall@10" in r else "exact"
            print(f"| {r['passages']:,} | {r['ann']} | {r['build_s']:.1f} | {r['disk_mb']:.0f} | {r['load_s']:.1f} | "
                  f"{r['rss_mb']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {recall} | {r['served_rss_mb']:.0f} | {r['data']} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
