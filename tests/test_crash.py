"""Crash safety: SIGKILL an ingest at many moments; the previous index always answers, the next ingest completes."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from app.cli import cli
from index import load

from .conftest import ROOT

pytestmark = pytest.mark.slow  # ~50 s of ingests killed part-way: `make test` runs it, `make test-fast` does not
KILLS = 20
FILES = 150


def corpus(folder, version: int, files: int = FILES):
    folder.mkdir(exist_ok=True)
    rng = random.Random(version)
    words = "queue shard stream lambda bucket policy role table index cache replica subnet gateway".split()
    for i in range(files):
        lines = [f"# Topic {i}"]
        for j in range(60):
            lines.append(f"Fact {version}-{i}-{j}: " + " ".join(rng.choice(words) for _ in range(25)) + ".")
            lines.append("")
        (folder / f"topic-{i:03d}.md").write_text("\n".join(lines))


def versions(index) -> set[int]:
    """Which corpus versions the index's passages come from (every passage cites "Fact VERSION-file-line")."""
    return {int(v) for c in index.chunks for v in re.findall(r"Fact (\d+)-", c.text)}


def file_versions(index) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for c in index.chunks:
        out.setdefault(c.source, set()).update(int(v) for v in re.findall(r"Fact (\d+)-", c.text))
    return out


def ingest_cmd(notes):
    return [sys.executable, "-m", "app", "ingest", "-q", str(notes)]


def test_killed_ingest_never_breaks_the_index(isolated_home, tmp_path):
    # steps go live often (index.steps), so kills land between steps too
    env = dict(os.environ, STUDY_HOME=str(isolated_home), STUDY_MODEL="hash:256", STUDY_STEP_SECONDS="0")
    notes = tmp_path / "notes"
    corpus(notes, 0)
    t = time.perf_counter()
    subprocess.run(ingest_cmd(notes), env=env, cwd=ROOT, check=True, capture_output=True)
    duration = time.perf_counter() - t
    assert duration > 1.0, "corpus too small to kill an ingest part-way"
    runner = CliRunner()
    interrupted = steps = 0
    for k in range(KILLS):
        corpus(notes, k + 1)  # every ingest has real work to do
        live = load(isolated_home)
        before_versions = versions(live)
        proc = subprocess.Popen(ingest_cmd(notes), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (k + 0.5) / KILLS)  # kill points spread over the whole run
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        interrupted += proc.returncode == -signal.SIGKILL
        index = load(isolated_home)  # consistent: load checks vector and passage counts
        assert index.faiss_index.ntotal == len(index.chunks) and index.sentence_offsets[-1] == len(index.sentence_vectors)
        # The index from before the kill, a step (each file whole, in its old or its new version), or all of the
        # new corpus: never two versions of one file, never part of a file that had a whole version.
        per_file = file_versions(index)
        assert len(per_file) == FILES and all(len(v) == 1 for v in per_file.values()), k
        assert versions(index) <= before_versions | {k + 1}, (k, versions(index))
        steps += len(versions(index)) == 2
        result = runner.invoke(cli, ["ask", "--json", "queue shard stream"], catch_exceptions=False)
        assert result.exit_code == 0
        answer = json.loads(result.stdout)
        assert len(answer["passages"]) == 5 and all(p["text"] for p in answer["passages"])
    assert interrupted >= KILLS // 2
    assert steps >= 1, "no kill landed after a step went live"
    final = subprocess.run(ingest_cmd(notes) + ["--json"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert any(f"Fact {KILLS}-0-0" in c.text for c in load(isolated_home).chunks)
    leftovers = [p.name for p in (isolated_home / "index").iterdir() if p.name.startswith((".tmp", ".CURRENT-"))]
    assert leftovers == []
