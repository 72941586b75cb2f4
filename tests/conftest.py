"""Shared fixtures: every test gets its own data folder; unit tests use a fake embedder."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "notes"
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """A fresh STUDY_HOME per test, and the fast hashing embedder unless a test asks for the real one."""
    home = tmp_path / "home"
    monkeypatch.setenv("STUDY_HOME", str(home))
    monkeypatch.setenv("STUDY_MODEL", "hash:256")
    for name in ("STUDY_ABSTAIN", "STUDY_ABSTAIN_NAMED", "STUDY_QUERY_ENCODER", "STUDY_ONNX_THREADS", "STUDY_ANN_THRESHOLD",
                 "STUDY_MAX_NOTE_MB"):
        monkeypatch.delenv(name, raising=False)  # the defaults, whatever the shell running the tests has set
    return home


def free_port() -> int:
    """A TCP port nobody listens on right now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(notes: Path, home: Path, log: Path):
    """`study serve` on a free port over ``notes`` and the index in ``home`` (the packaged model); yields its URL
    once it answers, stops it after."""
    port = free_port()
    env = dict(os.environ, STUDY_HOME=str(home), STUDY_NOTES=str(notes))
    env.pop("STUDY_MODEL", None)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text())
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("study serve did not come up: " + log.read_text())
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


CHROMIUM = "/usr/bin/chromium"  # Debian's; `make test` installs it when run as root
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass
class Served:
    url: str  # http://127.0.0.1:PORT/
    home: Path  # its data folder
    notes: Path


@contextmanager
def served_index(real_home, base: Path, notes: Path):
    """For a browser test: ``notes`` indexed with the real model into base/home and served; yields a Served.
    Skips the test when there is no chromium to drive the page."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (make test installs it when run as root)")
    from index import build

    _, embedder = real_home
    home = base / "home"
    build(home, [notes], embedder)
    with serving(notes, home, base / "serve.log") as url:
        yield Served(url, home, notes)


@pytest.fixture(scope="module")
def browser(server):
    """One headless chromium for a module's browser tests (``server``: the module's own served notes)."""
    with chromium() as b:
        yield b


@contextmanager
def chromium():
    """Headless chromium for the browser tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def notes_copy(tmp_path) -> Path:
    """A writable copy of the real notes folder."""
    dest = tmp_path / "notes"
    shutil.copytree(NOTES, dest)
    return dest


def make_pdf(path: Path, pages: list[str]) -> Path:
    """Write a small valid PDF with one text line per page (Helvetica), no extra dependency."""
    objects: list[bytes] = []
    page_ids = []
    n_pages = len(pages)
    # 1: catalog, 2: pages, 3: font, then per page: page object + content stream
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        page_ids.append(4 + 2 * i)
        lines = text.split("\n")
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    return raw_pdf(path, objects)


def raw_pdf(path: Path, objects: list[bytes]) -> Path:
    """Write PDF objects 1..n (1 is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


@pytest.fixture(scope="session")
def real_home(tmp_path_factory):
    """An index of the real notes built once with the real packaged model (integration tier). Read-only for tests:
    one that runs a command on it (which may write, e.g. the ONNX export) takes a copy with ``real_home_copy``."""
    from index import build, load_embedder

    home = tmp_path_factory.mktemp("real-home")
    embedder = load_embedder(os.environ.get("STUDY_TEST_MODEL") or None)
    build(home, [NOTES], embedder)
    return home, embedder


@pytest.fixture
def real_home_copy(real_home, tmp_path) -> Path:
    """This test's own copy of the real index (with the ONNX export the build made), to run commands on."""
    copy = tmp_path / "real-home"
    shutil.copytree(real_home[0], copy)
    return copy


def passages_of(folder: Path, files: dict[str, str]) -> list:
    """Write ``files`` (name -> text) into a new notes ``folder`` and return the passages ingest cuts from them."""
    from ingest import discover, load

    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [c for note in discover([folder])[0] for c in load(note).chunks]


def stands_in(text: str, cited: str) -> bool:
    """Every word of ``text`` appears in ``cited``, in the same order (markup such as link targets may be left out)."""
    from ingest import normalize

    words = iter(normalize(cited).split())
    return all(any(w == c for c in words) for w in normalize(text).split())
