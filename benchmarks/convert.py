"""A corpus in another format: the notes of a Markdown or text corpus converted by pandoc, the questions kept.

    apt-get install pandoc
    .venv/bin/python benchmarks/convert.py ../shared/eval/corpora/prose docx /tmp/prose-docx
    .venv/bin/python benchmarks/corpora.py --only prose-docx --corpus /tmp/prose-docx

The same questions over the same words as Word, EPUB, OpenDocument or HTML show what a reader of that format loses
(README "Across corpora", "The same notes in other formats"). Questions name the converted file; their line is
dropped (a Word file is cited by paragraph). With ``unwrap`` instead of a format, a text file's hard-wrapped
paragraphs become one line each: a story saved one paragraph a line.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


def convert(source: Path, fmt: str, out: Path) -> dict[str, str]:
    (out / "notes").mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for note in sorted((source / "notes").iterdir()):
        if note.suffix not in (".md", ".txt"):
            continue
        if fmt == "unwrap":
            paragraphs = re.split(r"\n\s*\n", note.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n"))
            (out / "notes" / note.name).write_text("\n\n".join(" ".join(p.split("\n")).strip() for p in paragraphs),
                                                    encoding="utf-8")
            names[note.name] = note.name
            continue
        dest = out / "notes" / f"{note.stem}.{fmt}"
        reader = "gfm" if note.suffix == ".md" else "markdown-smart"  # text: paragraphs as they stand, quotes kept
        subprocess.run(["pandoc", "-f", reader, "-t", fmt, "-o", str(dest), str(note)], check=True,
                       stderr=subprocess.DEVNULL)
        names[note.name] = dest.name
    with open(source / "questions.jsonl", encoding="utf-8") as questions, \
            open(out / "questions.jsonl", "w", encoding="utf-8") as converted:
        for line in questions:
            item = json.loads(line)
            if item.get("file"):
                item["file"] = names.get(item["file"], item["file"])
                item.pop("line", None)
            converted.write(json.dumps(item) + "\n")
    return names


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: convert.py CORPUS_DIR docx|epub|odt|html|unwrap OUT_DIR")
    print(convert(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))
