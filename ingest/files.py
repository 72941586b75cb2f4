"""Finding note files and turning one file into passages."""
from __future__ import annotations

import errno
import hashlib
import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .markdown import chunk_markdown, chunk_plain
from .pack import CHUNKER_VERSION
from .pdf import chunk_pdf
from .records import one_line
from .records import Chunk, IngestError
from .textfile import read_lines

MARKDOWN = {".md", ".markdown"}
TEXT = {".txt"}
PDF = {".pdf"}
IMAGES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
# Formats read by a library: suffix -> (module in this package, function(path, source) -> (chunks, warnings)).
# Imported only when such a file is read, so a folder of Markdown never pays for them.
READERS = {
    ".pptx": ("slides", "chunk_pptx"),
    ".docx": ("word", "chunk_docx"),
    ".odt": ("odt", "chunk_odt"),
    ".epub": ("epub", "chunk_epub"),
    ".html": ("webpage", "chunk_html"),
    ".htm": ("webpage", "chunk_html"),
    ".ipynb": ("notebook", "chunk_ipynb"),
    ".rst": ("markup", "chunk_rst"),
    ".org": ("markup", "chunk_org"),
    **{suffix: ("images", "chunk_image") for suffix in IMAGES},
}
SUPPORTED = MARKDOWN | TEXT | PDF | set(READERS)
# Kinds a student may well keep beside their notes, with what to do instead.
_CONVERT = {".doc": "save it as .docx", ".ppt": "save it as .pptx", ".rtf": "save it as .docx",
            ".odp": "save it as .pptx", ".mobi": "convert it to .epub", ".azw3": "convert it to .epub",
            ".pages": "export it as .docx", ".key": "export it as .pptx", ".xps": "print it to PDF"}



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


def skip_reason(path: Path) -> str:
    """Why a file is not read, and what to do (one line)."""
    suffix = path.suffix.lower()
    if suffix in _CONVERT:
        return f"{suffix} files cannot be read; {_CONVERT[suffix]} and ingest again"
    kind = f"{suffix} files" if suffix else "files without an extension"
    return f"{kind} are not notes study reads (it reads {', '.join(sorted(SUPPORTED))})"


def discover(paths: list[Path]) -> tuple[list[NoteFile], list[dict]]:
    """Expand folders into supported note files; also list the files skipped, ``{"path", "reason"}`` each.

    Sources are relative to each given folder's parent (``notes/x.md``), so
    citations read the same whoever runs the command from where. Symlinked
    folders are not followed (no loops); hidden files and folders are skipped.
    """
    found: dict[str, NoteFile] = {}
    skipped: list[dict] = []
    for given in paths:
        root = given.resolve() if given.exists() else given
        if not given.exists():
            skipped.append({"path": str(given), "reason": "no such file or folder"})
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
                skipped.append({"path": source, "reason": skip_reason(path)})
                continue
            found.setdefault(source, NoteFile(path, source))
    return sorted(found.values(), key=lambda f: f.source), skipped


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(note: NoteFile, max_bytes: int | None = None) -> FileResult:
    """Read and chunk one file. Never raises: failures land in ``error``, one line each.

    Whatever a reader raises (a library bug, RecursionError, MemoryError, ...)
    fails this file only; the ingest goes on with the others.
    """
    result = FileResult(note)
    try:
        size = note.path.stat().st_size
        if max_bytes and size > max_bytes:
            # Refused before reading: one huge note would hold the writer lock (and memory) for hours.
            raise IngestError(note.source, f"is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit for one note; "
                                           "split it, or raise STUDY_MAX_NOTE_MB and ingest again")
        result.sha256 = file_hash(note.path)
        result.chunks, warnings = _chunks(note)
        result.warnings.extend(warnings)
    except IngestError as e:
        result.error = e.message
    except OSError as e:
        result.error = _os_problem(e)
    except MemoryError:
        result.error = "too large to read in memory; split it into smaller files and ingest again"
    except Exception as e:  # an unexpected reader failure: name it, never show a traceback
        result.error = f"could not be read ({one_line(e)}); check the file and ingest again"
    if result.error:
        result.chunks = []  # a failed file contributes nothing half-read
    return result


def _chunks(note: NoteFile) -> tuple[list[Chunk], list[str]]:
    """The file's passages and warnings, by its type; IngestError if it holds nothing to index."""
    suffix = note.path.suffix.lower()
    if suffix in PDF:
        return chunk_pdf(note.path, note.source)
    if suffix in READERS:
        module, function = READERS[suffix]
        reader = getattr(importlib.import_module(f".{module}", __package__), function)
        chunks, warnings = reader(note.path, note.source)
        if not chunks:
            raise IngestError(note.source, "no text to index; add some words or remove it")
        return chunks, warnings
    lines, warning = read_lines(note.path, note.source)
    chunker = chunk_markdown if suffix in MARKDOWN else chunk_plain
    chunks = chunker(lines, note.source)
    if not chunks:
        raise IngestError(note.source, "no text to index (only headings, pictures or markup); add some words or remove it")
    return chunks, [warning] if warning else []


def _os_problem(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "permission denied; make it readable (chmod +r) and ingest again"
    if e.errno == errno.ELOOP:
        return "symlink loop; fix or remove the link"
    if e.errno == errno.ENOENT:
        return "vanished while indexing (a broken link, or deleted); ingest again"
    return f"cannot be read ({e.strerror or one_line(e)}); check the file and ingest again"
