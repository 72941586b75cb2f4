"""Saving uploaded notes into the notes folder safely."""
from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

from ingest import SUPPORTED

MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w\s.\-()+,&'@]")


def safe_name(original: str) -> str | None:
    """A plain file name from whatever the browser sent: no folders, no control characters, no leading dots."""
    name = re.split(r"[\\/]", original)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = stem[: MAX_NAME - len(ext) - 1] + dot + ext if dot else name[:MAX_NAME]
    return name or None


def save_uploads(files: list[tuple[Path, str]], notes: Path, replace: bool = False) -> tuple[list[str], list[tuple[str, str]]]:
    """Copy (temp path, original name) pairs into ``notes``; return saved names and (name, reason) rejections."""
    saved: list[str] = []
    rejected: list[tuple[str, str]] = []
    notes.mkdir(parents=True, exist_ok=True)
    for temp, original in files:
        name = safe_name(original)
        if not name:
            rejected.append((original, "no usable file name; rename it and upload again"))
            continue
        if Path(name).suffix.lower() not in SUPPORTED:
            rejected.append((original, "unsupported type; upload .md, .markdown, .txt or .pdf"))
            continue
        dest = notes / name
        if dest.exists() and not replace:
            rejected.append((original, f"{name} already exists in notes; tick 'Replace existing files' to overwrite it"))
            continue
        tmp = notes / f".upload-{name}"
        shutil.copyfile(temp, tmp)
        tmp.replace(dest)  # the watcher and ingest never see a half-copied note
        saved.append(name)
    return saved, rejected
