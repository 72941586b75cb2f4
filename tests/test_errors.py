"""Every error a user can meet ends in one clear line and a documented exit status, never a traceback."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import free_port

NOTE = "# Queues\nThe platypus queue keeps messages for fourteen days.\n"


def study(tmp: Path, *args: str, input: bytes | None = None, env: dict | None = None, argv_bytes: list[bytes] | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real command in a fresh process, as a user would (bytes in, bytes out)."""
    full_env = dict(os.environ, STUDY_HOME=str(tmp / "home"), STUDY_NOTES=str(tmp / "notes"), STUDY_MODEL="hash:256",
                    **(env or {}))
    cmd = [sys.executable.encode(), b"-m", b"app", *[a.encode() for a in args], *(argv_bytes or [])]
    return subprocess.run(cmd, cwd=tmp, env=full_env, input=input, capture_output=True, timeout=timeout)


def one_line_error(out: subprocess.CompletedProcess) -> str:
    err = out.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def indexed(tmp_path) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "queues.md").write_text(NOTE)
    assert study(tmp_path, "ingest", "-q").returncode == 0
    return tmp_path


def test_invalid_utf8_question_in_argv_and_stdin(indexed):
    out = study(indexed, "ask", "--json", "--local", argv_bytes=[b"platypus \xff\xfe queue"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["passages"][0]["text"].startswith("The platypus queue")
    assert b"not valid UTF-8" in out.stderr and b"Traceback" not in out.stderr
    out = study(indexed, "ask", "--json", "--local", "-", input=b"platypus queue\nbad \xc3\x28 bytes\nfourteen days\n")
    assert out.returncode == 0 and b"Traceback" not in out.stderr
    assert [json.loads(line)["question"] for line in out.stdout.decode().splitlines()] == \
        ["platypus queue", "bad \ufffd( bytes", "fourteen days"]
    assert b"input line 2" in out.stderr


@pytest.mark.parametrize("content,expected", [
    (b'{"question": "q", "answer_contains": [1, null]}\n', "questions.jsonl:1: expected"),
    (b'{"question": "caf\xe9"}\n', "questions.jsonl: not valid UTF-8"),
    (b"not json\n", "questions.jsonl:1: not valid JSON"),
    (b"\n\n", "no questions found"),
])
def test_malformed_eval_files(indexed, content, expected):
    (indexed / "questions.jsonl").write_bytes(content)
    out = study(indexed, "eval", "questions.jsonl")
    assert out.returncode == 2
    assert expected in one_line_error(out)


def test_bad_setting_is_one_line(indexed):
    out = study(indexed, "ask", "--local", "platypus", env={"STUDY_MAX_NOTE_MB": "lots"})
    assert out.returncode == 2 and "STUDY_MAX_NOTE_MB" in one_line_error(out)


def test_unexpected_errors_are_one_line_unless_debug(indexed):
    # A bug we did not foresee, planted from outside: searching raises.
    plant = indexed / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(
        "import index.search\n"
        "def boom(*a, **k):\n    raise RuntimeError('planted failure')\n"
        "index.search.Searcher.search = boom\n")
    env = {"PYTHONPATH": str(plant)}
    out = study(indexed, "ask", "--local", "platypus", env=env)
    assert out.returncode == 1
    assert "RuntimeError: planted failure" in one_line_error(out) and "--debug" in one_line_error(out)
    out = study(indexed, "--debug", "ask", "--local", "platypus", env=env)
    assert out.returncode == 1 and b"Traceback" in out.stderr


def test_read_only_data_folder_still_answers(indexed):
    if os.geteuid() == 0:
        # root ignores file modes: make the folder read-only the way a user would meet it, with a read-only mount
        pytest.importorskip("ctypes")
    home = indexed / "home"
    shutil.rmtree(home / "models", ignore_errors=True)  # no ONNX export yet: a question must not need to write one
    env = {}
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("unshare is needed to mount a read-only folder as root")
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode != 0:
            pytest.skip(f"cannot make a mount namespace here ({probe.stderr.decode().strip()})")
        cmd = (f"mount --bind {home} {home} && mount -o remount,ro,bind {home} && "
               f"{sys.executable} -m app ask --json --local 'platypus queue' && "
               f"{sys.executable} -m app ingest -q; echo ingest=$?")
        out = subprocess.run(["unshare", "-m", "sh", "-c", cmd], cwd=indexed, capture_output=True, timeout=120,
                             env=dict(os.environ, STUDY_HOME=str(home), STUDY_NOTES=str(indexed / "notes"), STUDY_MODEL="hash:256", **env))
    else:
        os.chmod(home, 0o555)
        try:
            out = subprocess.run(f"{sys.executable} -m app ask --json --local 'platypus queue' && "
                                 f"{sys.executable} -m app ingest -q; echo ingest=$?", shell=True, cwd=indexed,
                                 capture_output=True, timeout=120,
                                 env=dict(os.environ, STUDY_HOME=str(home), STUDY_NOTES=str(indexed / "notes"), STUDY_MODEL="hash:256"))
        finally:
            os.chmod(home, 0o755)
    stdout = out.stdout.decode()
    assert "fourteen days" in stdout, out.stderr.decode()
    assert b"Traceback" not in out.stderr
    assert "ingest=0" in stdout or "read-only" in out.stderr.decode() or "ingest=1" in stdout


def answers_then_log(proc: subprocess.Popen, port: int) -> str:
    """Wait until the server answers from the old index (it must), stop it, and return what it printed."""
    from .test_security import request

    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                status, text = request("POST", port, "/api/ask", {"question": "platypus queue"})
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200 and "fourteen days" in text
    finally:
        proc.terminate()
        log = proc.communicate(timeout=30)[0].decode()
    return log


def test_serve_starts_when_indexing_cannot_run(indexed):
    """A new note arrives but the data folder cannot take a new index: serve still starts and answers."""
    (indexed / "notes" / "more.md").write_text("# More\nThe wombat digs burrows.\n")
    index_dir = indexed / "home" / "index"
    # Block the writer: the lock file's place is taken by a folder, so the ingest fails with an OS error.
    (index_dir / ".lock").unlink(missing_ok=True)
    (index_dir / ".lock").mkdir()
    port = free_port()
    env = dict(os.environ, STUDY_HOME=str(indexed / "home"), STUDY_NOTES=str(indexed / "notes"), STUDY_MODEL="hash:256")
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-watch"], cwd=indexed,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = answers_then_log(proc, port)
    assert "indexing could not run" in log and "answering from the existing index" in log and "Traceback" not in log


def test_killed_upload_leftovers_are_removed_at_start(indexed):
    from app.uploads import remove_partial

    leftover = indexed / "notes" / ".upload-big.md"
    leftover.write_bytes(b"x" * 1000)
    assert remove_partial(indexed / "notes") == [".upload-big.md"]
    assert not leftover.exists() and (indexed / "notes" / "queues.md").exists()


def test_upload_limits_and_content_checked_before_writing(tmp_path):
    from app.uploads import save_uploads

    cache = tmp_path / "cache"
    cache.mkdir()
    big = cache / "big.md"
    big.write_bytes(b"# Big\n" + b"word " * 300_000)
    binary = cache / "binary.md"
    binary.write_bytes(b"\x7fELF\x00\x00\x01" * 100)
    fake_pdf = cache / "fake.pdf"
    fake_pdf.write_bytes(b"hello")
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\nsecret\n")
    notes = tmp_path / "notes"
    saved, rejected = save_uploads([(big, "big.md"), (binary, "binary.md"), (fake_pdf, "fake.pdf"), (outside, "outside.md")],
                                   notes, allowed_from=cache, max_bytes=1 * 2**20)
    reasons = dict(rejected)
    assert saved == [] and list(notes.iterdir()) == []
    assert "over the 1 MB limit" in reasons["big.md"] and "STUDY_MAX_NOTE_MB" in reasons["big.md"]
    assert "binary" in reasons["binary.md"] and "PDF" in reasons["fake.pdf"]
    assert "not a file uploaded through this page" in reasons["outside.md"]


def _can_mount_tmpfs() -> str | None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return "needs root and unshare to mount a small tmpfs"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"], capture_output=True)
    return None if probe.returncode == 0 else f"cannot mount a tmpfs here ({probe.stderr.decode().strip()})"


@pytest.mark.slow  # tmpfs mounts, two ingests and a server of its own
def test_full_disk_is_named_and_serve_still_answers(tmp_path):
    """A data folder on a 3 MB tmpfs: index, fill the disk, add a note; ingest says 'disk full', serve still answers."""
    reason = _can_mount_tmpfs()
    if reason:
        pytest.skip(reason)
    notes, home = tmp_path / "notes", tmp_path / "home"
    notes.mkdir()
    home.mkdir()
    (notes / "queues.md").write_text(NOTE)
    env = dict(os.environ, STUDY_HOME=str(home), STUDY_NOTES=str(notes), STUDY_MODEL="hash:256")
    py = f"{sys.executable} -m app"
    script = (f"mount -t tmpfs -o size=3m tmpfs {home} && {py} ingest -q && "
              f"(dd if=/dev/zero of={home}/filler bs=64k 2>/dev/null; true) && "
              f"printf '# More\\nThe wombat digs burrows.\\n' > {notes}/more.md && "
              f"{{ {py} ingest -q; echo ingest=$?; }} && {py} ask --json --local 'platypus queue'")
    out = subprocess.run(["unshare", "-m", "sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=180)
    err = out.stderr.decode()
    assert "ingest=1" in out.stdout.decode() and "Traceback" not in err, err
    assert [line for line in err.splitlines() if line.startswith("Error:")] and "disk full" in err
    assert "fourteen days" in out.stdout.decode()

    port = free_port()
    (notes / "more.md").unlink()
    script = (f"mount -t tmpfs -o size=3m tmpfs {home} && {py} ingest -q && "
              f"(dd if=/dev/zero of={home}/filler bs=64k 2>/dev/null; true) && "
              f"printf '# More\\nThe wombat digs burrows.\\n' > {notes}/more.md && "
              f"exec {py} serve --port {port} --no-watch")
    proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    log = answers_then_log(proc, port)
    assert "indexing could not run" in log and "disk full" in log and "Traceback" not in log


def test_a_note_over_the_size_limit_fails_alone(tmp_path, isolated_home):
    from index import HashEmbedder, build

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "queues.md").write_text(NOTE)
    (notes / "huge.txt").write_text("word " * 300_000)
    report = build(isolated_home, [notes], HashEmbedder(64), max_note_bytes=2**20)
    assert [f["path"] for f in report.failed] == ["notes/huge.txt"]
    assert "over the 1 MB limit" in report.failed[0]["error"] and "STUDY_MAX_NOTE_MB" in report.failed[0]["error"]
    assert report.passages == 1
