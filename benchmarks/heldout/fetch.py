"""Copy the held-out notes into benchmarks/heldout/*/notes/ from the Debian packages they come from.

    apt-get install -y python3.11-doc bash-doc rust-doc     # once, as root
    python benchmarks/heldout/fetch.py
    python benchmarks/corpora.py --corpus benchmarks/heldout/pytut --corpus benchmarks/heldout/pdf \
        --corpus benchmarks/heldout/rustbook

Each folder's SOURCE.md gives the package version and every file's sha256; a file that differs is reported (the
questions' lines and pages were checked against those bytes). The notes are not kept in git (their packages are).
"""
from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = {"pytut": Path("/usr/share/doc/python3.11/html/tutorial"), "pdf": Path("/usr/share/doc/bash"),
           "rustbook": Path("/usr/share/doc/rust-doc/html/book")}
PACKAGES = {"pytut": "python3.11-doc", "pdf": "bash-doc", "rustbook": "rust-doc"}


def main() -> int:
    problems = 0
    for name, source in SOURCES.items():
        folder = HERE / name
        wanted = re.findall(r"([\w.\-]+\.(?:html|pdf))\b[^\n]*?\b([0-9a-f]{64})\b", (folder / "SOURCE.md").read_text())
        (folder / "notes").mkdir(exist_ok=True)
        for file, digest in dict(wanted).items():
            original = source / file
            if not original.exists():
                print(f"{name}: {original} is missing; install it with `apt-get install {PACKAGES[name]}`")
                problems += 1
                continue
            shutil.copyfile(original, folder / "notes" / file)
            if hashlib.sha256(original.read_bytes()).hexdigest() != digest:
                print(f"{name}: {file} differs from the version the questions were checked on (see SOURCE.md)")
                problems += 1
        print(f"{name}: {len(dict(wanted))} files in {folder / 'notes'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
