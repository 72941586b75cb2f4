"""What every file of the peer test folders gives: passages and a sample citation, or its one-line reason.

    .venv/bin/python benchmarks/formats.py [FOLDER ...]   (default: ../shared/peer-files-2 ../shared/peer-files)

Prints a Markdown table (the one in README "Formats") with the read time of each file.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest import NoteFile, load  # noqa: E402
from ingest.files import SUPPORTED, skip_reason  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def outcome(path: Path) -> tuple[str, float]:
    if path.suffix.lower() not in SUPPORTED:
        return f"skipped: {skip_reason(path)}", 0.0
    started = time.perf_counter()
    result = load(NoteFile(path, f"notes/{path.name}"))
    seconds = time.perf_counter() - started
    if result.error:
        return f"failed: {result.error}", seconds
    sample = max(result.chunks, key=lambda c: len(c.text))
    heading = f" — {sample.heading}" if sample.heading else ""
    ocr = sum(c.ocr for c in result.chunks)
    notes = [f"{ocr} by OCR" if ocr else "", *result.warnings]
    extra = "; ".join(n for n in notes if n)
    return f"{len(result.chunks)} passages, e.g. `{sample.citation}{heading}`" + (f" ({extra})" if extra else ""), seconds


def main(folders: list[Path]) -> None:
    print("| file | outcome | read (s) |\n|---|---|---|")
    for folder in folders:
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower() != "readme.md"):
            text, seconds = outcome(path)
            print(f"| {folder.name}/{path.name} | {text.replace('|', '/')} | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or [SHARED / "peer-files-2", SHARED / "peer-files"])
