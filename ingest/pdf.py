"""PDF reading with pypdf, one page at a time, page numbers kept."""
from __future__ import annotations

from pathlib import Path

from .pack import flow, pack, wrap_width
from .pagetext import clean_page, outline_titles, running_lines
from .records import Chunk, IngestError

REPAIR = "re-export or repair it and ingest again"
MESSAGE_CHARS = 200  # an exception's text is cut here: a report line, not a dump


def one_line(e: BaseException) -> str:
    """'ExceptionType: message' on one line, cut short (a report line, never a traceback)."""
    kind = type(e).__name__
    module = type(e).__module__.split(".")[0]
    if module != "builtins":
        kind = f"{module}.{kind}"  # 'zlib.error' says more than 'error'
    text = _text(e)
    return f"{kind}: {text}" if str(e).strip() else kind


def _text(e: BaseException) -> str:
    """The exception's message on one line, at most MESSAGE_CHARS long (its type if it has none)."""
    text = " ".join(str(e).split())
    if not text:
        return type(e).__name__
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1].rstrip() + "…"


def _limit_mb(message: str) -> int | None:
    """The pypdf limit a decompression error hit, in MB (pypdf >= 6 has a Configuration, older ones constants)."""
    try:
        from pypdf import get_configuration

        config = get_configuration()
        size = config.stream_decoding_work_maximum_length if "decoding work" in message else config.zlib_maximum_output_length
    except (ImportError, AttributeError):
        from pypdf import filters

        size = getattr(filters, "ZLIB_MAX_OUTPUT_LENGTH", None)
    return size // 1_000_000 if size else None


def problem(e: BaseException) -> str:
    """What is wrong with a PDF that raised ``e``, and what to do: one line."""
    special = _limit_problem(e)
    if special:
        return special
    if isinstance(e, PermissionError):
        return "permission denied; make it readable (chmod +r) and ingest again"
    if isinstance(e, (*_pypdf_errors(), OSError, ValueError, KeyError, TypeError)):
        return f"not a readable PDF ({_text(e)}); {REPAIR}"
    return f"could not be read ({one_line(e)}); {REPAIR}"


def _pypdf_errors() -> tuple[type, ...]:
    """(LimitReachedError, PdfReadError), or nothing if pypdf itself cannot be imported."""
    try:
        from pypdf.errors import LimitReachedError, PdfReadError
    except ImportError:
        return ()
    return LimitReachedError, PdfReadError


def _limit_problem(e: BaseException) -> str | None:
    """The message for a PDF built to exhaust the reader (too deep, cyclic, a bomb), else None."""
    errors = _pypdf_errors()
    limit = errors[0] if errors else ()
    lowered = str(e).lower()
    if isinstance(e, errors) and ("page tree" in lowered or "cycl" in lowered):
        return f"PDF page tree is too deeply nested or cyclic ({_text(e)}); {REPAIR}"
    if isinstance(e, RecursionError):
        return f"PDF structure is too deeply nested or cyclic ({_text(e)}); {REPAIR}"
    if isinstance(e, limit) and ("decompress" in lowered or "decoding" in lowered):
        mb = _limit_mb(lowered)
        size = f"more than {mb} MB" if mb else "more than the PDF reader allows"
        return f"PDF stream decompresses to {size} (a compression bomb or a damaged file); {REPAIR}"
    if isinstance(e, limit):
        return f"PDF exceeds a safety limit of the PDF reader ({_text(e)}); {REPAIR}"
    if isinstance(e, MemoryError):
        return "PDF is too large to read in memory; split it or re-export it smaller and ingest again"
    return None


def chunk_pdf(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Return the passages of a PDF (cited by 1-based page) and warnings.

    Raises IngestError for a PDF that is corrupt, locked by a password, too
    deep or too large to read safely, or has no text layer at all. Any
    exception pypdf raises becomes that one-line IngestError.
    """
    try:
        pages, titles = _open(path, source)
    except IngestError:
        raise
    except Exception as e:  # pypdf raises many kinds; each is one failed file, never a crash
        raise IngestError(source, problem(e)) from None
    return _extract(pages, source, titles)


def _open(path: Path, source: str) -> list:
    import logging

    import pypdf  # imported here: only PDF ingest pays for it

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its repair notes are not the student's business

    reader = pypdf.PdfReader(str(path))
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as e:  # missing crypto backend, unknown algorithm
            raise IngestError(source, f"encrypted PDF that could not be opened ({_text(e)}); save an unencrypted copy and ingest that") from None
        if not ok:
            raise IngestError(source, "encrypted PDF needs a password; save an unencrypted copy (e.g. qpdf --decrypt) and ingest that")
    return list(reader.pages), outline_titles(reader)


def _extract(pages: list, source: str, titles: dict[int, str]) -> tuple[list[Chunk], list[str]]:
    """Text of every page; a page that raises is skipped, and if nothing is left its error is the file's."""
    chunks: list[Chunk] = []
    warnings: list[str] = []
    errors: list[BaseException] = []
    texts: list[list[str]] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append((page.extract_text() or "").splitlines())
        except Exception as e:  # one bad page must not lose the rest
            errors.append(e)
            reason = _limit_problem(e) or f"text could not be extracted ({one_line(e)})"
            warnings.append(f"page {number} skipped: {reason}")
            texts.append(None)
    read = [lines for lines in texts if lines is not None]
    running = running_lines(read)
    width = wrap_width([line for lines in read for line in lines])
    empty_pages = 0
    for number, lines in enumerate(texts, start=1):
        if lines is None:
            continue
        kept = clean_page(lines, running)
        if not kept:
            empty_pages += 1
            continue
        units = flow([(0, line) for line in kept], width)
        chunks.extend(pack(units, source, titles.get(number, ""), page=number))
    if not chunks and errors:
        # Pages that raised are not pages without text: "OCR it" would send the student the wrong way.
        raise IngestError(source, problem(errors[0]))
    if not chunks:
        raise IngestError(source, "no extractable text (scanned or image-only PDF); OCR it first (e.g. ocrmypdf) and ingest the result")
    if empty_pages:
        warnings.append(f"{empty_pages} of {len(pages)} pages have no extractable text (OCR them to make them searchable)")
    return chunks, warnings
