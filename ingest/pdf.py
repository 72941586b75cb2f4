"""PDF reading with pypdf, one page at a time, page numbers kept."""
from __future__ import annotations

from pathlib import Path

from .pack import Unit, pack, split_long
from .records import Chunk, IngestError


def chunk_pdf(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Return the passages of a PDF (cited by 1-based page) and warnings.

    Raises IngestError for a PDF that is corrupt, locked by a password, or
    has no text layer at all.
    """
    import pypdf  # imported here: only PDF ingest pays for it
    from pypdf.errors import PdfReadError

    warnings: list[str] = []
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as e:  # missing crypto backend, unknown algorithm
                raise IngestError(source, f"encrypted PDF that could not be opened ({e}); save an unencrypted copy and ingest that") from None
            if not ok:
                raise IngestError(source, "encrypted PDF needs a password; save an unencrypted copy (e.g. qpdf --decrypt) and ingest that")
        pages = list(reader.pages)
    except IngestError:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as e:
        raise IngestError(source, f"not a readable PDF ({e}); re-export or repair it and ingest again") from None
    except PermissionError:
        raise IngestError(source, "permission denied; make it readable and ingest again") from None

    chunks: list[Chunk] = []
    empty_pages = 0
    for number, page in enumerate(pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as e:  # one bad page must not lose the rest
            warnings.append(f"page {number} skipped: text could not be extracted ({e})")
            continue
        units = [Unit(0, piece) for line in text.splitlines() if line.strip() for piece in split_long(line.strip())]
        if not units:
            empty_pages += 1
            continue
        chunks.extend(pack(units, source, "", page=number))
    if not chunks:
        raise IngestError(source, "no extractable text (scanned or image-only PDF); OCR it first (e.g. ocrmypdf) and ingest the result")
    if empty_pages:
        warnings.append(f"{empty_pages} of {len(pages)} pages have no extractable text (OCR them to make them searchable)")
    return chunks, warnings
