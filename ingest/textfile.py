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


# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def _wide_encoding(data: bytes) -> str | None:
    """UTF-16/32 by its byte-order mark, or without one by where the zero bytes of mostly-ASCII text fall."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) // 4 * 4]
    zeros = [sum(b == 0 for b in sample[i::4]) / (len(sample) // 4) for i in range(4)]
    if zeros[1] > 0.9 and zeros[2] > 0.9 and zeros[3] > 0.9:
        return "utf-32-le"
    if zeros[0] > 0.9 and zeros[1] > 0.9 and zeros[2] > 0.9:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.6 and even < 0.1:
        return "utf-16-le"
    if even > 0.6 and odd < 0.1:
        return "utf-16-be"
    return None


def decode(data: bytes, path: str) -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (BOM dropped) or UTF-16/32 (by BOM or shape), else cp1252/latin-1 with a warning."""
    wide = _wide_encoding(data)
    if wide:
        try:
            return data.decode(wide).lstrip("\ufeff"), None
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        raise IngestError(path, "looks like a binary file (NUL bytes), not text; remove it or give it the right extension")
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    text, enc = legacy_decode(data)
    return text, f"not valid UTF-8; decoded as {enc} (save it as UTF-8 to silence this)"


def legacy_decode(data: bytes) -> tuple[str, str]:
    """Text that is not UTF-8, decoded by the first of FALLBACK_ENCODINGS that takes it, and that encoding."""
    for enc in FALLBACK_ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # pragma: no cover - latin-1 decodes anything


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
