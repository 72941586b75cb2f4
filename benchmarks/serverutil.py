"""What the benchmarks share: a scratch folder, a `study serve` started and stopped, small HTTP helpers, percentiles."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.evaluate import percentile  # noqa: E402,F401 - one definition for `study eval` and every benchmark


@contextmanager
def scratch(prefix: str):
    """A temporary folder, removed however the benchmark ends."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def stop(proc: subprocess.Popen | None) -> None:
    """End a server this benchmark started (SIGTERM: it removes its server.json on the way out)."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


def indexed_notes(work: Path) -> tuple[Path, Path]:
    """A copy of notes/ in ``work`` and a data folder with it indexed (real model); returns (notes, home)."""
    import shutil

    notes, home = work / "notes", work / "home"
    shutil.copytree(ROOT / "notes", notes)
    env = dict(os.environ, STUDY_HOME=str(home))
    subprocess.run([sys.executable, "-m", "app", "ingest", "-q", str(notes)], cwd=ROOT, env=env, check=True, capture_output=True)
    return notes, home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(home: Path, notes: Path, log: Path) -> tuple[subprocess.Popen, str, float]:
    """Start `study serve`; return the process, its base URL and seconds until /api/health answered."""
    port = free_port()
    env = dict(os.environ, STUDY_HOME=str(home), STUDY_NOTES=str(notes))
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-watch"], cwd=ROOT, env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    while True:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            urllib.request.urlopen(base + "/api/health", timeout=2)
            return proc, base, time.perf_counter() - started
        except OSError:
            time.sleep(0.05)


def ask(base: str, question: str, timeout: float = 60) -> tuple[int, dict | None]:
    request = urllib.request.Request(base + "/api/ask", data=json.dumps({"question": question}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())["json"]
    except urllib.error.HTTPError as e:
        return e.code, None


def rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
