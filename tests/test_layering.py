"""Imports flow app -> index -> ingest, never back; heavy libraries load only where used."""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from .conftest import ROOT

ORDER = {"ingest": 0, "index": 1, "app": 2}


def imported_packages(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", ["ingest", "index", "app"])
def test_imports_only_flow_downward(package):
    for path in (ROOT / package).glob("*.py"):
        for name in imported_packages(path):
            if name in ORDER:
                assert ORDER[name] <= ORDER[package], f"{path.name} imports {name}"


def test_help_does_not_import_heavy_libraries():
    code = "import sys; from app.cli import cli; " \
           "import contextlib, io\n" \
           "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()): cli(['--help'])\n" \
           "print(sorted(m for m in ('torch','sentence_transformers','gradio','faiss') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
