"""Cold-start figures, side by side in one run.

    python benchmarks/coldstart.py [--runs 5]

- `python -c "import sentence_transformers"`: the baseline (what any torch-based query path pays)
- `study --help`
- `study ask QUESTION` from a cold process, no server running (ONNX query encoder)
- `study ask QUESTION` with a `study serve` running on the same data folder
- `study serve`: seconds until the first answer is possible (index present)
Each figure is the median of --runs fresh processes; ratios are against the baseline.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serverutil  # noqa: E402

ROOT = serverutil.ROOT
QUESTION = "When should I use long polling?"


def timed(cmd: list[str], env: dict, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    proc = None
    with serverutil.scratch("study-cold-") as work:
        try:
            notes, home = serverutil.indexed_notes(work)
            env = dict(os.environ, STUDY_HOME=str(home), STUDY_NOTES=str(notes))
            study = [sys.executable, "-m", "app"]
            rows = {"python -c 'import sentence_transformers' (baseline)": timed([sys.executable, "-c", "import sentence_transformers"], env, max(3, args.runs // 2)),
                    "study --help": timed(study + ["--help"], env, args.runs),
                    "study ask, no server (cold process)": timed(study + ["ask", QUESTION], env, args.runs)}
            readies = []
            for _ in range(3):
                proc, base, ready = serverutil.start(home, notes, work / "serve.log")
                readies.append(ready)
                if len(readies) < 3:
                    serverutil.stop(proc)
            rows["study ask, with `study serve` running"] = timed(study + ["ask", QUESTION], env, args.runs)
            base_s = rows["python -c 'import sentence_transformers' (baseline)"]
            print("| command | median s | vs baseline |\n|---|---|---|")
            for name, seconds in rows.items():
                print(f"| {name} | {seconds:.2f} | {seconds / base_s:.2f} |")
            print(f"| study serve: ready for the first answer | {statistics.median(readies):.1f} | {statistics.median(readies) / base_s:.2f} |")
        finally:
            serverutil.stop(proc)


if __name__ == "__main__":
    main()
