#!/usr/bin/env python3
"""Check every answerable question of the fresh sets: its phrase stands on its line (text, Markdown, HTML: the
raw line, normalised) or its page (PDF: pypdf's text of that page). Normalised: lower case, every run of characters
other than a-z and 0-9 one space, as the benchmark matches them. Usage: python benchmarks/fresh/check.py [SET ...]"""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def units(path: Path) -> list[str]:
    """The file's lines, or a PDF's pages, normalised: what a question's "line" counts."""
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return [norm(page.extract_text() or "") for page in PdfReader(path).pages]
    return [norm(line) for line in path.read_text(encoding="utf-8").split("\n")]


def main(names: list[str]) -> int:
    failed = 0
    for folder in [HERE / n for n in names] or sorted(p for p in HERE.iterdir() if p.is_dir()):
        items = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        cache: dict[str, list[str]] = {}
        bad = []
        for it in items:
            if not it.get("answer_contains"):
                continue
            lines = cache.setdefault(it["file"], units(folder / "notes" / it["file"]))
            where = lines[it["line"] - 1] if 1 <= it["line"] <= len(lines) else ""
            bad += [f"{it['id']}: {p!r} not on {it['file']}:{it['line']}" for p in it["answer_contains"] if f" {norm(p)} " not in f" {where} "]
        answerable = sum(1 for it in items if it.get("answer_contains"))
        print(f"{folder.name}: {answerable} answerable, {len(items) - answerable} out of scope, {len(bad)} failing")
        for line in bad:
            print("  " + line)
        failed += len(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
