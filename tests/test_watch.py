"""Watch mode: created, modified, deleted and moved notes reach search within seconds."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from app.config import Settings
from app.service import Study
from app.watch import NotesWatcher
from index import load

from .conftest import ROOT


def wait_for(predicate, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def sources(home):
    try:
        return {c.source for c in load(home).chunks}
    except Exception:
        return set()


def texts(home):
    return " ".join(c.text for c in load(home).chunks)


def test_watcher_follows_every_kind_of_change(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\nAlpha notes on queues.\n")
    study = Study(Settings(isolated_home, notes=notes, model="hash:64"))
    study.ingest()
    watcher = NotesWatcher(study.ingest, [notes], debounce=0.3).start()
    try:
        (notes / "b.md").write_text("# B\nBeta notes on streams.\n")
        assert wait_for(lambda: "notes/b.md" in sources(isolated_home))
        (notes / "b.md").write_text("# B\nBeta notes on shards and partitions.\n")
        assert wait_for(lambda: "shards and partitions" in texts(isolated_home))
        (notes / "b.md").rename(notes / "c.md")
        assert wait_for(lambda: sources(isolated_home) == {"notes/a.md", "notes/c.md"})
        (notes / "a.md").unlink()
        assert wait_for(lambda: sources(isolated_home) == {"notes/c.md"})
        # the next question sees the change
        assert study.ask("shards partitions").hits[0].chunk.source == "notes/c.md"
    finally:
        watcher.stop()


def test_cli_ingest_watch(isolated_home, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# A\nAlpha notes on queues.\n")
    env = dict(os.environ, STUDY_HOME=str(isolated_home), STUDY_MODEL="hash:64")
    proc = subprocess.Popen([sys.executable, "-m", "app", "ingest", "--json", "--watch", str(notes)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: "notes/a.md" in sources(isolated_home))
        time.sleep(0.5)
        (notes / "new file é.md").write_text("# New\nGamma notes on tables.\n")
        assert wait_for(lambda: "notes/new file é.md" in sources(isolated_home))
    finally:
        proc.send_signal(signal.SIGTERM)  # SIGINT is ignored when the test itself runs as a background job
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    lines = [l for l in out.splitlines() if l.startswith("{")]
    assert len(lines) >= 2 and '"added": 1' in lines[-1]
