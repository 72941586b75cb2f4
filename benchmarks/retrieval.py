"""Retrieval side by side, in one run, on the same questions and the same model.

    python benchmarks/retrieval.py [QUESTIONS.jsonl ...]

Default questions: ../shared/eval/dev.jsonl plus benchmarks/out_of_scope.jsonl.
Systems:
  tutorial  LangChain RecursiveCharacterTextSplitter(1000, 200) + MiniLM + FAISS flat, dense only
  bm25      BM25 alone on study's passages
  dense     dense alone on study's passages (passage + best-sentence similarity)
  study     study's default: hybrid, with abstention
Needs the bench extra: pip install -e '.[bench]'.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.evaluate import is_hit, load_questions, percentile  # noqa: E402
from app.service import Study  # noqa: E402
from index import build, load_embedder  # noqa: E402


def score(ranked_texts: list[list[str]], items: list[dict], latencies: list[float]) -> dict:
    h1 = h5 = rr = 0.0
    lengths = []
    answerable = [(texts, it) for texts, it in zip(ranked_texts, items) if it["answer_contains"]]
    for texts, it in answerable:
        lengths.extend(len(t) for t in texts[:5])
        rank = next((i + 1 for i, t in enumerate(texts[:10]) if is_hit(t, it["answer_contains"])), None)
        h1 += rank == 1
        h5 += bool(rank and rank <= 5)
        rr += 1 / rank if rank else 0
    n = len(answerable)
    return {"hit@1": h1 / n, "hit@5": h5 / n, "mrr@10": rr / n, "chars": statistics.mean(lengths),
            "p50_ms": percentile(latencies, 0.5)}


def tutorial(embedder, items: list[dict], notes: Path) -> dict:
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = [c for f in sorted(notes.rglob("*.md")) for c in splitter.split_text(f.read_text(encoding="utf-8"))]
    vectors = embedder.embed(chunks)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    ranked, latencies = [], []
    for it in items:
        t = time.perf_counter()
        _, rows = index.search(embedder.embed([it["question"]]), 10)
        latencies.append((time.perf_counter() - t) * 1000)
        ranked.append([chunks[r] for r in rows[0] if r >= 0])
    out = score(ranked, items, latencies)
    out["passages"] = len(chunks)
    return out


def ours(home: Path, mode: str, items: list[dict], embedder) -> dict:
    # questions encoded by the model itself (not its ONNX export), as the tutorial row does: like for like
    study = Study(Settings(home, model=embedder.name, mode=mode, query_encoder="torch"), embedder=embedder)
    study.ask("warm up")
    ranked, latencies, abstained = [], [], []
    for it in items:
        t = time.perf_counter()
        answer = study.ask(it["question"], k=10)
        latencies.append((time.perf_counter() - t) * 1000)
        ranked.append([h.chunk.text for h in answer.hits])
        abstained.append(answer.abstained)
    out = score(ranked, items, latencies)
    out["passages"] = len(study.searcher().chunks)
    if mode == "hybrid":
        oos = [a for a, it in zip(abstained, items) if not it["answer_contains"]]
        ans = [a for a, it in zip(abstained, items) if it["answer_contains"]]
        out["abstention"] = sum(oos) / len(oos) if oos else None
        out["false_abstention"] = sum(ans) / len(ans)
    return out


def main(argv: list[str]) -> None:
    files = [Path(a) for a in argv] or [ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "benchmarks" / "out_of_scope.jsonl"]
    items = [it for f in files for it in load_questions(f)]
    notes = ROOT / "notes"
    embedder = load_embedder()
    faiss_threads()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        build(home, [notes], embedder)
        rows = {"tutorial (LangChain 1000/200, dense)": tutorial(embedder, items, notes),
                "BM25 alone, our passages": ours(home, "lexical", items, embedder),
                "dense alone, our passages": ours(home, "dense", items, embedder),
                "study (hybrid, default)": ours(home, "hybrid", items, embedder)}
    base = rows["tutorial (LangChain 1000/200, dense)"]
    n_ans = sum(1 for it in items if it["answer_contains"])
    print(f"{len(items)} questions ({n_ans} answerable) from {', '.join(f.name for f in files)}\n")
    print("| system | passages | mean chars | hit@1 | hit@5 | MRR@10 | hit@1 vs tutorial | p50 ms | abstention | false abst. |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        abst = f"{r['abstention']:.2f}" if r.get("abstention") is not None else "-"
        fa = f"{r['false_abstention']:.2f}" if "false_abstention" in r else "-"
        print(f"| {name} | {r['passages']} | {r['chars']:.0f} | {r['hit@1']:.2f} | {r['hit@5']:.2f} | {r['mrr@10']:.3f} | "
              f"x{r['hit@1'] / base['hit@1']:.2f} | {r['p50_ms']:.1f} | {abst} | {fa} |")
    print("\n" + json.dumps(rows, indent=1, default=float), file=sys.stderr)


def faiss_threads() -> None:
    import faiss

    faiss.omp_set_num_threads(1)  # single queries are faster on one thread here


if __name__ == "__main__":
    main(sys.argv[1:])
