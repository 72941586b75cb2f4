"""Reading text files the way an editor shows them."""
from __future__ import annotations

import re
from pathlib import Path

from .records import IngestError

# Editors end a line at CRLF, CR or LF, and at nothing else (str.splitlines
# would also split at form feeds and U+2028, shifting every later line number).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Encodings tried in order; the first that decodes strictly wins.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")


def decode(data: bytes, path: str) -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (BOM dropped), else cp1252/latin-1 with a warning."""
    if b"\x00" in data[:8192]:
        raise IngestError(path, "looks like a binary file (NUL bytes), not text; remove it or give it the right extension")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    for enc in FALLBACK_ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        return text, f"not valid UTF-8; decoded as {enc} (save it as UTF-8 to silence this)"
    raise IngestError(path, "cannot be decoded as text")  # pragma: no cover - latin-1 decodes anything


def read_lines(path: Path, display: str) -> tuple[list[str], str | None]:
    """Return the file's lines (1-based line i is ``lines[i-1]``) and an optional warning."""
    try:
        data = path.read_bytes()
    except PermissionError:
        raise IngestError(display, "permission denied; make it readable (chmod +r) and ingest again") from None
    if not data.strip():
        raise IngestError(display, "file is empty; nothing to index")
    text, warning = decode(data, display)
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # a final newline ends the last line, it does not start a new one
    return lines, warning
