"""`study eval`: retrieval and abstention quality on a question set."""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path



def load_questions(path: Path) -> list[dict]:
    items = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not valid UTF-8 (byte {e.start}); save it as UTF-8 and run again") from None
    except OSError as e:
        raise ValueError(f"{path}: cannot be read ({e.strerror or e})") from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: not valid JSON ({e.msg}); each line must be one JSON object") from None
        phrases = item.get("answer_contains", []) if isinstance(item, dict) else None
        if (not isinstance(item, dict) or not isinstance(item.get("question"), str) or not isinstance(phrases, list)
                or not all(isinstance(p, str) and p.strip() for p in phrases)):
            raise ValueError(f'{path}:{n}: expected {{"question": str, "answer_contains": [str, ...]}}')
        items.append(item)
    if not items:
        raise ValueError(f"{path}: no questions found")
    return items


_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


def key(text: str) -> str:
    """How key phrases are compared (the eval sets' own definition): lower case, runs of anything but a-z0-9 -> one space."""
    return _NOT_ASCII_ALNUM.sub(" ", text.lower()).strip()


def is_hit(text: str, phrases: list[str]) -> bool:
    t = f" {key(text)} "
    return any(f" {key(p)} " in t for p in phrases)


def from_file(source: str, wanted: str | None) -> bool:
    """A question may name the file its answer is in; a hit must then come from that file."""
    return not wanted or source == wanted or source.endswith("/" + wanted.lstrip("/"))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run(study, items: list[dict], k: int = 10) -> dict:
    """Ask every question; score rank of the first passage holding a key phrase, and abstention."""
    passages = study.searcher().chunks
    study.ask("warm-up question")  # first-call costs are not what a student waits for twice
    answerable = [i for i in items if i.get("answer_contains")]
    out_of_scope = [i for i in items if not i.get("answer_contains")]
    hit1 = hit5 = answer_hits = 0
    rr = 0.0
    false_abstain = 0
    abstain_ok = 0
    lengths: list[int] = []
    latencies: list[float] = []
    misses = []
    for item in items:
        t = time.perf_counter()
        answer = study.ask(item["question"], k=k)
        latencies.append((time.perf_counter() - t) * 1000)
        phrases = item.get("answer_contains") or []
        lengths.extend(len(h.chunk.text) for h in answer.hits[:5])
        if not phrases:
            abstain_ok += answer.abstained
            if not answer.abstained:
                misses.append({"id": item.get("id"), "question": item["question"], "why": "answered out-of-scope"})
            continue
        false_abstain += answer.abstained
        wanted = item.get("file")
        rank = next((h.rank for h in answer.hits if from_file(h.chunk.source, wanted) and is_hit(h.chunk.text, phrases)), None)
        answer_hits += not answer.abstained and is_hit(" ".join(s.text for s in answer.sentences), phrases)
        if rank == 1:
            hit1 += 1
        if rank and rank <= 5:
            hit5 += 1
        if rank:
            rr += 1.0 / rank
        if rank != 1 or answer.abstained:
            misses.append({"id": item.get("id"), "question": item["question"], "rank": rank, "abstained": answer.abstained})
    n = max(1, len(answerable))
    return {
        "questions": len(items),
        "answerable": len(answerable),
        "out_of_scope": len(out_of_scope),
        "hit@1": round(hit1 / n, 4),
        "hit@5": round(hit5 / n, 4),
        "mrr@10": round(rr / n, 4),
        "answer_hit": round(answer_hits / n, 4),
        "abstention_recall": round(abstain_ok / len(out_of_scope), 4) if out_of_scope else None,
        "false_abstention": round(false_abstain / n, 4),
        "mean_passage_chars": round(statistics.mean(len(c.text) for c in passages), 1) if passages else 0,
        # what a reader gets: an excerpt of neighbouring passages (index.neighbours) is longer than one passage
        "mean_shown_chars": round(statistics.mean(lengths), 1) if lengths else 0,
        "latency_ms_p50": round(percentile(latencies, 0.5), 1),
        "latency_ms_p95": round(percentile(latencies, 0.95), 1),
        "misses": misses,
    }


def format_report(r: dict) -> str:
    abst = "n/a" if r["abstention_recall"] is None else f"{r['abstention_recall']:.3f}"
    lines = [
        f"questions          {r['questions']} ({r['answerable']} answerable, {r['out_of_scope']} out of scope)",
        f"hit@1              {r['hit@1']:.3f}",
        f"hit@5              {r['hit@5']:.3f}",
        f"MRR@10             {r['mrr@10']:.3f}",
        f"answer hit         {r['answer_hit']:.3f}",
        f"abstention recall  {abst}",
        f"false abstention   {r['false_abstention']:.3f}",
        f"mean passage chars {r['mean_passage_chars']} (top 5 shown: {r['mean_shown_chars']})",
        f"latency p50/p95    {r['latency_ms_p50']} / {r['latency_ms_p95']} ms",
    ]
    if r["misses"]:
        lines.append("misses:")
        lines.extend(f"  {m.get('id')}: rank={m.get('rank')} abstained={m.get('abstained', m.get('why'))}  {m['question']}" for m in r["misses"])
    return "\n".join(lines)
