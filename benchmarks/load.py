"""`study serve` under load, on 127.0.0.1 only.

    python benchmarks/load.py [--seconds 60] [--clients 16] [--sequential 1000]

1. 16 concurrent clients ask real questions (dev + out-of-scope sets) over plain HTTP for 60 s; every
   reply is checked against the answer the same server gave to that question alone beforehand (same
   question echoed, same passages, same answer), so cross-talk between sessions would show as an error.
2. The same through Gradio's own queue (gradio_client, /chat), 16 clients at once, a few questions each.
3. 1,000 sequential questions: server RSS before and after.
4. A 10,000-character question, an empty one and one of only punctuation: status and answer.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverutil  # noqa: E402
from serverutil import percentile  # noqa: E402

ROOT = serverutil.ROOT


def questions() -> list[str]:
    files = [ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "benchmarks" / "out_of_scope.jsonl"]
    return [json.loads(l)["question"] for f in files if f.exists() for l in f.read_text().splitlines() if l.strip()]


def signature(obj: dict) -> tuple:
    return obj["question"], obj["answer"], obj["abstained"], tuple((p["source"], p["start_line"], p["page"]) for p in obj["passages"])


def run_clients(client, clients: int) -> float:
    """Run ``client(k)`` for k in 0..clients-1 at once; return the wall time."""
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def http_load(base: str, qs: list[str], expected: dict, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        i = k
        while time.monotonic() < stop:
            q = qs[i % len(qs)]
            i += clients
            t = time.perf_counter()
            status, obj = serverutil.ask(base, q)
            elapsed = (time.perf_counter() - t) * 1000
            with lock:
                if status != 200 or obj is None:
                    errors.append(f"HTTP {status} for {q!r}")
                elif signature(obj) != expected[q]:
                    errors.append(f"wrong answer for {q!r}")
                else:
                    latencies.append(elapsed)

    wall = run_clients(client, clients)
    return {"requests": len(latencies) + len(errors), "errors": len(errors), "first_errors": errors[:5],
            "throughput_qps": len(latencies) / wall, "p50_ms": percentile(latencies, 0.5),
            "p95_ms": percentile(latencies, 0.95), "p99_ms": percentile(latencies, 0.99)}


def gradio_load(base: str, qs: list[str], clients: int, per_client: int) -> dict:
    from gradio_client import Client

    errors, latencies = [], []
    lock = threading.Lock()

    def client(k: int) -> None:
        c = Client(base + "/", verbose=False)
        for j in range(per_client):
            q = qs[(k * per_client + j) % len(qs)]
            t = time.perf_counter()
            try:
                _, history = c.predict(q, [], api_name="/chat")
                reply = history[-1]["content"]
                reply = reply if isinstance(reply, str) else json.dumps(reply)
                ok = history[-2]["content"] == q or q in json.dumps(history[-2]["content"])
                with lock:
                    (latencies if ok and "notes/" in reply + "Your notes" else errors).append(
                        (time.perf_counter() - t) * 1000 if ok else f"bad reply to {q!r}")
            except Exception as e:  # noqa: BLE001 - counted and shown
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")

    wall = run_clients(client, clients)
    return {"requests": clients * per_client, "errors": len(errors), "first_errors": errors[:3],
            "throughput_qps": len(latencies) / wall, "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sequential", type=int, default=1000)
    args = parser.parse_args()
    proc = None
    with serverutil.scratch("study-load-") as work:
        try:
            notes, home = serverutil.indexed_notes(work)
            proc, base, ready = serverutil.start(home, notes, work / "serve.log")
            qs = questions()
            expected = {}
            for q in qs:
                status, obj = serverutil.ask(base, q)
                assert status == 200, status
                expected[q] = signature(obj)
            report = {"server_ready_s": ready}
            report["http"] = http_load(base, qs, expected, args.clients, args.seconds)
            report["gradio"] = gradio_load(base, qs, args.clients, 3)
            before = serverutil.rss_mb(proc.pid)
            seq_errors = 0
            for i in range(args.sequential):
                status, obj = serverutil.ask(base, qs[i % len(qs)])
                seq_errors += status != 200 or signature(obj) != expected[qs[i % len(qs)]]
            after = serverutil.rss_mb(proc.pid)
            report["sequential"] = {"questions": args.sequential, "errors": seq_errors, "rss_before_mb": before,
                                    "rss_after_mb": after, "growth_mb": after - before}
            edge = {}
            for name, q in [("10,000 characters", "When should I use long polling? " * 313), ("empty", ""), ("punctuation only", "?!...,;")]:
                status, obj = serverutil.ask(base, q)
                edge[name] = {"status": status, "answer": (obj or {}).get("answer", "")[:80], "passages": len((obj or {}).get("passages", []))}
            report["edge"] = edge
            print(json.dumps(report, indent=1))
            h, g, s = report["http"], report["gradio"], report["sequential"]
            print(f"\nserver ready in {ready:.1f} s (index present)\n")
            print("| test | requests | errors | throughput q/s | p50 ms | p95 ms | p99 ms |")
            print("|---|---|---|---|---|---|---|")
            print(f"| {args.clients} HTTP clients, {args.seconds:.0f} s | {h['requests']} | {h['errors']} | {h['throughput_qps']:.1f} | "
                  f"{h['p50_ms']:.0f} | {h['p95_ms']:.0f} | {h['p99_ms']:.0f} |")
            print(f"| {args.clients} gradio_client /chat clients | {g['requests']} | {g['errors']} | {g['throughput_qps']:.1f} | "
                  f"{g['p50_ms']:.0f} | {g['p95_ms']:.0f} | - |")
            print(f"\n{s['questions']} sequential questions: {s['errors']} errors, RSS {s['rss_before_mb']:.0f} -> {s['rss_after_mb']:.0f} MB "
                  f"({s['growth_mb']:+.0f} MB)")
            for name, e in edge.items():
                print(f"{name} question: HTTP {e['status']}, {e['passages']} passages, answer {e['answer']!r}")
        finally:
            serverutil.stop(proc)


if __name__ == "__main__":
    main()
