"""Finding note files and turning one file into passages."""
from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .markdown import chunk_markdown, chunk_plain
from .pdf import chunk_pdf
from .records import Chunk, IngestError
from .textfile import read_lines

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt"}
PDF = {".pdf"}
SUPPORTED = MARKDOWN | TEXT | PDF
CHUNKER_VERSION = "md-heading-v1"


@dataclass
class NoteFile:
    """A file to ingest: where it is and how it is cited."""

    path: Path  # absolute
    source: str  # as cited: relative to the notes folder's parent, '/'-separated


@dataclass
class FileResult:
    file: NoteFile
    chunks: list[Chunk] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    sha256: str | None = None


def discover(paths: list[Path]) -> tuple[list[NoteFile], list[str]]:
    """Expand folders into supported note files; also return skip reasons.

    Sources are relative to each given folder's parent (``notes/x.md``), so
    citations read the same whoever runs the command from where. Symlinked
    folders are not followed (no loops); hidden files and folders are skipped.
    """
    found: dict[str, NoteFile] = {}
    skipped: list[str] = []
    for given in paths:
        root = given.resolve() if given.exists() else given
        if not given.exists():
            skipped.append(f"{given}: no such file or folder")
            continue
        base = root.parent
        if root.is_file():
            candidates = [root]
        else:
            candidates = []
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                candidates.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
        for path in candidates:
            source = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.as_posix()
            if path.suffix.lower() not in SUPPORTED:
                if root.is_file():
                    skipped.append(f"{source}: unsupported file type (use .md, .markdown, .txt or .pdf)")
                continue
            found.setdefault(source, NoteFile(path, source))
    return sorted(found.values(), key=lambda f: f.source), skipped


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(note: NoteFile) -> FileResult:
    """Read and chunk one file. Never raises: failures land in ``error``."""
    result = FileResult(note)
    try:
        result.sha256 = file_hash(note.path)
        suffix = note.path.suffix.lower()
        if suffix in PDF:
            result.chunks, result.warnings = chunk_pdf(note.path, note.source)
        else:
            lines, warning = read_lines(note.path, note.source)
            if warning:
                result.warnings.append(warning)
            chunker = chunk_markdown if suffix in MARKDOWN else chunk_plain
            result.chunks = chunker(lines, note.source)
            if not result.chunks:
                raise IngestError(note.source, "no text to index (only headings or markup)")
    except IngestError as e:
        result.error = e.message
    except PermissionError:
        result.error = "permission denied; make it readable (chmod +r) and ingest again"
    except OSError as e:
        if e.errno == errno.ELOOP:
            result.error = "symlink loop; fix or remove the link"
        elif e.errno == errno.ENOENT:
            result.error = "vanished while indexing (a broken link, or deleted); ingest again"
        else:
            result.error = f"cannot be read ({e.strerror or e}); check the file and ingest again"
    return result
