"""Saving uploaded notes into the notes folder safely."""
from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

from ingest import SUPPORTED

MAX_NAME = 120
PARTIAL = ".upload-"  # prefix of a copy in progress; the watcher and ingest skip dot files
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


def remove_partial(notes: Path) -> list[str]:
    """Delete copies a killed upload left in ``notes``; return their names."""
    gone = []
    for stale in notes.glob(f"{PARTIAL}*") if notes.is_dir() else []:
        try:
            stale.unlink()
            gone.append(stale.name)
        except OSError:
            pass
    return gone


def _problem(path: Path, suffix: str, max_bytes: int | None) -> str | None:
    """Why this upload cannot be a note, judged before anything is written into notes/ (None: fine)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as e:
        return f"could not be read ({e.strerror or e}); upload it again"
    if max_bytes and size > max_bytes:
        return (f"is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit for one note; "
                "split it, or raise STUDY_MAX_NOTE_MB")
    if size == 0:
        return "file is empty; nothing to index"
    if suffix == ".pdf" and b"%PDF-" not in head[:1024]:
        return "not a PDF (no %PDF- header); re-export it as PDF"
    # Read it as the ingest will: a file that cannot be indexed is refused before it lands in notes/.
    from ingest import NoteFile, load

    if path.suffix.lower() == suffix:
        return load(NoteFile(path, path.name), max_bytes).error
    # The readers go by the name's kind: judge a private copy under the name it will have, outside notes/.
    import tempfile

    try:
        with tempfile.TemporaryDirectory(prefix="study-upload-") as tmp:
            named = Path(tmp) / f"upload{suffix}"
            shutil.copyfile(path, named)
            return load(NoteFile(named, named.name), max_bytes).error
    except OSError as e:
        return f"could not be checked ({e.strerror or e}); upload it again"


def save_uploads(files: list[tuple[Path, str]], notes: Path, replace: bool = False, allowed_from: Path | None = None,
                 max_bytes: int | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """Copy (temp path, original name) pairs into ``notes``; return saved names and (name, reason) rejections.

    ``allowed_from``: only files inside this folder (the server's own upload cache) may be imported, so a
    request that names a path elsewhere on the machine cannot copy that file into the notes.
    """
    saved: list[str] = []
    rejected: list[tuple[str, str]] = []
    notes.mkdir(parents=True, exist_ok=True)
    remove_partial(notes)
    cache = allowed_from.resolve() if allowed_from else None
    for temp, original in files:
        name = safe_name(original)
        source = Path(temp).resolve()
        if cache is not None and (not source.is_relative_to(cache) or not source.is_file()):
            rejected.append((original, "not a file uploaded through this page; upload it again"))
            continue
        if not name:
            rejected.append((original, "no usable file name; rename it and upload again"))
            continue
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            rejected.append((original, f"unsupported type; upload {', '.join(sorted(SUPPORTED))}"))
            continue
        problem = _problem(source, suffix, max_bytes)
        if problem:
            rejected.append((original, problem))
            continue
        dest = notes / name
        if dest.exists() and not replace:
            rejected.append((original, f"{name} already exists in notes; tick 'Replace existing files' to overwrite it"))
            continue
        tmp = notes / f"{PARTIAL}{name}"
        try:
            shutil.copyfile(source, tmp)
            tmp.replace(dest)  # the watcher and ingest never see a half-copied note
        except OSError as e:
            tmp.unlink(missing_ok=True)
            rejected.append((original, f"could not be saved into {notes} ({e.strerror or e})"))
            continue
        saved.append(name)
    return saved, rejected
