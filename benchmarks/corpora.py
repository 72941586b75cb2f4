"""Quality over every corpus we have, in one run: study against the tutorial pipeline and BM25 on the same chunks.

    python benchmarks/corpora.py [--only NAME] [--corpus DIR] [--json OUT.json]

Corpora: every folder of ../shared/eval/corpora/ (a notes/ folder and questions.jsonl whose answerable items name
the answer's file) plus the AWS notes with ../shared/eval/dev.jsonl and benchmarks/out_of_scope.jsonl; --corpus adds
any other folder laid out the same way (notes/ and questions.jsonl), say one held out from development.
Systems, all with the same packaged MiniLM model:
  study     the default settings, as `study ask` answers (hybrid retrieval, answer sentences, abstention)
  tutorial  LangChain RecursiveCharacterTextSplitter(1000, 200) + FAISS flat, dense only
  bm25      BM25 (bm25s, stemmed) over the same 1000/200 chunks
A hit is a passage from the question's file holding the key phrase (lower case, runs of anything but a-z0-9 as one
space); answer hit: the answer sentences study shows first hold it. Needs: pip install -e '.[bench]'.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from app.evaluate import from_file, is_hit, load_questions, percentile, run  # noqa: E402
from app.config import Settings  # noqa: E402
from app.service import Study  # noqa: E402
from ingest import discover, load as load_note  # noqa: E402
from index import build, load_embedder  # noqa: E402


def corpora(extra: list[Path] = ()) -> list[tuple[str, Path, list[Path]]]:
    """(name, notes folder, question files) for every corpus on disk, and the ``extra`` folders."""
    found = [(folder.name, folder / "notes", [folder / "questions.jsonl"]) for folder in extra]
    for folder in sorted((SHARED / "eval" / "corpora").glob("*/")):
        if (folder / "notes").is_dir() and (folder / "questions.jsonl").exists():
            found.append((folder.name, folder / "notes", [folder / "questions.jsonl"]))
    if (SHARED / "eval" / "dev.jsonl").exists():
        found.append(("aws-dev", ROOT / "notes", [SHARED / "eval" / "dev.jsonl", ROOT / "benchmarks" / "out_of_scope.jsonl"]))
    return found


def plain_text(notes: Path) -> list[tuple[str, str]]:
    """(source, whole text) per note, read as study reads it, for the baselines to split their own way."""
    files, _ = discover([notes])
    out = []
    for note in files:
        result = load_note(note)
        if result.chunks and note.path.suffix.lower() in {".md", ".markdown", ".txt"}:
            out.append((note.source, note.path.read_text(encoding="utf-8-sig", errors="replace")))
        elif result.chunks:
            out.append((note.source, "\n".join(c.text for c in result.chunks)))
    return out


def score(ranked: list[list[tuple[str, str]]], items: list[dict]) -> dict:
    """Hit@1/@5 and MRR@10 over answerable items from ranked (source, text) lists."""
    h1 = h5 = rr = 0.0
    answerable = [(r, it) for r, it in zip(ranked, items) if it.get("answer_contains")]
    for r, it in answerable:
        rank = next((i + 1 for i, (src, text) in enumerate(r[:10])
                     if from_file(src, it.get("file")) and is_hit(text, it["answer_contains"])), None)
        h1 += rank == 1
        h5 += bool(rank and rank <= 5)
        rr += 1 / rank if rank else 0.0
    n = max(1, len(answerable))
    return {"hit@1": h1 / n, "hit@5": h5 / n, "mrr@10": rr / n}


def baselines(texts: list[tuple[str, str]], items: list[dict], embedder) -> dict:
    import bm25s
    import faiss
    import Stemmer
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    chunks = [(src, c) for src, text in texts for c in splitter.split_text(text)]
    vectors = embedder.embed([c for _, c in chunks])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    stemmer = Stemmer.Stemmer("english")
    bm25 = bm25s.BM25()
    bm25.index(bm25s.tokenize([c for _, c in chunks], stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    dense, lexical, latencies = [], [], []
    for it in items:
        t = time.perf_counter()
        _, rows = index.search(embedder.embed([it["question"]]), 10)
        latencies.append((time.perf_counter() - t) * 1000)
        dense.append([chunks[r] for r in rows[0] if r >= 0])
        docs, _ = bm25.retrieve(bm25s.tokenize([it["question"]], stopwords="en", stemmer=stemmer, show_progress=False),
                                k=min(10, len(chunks)), show_progress=False)
        lexical.append([chunks[r] for r in docs[0]])
    chars = statistics.mean(len(c) for _, c in chunks)
    return {"tutorial": dict(score(dense, items), chars=chars, shown=shown(dense), passages=len(chunks),
                             p50_ms=percentile(latencies, 0.5)),
            "bm25": dict(score(lexical, items), chars=chars, shown=shown(lexical), passages=len(chunks))}


def shown(ranked: list[list[tuple[str, str]]]) -> float:
    """Mean characters of the top five results a reader gets, over answerable and out-of-scope questions alike."""
    lengths = [len(text) for r in ranked for _, text in r[:5]]
    return statistics.mean(lengths) if lengths else 0.0


def evaluate_corpus(name: str, notes: Path, files: list[Path], embedder) -> dict:
    items = [it for f in files for it in load_questions(f)]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        build(home, [notes], embedder)
        built = time.perf_counter() - started
        study = Study(Settings(home, notes=notes, model=embedder.name), embedder=embedder)
        report = run(study, items, k=10)
        report["passages"] = len(study.searcher().chunks)
        follow = conversations(study, name)
    rows = {"study": {"hit@1": report["hit@1"], "hit@5": report["hit@5"], "mrr@10": report["mrr@10"],
                      "answer_hit": report["answer_hit"], "abstention": report["abstention_recall"],
                      "false_abstention": report["false_abstention"], "chars": report["mean_passage_chars"],
                      "shown": report["mean_shown_chars"],
                      "passages": report["passages"], "p50_ms": report["latency_ms_p50"], "build_s": round(built, 1)}}
    rows.update(baselines(plain_text(notes), items, embedder))
    return {"name": name, "questions": len(items), "answerable": report["answerable"], "rows": rows,
            "misses": report["misses"], "followups": follow}


def conversations(study, corpus: str) -> dict | None:
    """Second turns of benchmarks/followups.jsonl for this corpus: hit@5, and whether switches were searched alone."""
    path = ROOT / "benchmarks" / "followups.jsonl"
    items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    items = [it for it in items if it["corpus"] == corpus]
    if not items:
        return None
    out = {"follow_ups": 0, "follow_hit5": 0, "switches": 0, "switch_hit5": 0, "switch_glued": 0, "misses": []}
    for it in items:
        first, second = it["turns"]
        reply = study.ask(second, k=5, previous=[first])
        hit = any(from_file(h.chunk.source, it["file"]) and is_hit(h.chunk.text, it["answer_contains"]) for h in reply.hits)
        kind = "follow" if it["follow_up"] else "switch"
        out["follow_ups" if it["follow_up"] else "switches"] += 1
        out[f"{kind}_hit5"] += hit
        if not it["follow_up"] and reply.query != second:
            out["switch_glued"] += 1
        if not hit or (not it["follow_up"] and reply.query != second):
            out["misses"].append({"id": it["id"], "searched_as": reply.query})
    return out


def fmt(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def table(result: dict) -> str:
    rows = result["rows"]
    lines = [f"### {result['name']} ({result['answerable']} answerable, {result['questions'] - result['answerable']} out of scope)", "",
             "| system | passages | passage chars | shown chars | hit@1 | hit@5 | MRR@10 | answer hit | abstention | false abst. | hit@1 vs tutorial |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    base = rows["tutorial"]["hit@1"] or 1e-9
    for system, r in rows.items():
        lines.append(f"| {system} | {r['passages']} | {r['chars']:.0f} | {r['shown']:.0f} | {r['hit@1']:.3f} | {r['hit@5']:.3f} | {r['mrr@10']:.3f} | "
                     f"{fmt(r.get('answer_hit'), 3)} | {fmt(r.get('abstention'))} | {fmt(r.get('false_abstention'))} | "
                     f"x{r['hit@1'] / base:.2f} |")
    return "\n".join(lines)


def followup_table(results: list[dict]) -> str:
    lines = ["### follow-up conversations (benchmarks/followups.jsonl, second turns)", "",
             "| corpus | follow-ups | hit@5 | topic switches | hit@5 | switches searched as follow-ups |", "|---|---|---|---|---|---|"]
    total = {"follow_ups": 0, "follow_hit5": 0, "switches": 0, "switch_hit5": 0, "switch_glued": 0}
    for r in results:
        f = r.get("followups")
        if not f:
            continue
        for key in total:
            total[key] += f[key]
        lines.append(f"| {r['name']} | {f['follow_ups']} | {f['follow_hit5'] / max(1, f['follow_ups']):.2f} | {f['switches']} | "
                     f"{f['switch_hit5'] / max(1, f['switches']):.2f} | {f['switch_glued']} |")
    lines.append(f"| all | {total['follow_ups']} | {total['follow_hit5'] / max(1, total['follow_ups']):.2f} | {total['switches']} | "
                 f"{total['switch_hit5'] / max(1, total['switches']):.2f} | {total['switch_glued']} |")
    return "\n".join(lines)


def macro(results: list[dict]) -> str:
    lines = ["### macro average over corpora", "", "| system | hit@1 | hit@5 | MRR@10 | answer hit | abstention | false abst. |",
             "|---|---|---|---|---|---|---|"]
    for system in ("study", "tutorial", "bm25"):
        rows = [r["rows"][system] for r in results]

        def avg(key):
            values = [r[key] for r in rows if r.get(key) is not None]
            return statistics.mean(values) if values else None

        lines.append(f"| {system} | {avg('hit@1'):.3f} | {avg('hit@5'):.3f} | {avg('mrr@10'):.3f} | {fmt(avg('answer_hit'), 3)} | "
                     f"{fmt(avg('abstention'))} | {fmt(avg('false_abstention'))} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this corpus (repeatable)")
    parser.add_argument("--corpus", action="append", type=Path, default=[],
                        help="also run this folder (notes/ and questions.jsonl; repeatable)")
    parser.add_argument("--json", type=Path, help="also write every figure and miss to this file")
    parser.add_argument("--misses", action="store_true", help="print study's misses per corpus")
    args = parser.parse_args(argv)
    import faiss

    faiss.omp_set_num_threads(1)
    embedder = load_embedder()
    results = []
    for folder in args.corpus:
        if not (folder / "notes").is_dir() or not (folder / "questions.jsonl").exists():
            parser.error(f"{folder}: needs notes/ and questions.jsonl inside")
    for name, notes, files in corpora(args.corpus):
        if args.only and name not in args.only:
            continue
        result = evaluate_corpus(name, notes, files, embedder)
        results.append(result)
        print(table(result) + "\n", flush=True)
        if args.misses:
            for m in result["misses"]:
                print(f"  miss {m.get('id')}: rank={m.get('rank')} abstained={m.get('abstained', m.get('why'))} {m['question']}")
            print()
    if len(results) > 1:
        print(macro(results) + "\n")
    print(followup_table(results))
    if args.misses:
        for r in results:
            for m in (r.get("followups") or {}).get("misses", []):
                print(f"  follow-up miss {m['id']}: searched as {m['searched_as']!r}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main(sys.argv[1:])
