"""Time to first answer on a 600-page PDF: how soon a student can ask while a textbook is being indexed.

    python benchmarks/first_answer.py [--pages 600]

Makes a 600-page PDF (fpdf2, from the War and Peace text in ../shared/eval/corpora/prose: its paragraphs in
order, then again with every 7th word changed, so no sentence repeats and none is embedded only once), then:
1. reading: the PDF read and cut into passages alone (pages/s);
2. `study ingest` on a data folder that already has the model's ONNX export (made by a small first ingest:
   the one-time export is timed apart) while this script watches the index: seconds until the first step is
   live and a `study ask --local` about the PDF answers from it, and until the ingest ends;
3. the same on a fresh data folder (the export made during the ingest).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverutil  # noqa: E402

ROOT = serverutil.ROOT
PROSE = ROOT.parent / "shared" / "eval" / "corpora" / "prose" / "notes" / "war-and-peace-book1.txt"


def make_pdf(path: Path, pages: int) -> int:
    from fpdf import FPDF

    text = PROSE.read_text(encoding="utf-8")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    words, rng = text.split(), random.Random(0)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    i = chars = 0
    while pdf.page_no() < pages:
        p = paragraphs[i % len(paragraphs)]
        if i >= len(paragraphs):
            p = " ".join(rng.choice(words) if j % 7 == 3 else w for j, w in enumerate(p.split()))
        i += 1
        p = p.encode("latin-1", "replace").decode("latin-1")
        chars += len(p)
        pdf.multi_cell(0, 5.2, p)
        pdf.ln(2)
    pdf.output(str(path))
    return chars


def reading(pdf: Path) -> dict:
    from index.plan import plan, pooled
    from ingest import discover, load, split_sentences

    t = time.perf_counter()
    result = load(discover([pdf])[0][0])
    seconds = time.perf_counter() - t
    texts = len(result.chunks) + sum(len(split_sentences(c)) for c in result.chunks)
    runs = len(plan(result.chunks).within)  # passages whose sentences come from their own run (index.plan)
    alone = sum(len(split_sentences(c)) for c in result.chunks if not pooled(c))
    return {"read_s": seconds, "passages": len(result.chunks), "texts": texts, "runs": len(result.chunks) + alone,
            "pooled": runs}


def timed_ingest(home: Path, notes: Path, question: str) -> dict:
    """Run `study ingest` and watch: first step live, first answer from the PDF, done."""
    from index import current_folder, load

    env = dict(os.environ, STUDY_HOME=str(home))
    before = current_folder(home)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app", "ingest", "-q", str(notes)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    out: dict = {}
    while proc.poll() is None:
        folder = current_folder(home)
        if "first_step_s" not in out and folder is not None and folder != before:
            index = load(home, lexical=False)
            if any(c.source.endswith(".pdf") for c in index.chunks[-1:]):
                out["first_step_s"] = time.perf_counter() - started
                asked = subprocess.run([sys.executable, "-m", "app", "ask", "--local", "--json", question], cwd=ROOT,
                                       env=dict(env, STUDY_NOTES="/nonexistent"), capture_output=True, text=True)
                answer = json.loads(asked.stdout)
                out["first_answer_s"] = time.perf_counter() - started
                out["first_answer_from_pdf"] = any(p["source"].endswith(".pdf") for p in answer["passages"])
                out["first_answer_note"] = answer.get("indexing", "")
        time.sleep(0.2)
    out["done_s"] = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(proc.stderr.read())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=600)
    args = parser.parse_args()
    question = "Who is Anna Pavlovna?"
    with serverutil.scratch("study-first-") as work:
        notes = work / "notes"
        notes.mkdir()
        started = time.perf_counter()
        chars = make_pdf(notes / "textbook.pdf", args.pages)
        print(f"made {args.pages} pages ({chars:,} characters) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        read = reading(notes / "textbook.pdf")
        print(json.dumps(read), file=sys.stderr)
        # a data folder that has the export already: index one small note first
        warm, small = work / "warm", work / "small"
        small.mkdir()
        (small / "a.md").write_text("# A note\nOne line to index.\n")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "app", "ingest", "-q", str(small)], cwd=ROOT,
                       env=dict(os.environ, STUDY_HOME=str(warm)), check=True, capture_output=True)
        export_s = time.perf_counter() - t
        runs = {"export made": timed_ingest(warm, notes, question), "fresh data folder": timed_ingest(work / "fresh", notes, question)}
        print(json.dumps(runs), file=sys.stderr)
    print(f"{args.pages} pages, {read['passages']:,} passages, {read['texts']:,} vectors to make "
          f"({read['runs']:,} runs of the model: {read['pooled']:,} passages' sentences pooled from their run); reading alone "
          f"{read['read_s']:.1f} s ({args.pages / read['read_s']:.0f} pages/s); first ingest of a small note with "
          f"the one-time model export: {export_s:.1f} s\n")
    print("| data folder | first step live s | first answer s | answer cites the PDF | fully indexed s | vectors/s |")
    print("|---|---|---|---|---|---|")
    for name, r in runs.items():
        print(f"| {name} | {r.get('first_step_s', float('nan')):.1f} | {r.get('first_answer_s', float('nan')):.1f} | "
              f"{r.get('first_answer_from_pdf')} | {r['done_s']:.1f} | {read['texts'] / r['done_s']:.0f} |")
    print(f"\nwhat `study ask` said then: {runs['export made'].get('first_answer_note')!r}")


if __name__ == "__main__":
    main()
