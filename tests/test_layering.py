"""Imports flow app -> index -> ingest, never back, and never in a circle; heavy libraries load only where used."""
from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from .conftest import ROOT

ORDER = {"ingest": 0, "index": 1, "app": 2}


def modules() -> dict[str, object]:
    """Every module of the three packages, by dotted name, and its path."""
    found = {}
    for package in ORDER:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path) -> set[str]:
    """The modules ``name`` imports, anywhere in it (a function's lazy import is an import too), made absolute."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import store` names a module
    return out


@pytest.mark.parametrize("package", list(ORDER))
def test_imports_only_flow_downward(package):
    for name, path in modules().items():
        if name.split(".")[0] == package:
            for imported in imports(name, path):
                top = imported.split(".")[0]
                if top in ORDER:
                    assert ORDER[top] <= ORDER[package], f"{name} imports {imported}"


def test_no_module_imports_itself_in_a_circle():
    known = modules()
    graph = {name: {m for m in imports(name, path) if m in known and m != name} for name, path in known.items()}
    # a package's __init__ only hands names on: importing pkg.x runs pkg/__init__.py, which is not a circle of design
    graph = {name: {m for m in targets if not name.startswith(m + ".")} for name, targets in graph.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                pytest.fail("import circle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_help_does_not_import_heavy_libraries():
    code = "import sys; from app.cli import cli; " \
           "import contextlib, io\n" \
           "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()): cli(['--help'])\n" \
           "print(sorted(m for m in ('torch','sentence_transformers','gradio','faiss','numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
