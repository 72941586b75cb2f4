"""PDF reading with pypdf, one page at a time, page numbers kept."""
from __future__ import annotations

from pathlib import Path

from .pack import flow, pack, wrap_width
from .pageforms import fill_form
from .pagelayout import drawing, text_layers
from .pagetext import Bookmark, clean_page, outline_marks, page_sections, running_lines, unligate, word_share, words_held
from .ocr import MAX_OCR_PAGES
from .records import Chunk, IngestError, one_line
from .records import exception_text as _text

REPAIR = "re-export or repair it and ingest again"
# A scan's invisible text layer (an earlier OCR's) is read again by OCR when fewer of its tokens than this look
# like words (pagetext.word_share). On the peer files: well-read scan layers 0.990-0.998, typed pages 0.955-1.0,
# a garbled OCR layer 0.893 and OCR of that same page 0.985. Technical typed text scores far lower (0.45-0.66),
# which is why text drawn to be seen is never replaced, however it scores.
PLAUSIBLE_SHARE = 0.93
SCAN_COVER = 0.75  # a page this much covered by pictures is a scan (0.08-0.26 on typed pages with figures)
# OCR's reading replaces the layer only when it holds this share of the layer's telling words (pagetext.words_held):
# it read the same text, not some other picture. On the peer files: 0.34 for the garbled layer and OCR of its
# scan (both misread words), 0.0-0.13 for that layer against other pages of English.
SAME_TEXT = 0.2
GIVE_UP = 3  # re-reads in a file that improved none of them: the next pages with a poor layer keep it untried
MIN_LAYER_TOKENS = 3  # tokens an invisible layer must hold to be judged (an empty one has nothing to replace)


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
        pages, marks = _open(path, source)
    except IngestError:
        raise
    except Exception as e:  # pypdf raises many kinds; each is one failed file, never a crash
        raise IngestError(source, problem(e)) from None
    return _extract(pages, source, marks)


def _open(path: Path, source: str) -> tuple[list, dict[int, list[Bookmark]]]:
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
    return list(reader.pages), outline_marks(reader)


def _extract(pages: list, source: str, marks: dict[int, list[Bookmark]]) -> tuple[list[Chunk], list[str]]:
    """Text of every page; a page that raises is skipped, and if nothing is left its error is the file's."""
    chunks: list[Chunk] = []
    warnings: list[str] = []
    errors: list[BaseException] = []
    texts: list[list[str]] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(unligate(fill_form(page, page.extract_text() or "")).splitlines())
        except Exception as e:  # one bad page must not lose the rest
            errors.append(e)
            reason = _limit_problem(e) or f"text could not be extracted ({one_line(e)})"
            warnings.append(f"page {number} skipped: {reason}")
            texts.append(None)
    read = [lines for lines in texts if lines is not None]
    running = running_lines(read)
    width = wrap_width([line for lines in read for line in lines])
    empty_pages = 0
    ocr = _PageOcr(source)
    heading = ""  # the bookmark heading in force, carried from page to page
    for number, lines in enumerate(texts, start=1):
        kept = clean_page(lines, running) if lines is not None else []
        runs, after = page_sections(kept, marks.get(number, []), heading)
        heading = after
        if lines is None:
            continue
        if not kept and not any(line.strip() for line in lines):
            # No text layer (a scan): its pictures are read by OCR. A page with text is OCR'd only when it is a
            # scan whose layer reads as garbage (below).
            found = ocr.read(pages[number - 1], number, runs[0][0])
            chunks.extend(found)
            empty_pages += not found
            continue
        if not kept:
            empty_pages += 1
            continue
        layer = _garbled_layer(pages[number - 1]) if word_share(kept)[0] < PLAUSIBLE_SHARE else None
        found = ocr.reread(pages[number - 1], number, runs[0][0], layer[0]) if layer else []
        if found:  # OCR's reading instead of the invisible layer; the text drawn to be seen stays
            chunks.extend(found)
            seen = clean_page(layer[1], running)
            chunks.extend(pack(flow([(0, line) for line in seen], width), source, runs[0][0], page=number))
            continue
        for title, run in runs:
            if run:
                chunks.extend(pack(flow([(0, line) for line in run], width), source, title, page=number))
    warnings.extend(ocr.warnings)
    if not chunks and errors:
        # Pages that raised are not pages without text: "OCR it" would send the student the wrong way.
        raise IngestError(source, problem(errors[0]))
    if not chunks and ocr.pictures and not ocr.unavailable:
        raise IngestError(source, "no extractable text, and OCR found no text in its pictures; nothing to index")
    if not chunks:
        raise IngestError(source, "no extractable text (scanned or image-only PDF); OCR it first (e.g. ocrmypdf) and ingest the result")
    if empty_pages:
        advice = "OCR found none in their pictures either" if ocr.pictures and not ocr.unavailable else "OCR them to make them searchable"
        warnings.append(f"{empty_pages} of {len(pages)} pages have no extractable text ({advice})")
    return chunks, warnings


def _garbled_layer(page) -> tuple[list[str], list[str]] | None:
    """(the invisible text layer, the visible text) of a scan whose layer reads poorly, else None.

    Only text drawn invisibly over a page-filling picture (how OCR tools lay their reading over a scan) is
    ever replaced: a slide's typed caption over a screenshot is drawn to be seen, and OCR of the screenshot
    would not hold it.
    """
    try:
        seen = drawing(page)
        if seen.cover < SCAN_COVER or not seen.hidden:
            return None
        hidden, shown = text_layers(page)
    except Exception:  # a drawing that cannot be followed: the page is not taken for a scan, its text is kept
        return None
    layer = unligate(hidden).splitlines()
    if word_share(layer)[0] >= PLAUSIBLE_SHARE or sum(len(line.split()) for line in layer) < MIN_LAYER_TOKENS:
        return None  # a layer that reads well, or one with next to nothing in it to replace (OCR would always "win")
    return layer, unligate(fill_form(page, shown)).splitlines()


class _PageOcr:
    """OCR of the pages without a text layer, and of scans whose invisible text layer is garbled, with its
    warnings; bounded to MAX_OCR_PAGES pages a file."""

    def __init__(self, source: str):
        self.source = source
        self.read_pages = 0  # pages OCR found text on
        self.pictures = 0  # pages with pictures tried
        self.skipped: list[int] = []  # pages past the cap
        self.problems: list[str] = []
        self.unavailable = ""  # why OCR cannot run here, once known
        self.blank_unread = 0  # pages without a text layer that OCR being unavailable left unread
        self.rereads = 0  # scans with a garbled text layer sent to OCR
        self.tried: list[int] = []  # ... their pages
        self.replaced: list[int] = []  # ... the pages OCR read better
        self.untried: list[int] = []  # scans with a garbled layer not sent, after GIVE_UP re-reads improved nothing
        self.garbled_kept = 0  # ... whose layer was kept because OCR is unavailable

    def read(self, page, number: int, heading: str) -> list[Chunk]:
        if self.unavailable:
            self.blank_unread += 1
            return []
        if self.pictures + self.rereads >= MAX_OCR_PAGES:
            self.skipped.append(number)
            return []
        try:
            from .images import read_pdf_page

            found, had_pictures = read_pdf_page(page, number, self.source, heading)
        except ImportError as e:  # rapidocr missing, or OpenCV without libGL
            self.unavailable = one_line(e)
            self.blank_unread += 1
            return []
        except IngestError as e:
            self.pictures += 1
            self.problems.append(f"page {number} not read by OCR: {e.message}")
            return []
        except Exception as e:  # a picture pypdf cannot decode loses that page only
            self.pictures += 1
            self.problems.append(f"page {number} not read by OCR: {_limit_problem(e) or one_line(e)}")
            return []
        self.pictures += had_pictures
        self.read_pages += bool(found)
        return found

    def reread(self, page, number: int, heading: str, layer: list[str]) -> list[Chunk]:
        """Passages OCR'd from a scan whose invisible text ``layer`` reads poorly, when they read better; else
        none, and the layer stays.

        Better means a larger share of word-like tokens, at least half as many words, and SAME_TEXT of the
        layer's words among them: OCR that finds a few clean words in a picture, or reads a picture that is
        not what the layer says, does not replace a page of text.
        """
        if self.unavailable:
            self.garbled_kept += 1
            return []
        if self.pictures + self.rereads >= MAX_OCR_PAGES:
            return []
        if self.rereads >= GIVE_UP and not self.replaced:  # 2-6 s a page, for layers OCR reads no better
            self.untried.append(number)
            return []
        self.rereads += 1
        self.tried.append(number)
        try:
            from .images import read_pdf_page

            found, _ = read_pdf_page(page, number, self.source, heading)
        except ImportError as e:
            self.unavailable = one_line(e)
            self.garbled_kept += 1
            return []
        except Exception as e:  # a picture pypdf cannot decode: the layer is all there is
            reason = e.message if isinstance(e, IngestError) else _limit_problem(e) or one_line(e)
            self.problems.append(f"page {number} has a garbled text layer, kept as is: OCR could not read its picture ({reason})")
            return []
        read = [chunk.text for chunk in found]
        (share, words), before = word_share(read), word_share(layer)
        if share > before[0] and words >= before[1] / 2 and words_held(layer, read) >= SAME_TEXT:
            self.replaced.append(number)
            return found
        return []

    @property
    def warnings(self) -> list[str]:
        notes = self.problems[:3]  # a whole book of undecodable scans is one problem, not a thousand lines
        if len(self.problems) > 3:
            notes.append(f"{len(self.problems) - 3} more pages were not read by OCR for such reasons")
        if self.read_pages:
            pages = "1 page had no text layer and was" if self.read_pages == 1 else f"{self.read_pages} pages had no text layer and were"
            notes.append(f"{pages} read by OCR (a word may be misread)")
        if self.skipped:
            notes.append(f"pages {self.skipped[0]}-{self.skipped[-1]} have no text layer and were not read: OCR stops after "
                         f"{MAX_OCR_PAGES} pages a file; split the PDF to read the rest")
        if self.replaced:
            verb = "was" if len(self.replaced) == 1 else "were"
            notes.append(f"{_page_list(self.replaced)} had a garbled text layer and {verb} read by OCR instead (a word may be misread)")
        if self.untried:
            notes.append(f"{_page_list(self.tried)} have a text layer that reads poorly, and OCR read them no better; "
                         f"{_page_list(self.untried)} keep theirs without being read again (OCR them with ocrmypdf "
                         "--force-ocr and ingest the result to read them anew)")
        if self.blank_unread:
            notes.append(f"pages without a text layer were not read: OCR is unavailable ({self.unavailable}); "
                         "reinstall the project (make setup) and ingest again")
        if self.garbled_kept:
            pages = "1 scanned page kept its" if self.garbled_kept == 1 else f"{self.garbled_kept} scanned pages kept their"
            notes.append(f"{pages} garbled text layer: OCR is unavailable ({self.unavailable}); "
                         "reinstall the project (make setup) and ingest again")
        return notes


def _page_list(numbers: list[int], most: int = 8) -> str:
    """'page 4', 'pages 3-5, 9' (runs joined; past ``most`` runs, how many more pages)."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    shown = [f"{a}-{b}" if b > a else str(a) for a, b in runs[:most]]
    rest = sum(b - a + 1 for a, b in runs[most:])
    listed = ", ".join(shown) + (f" and {rest} more" if rest else "")
    return f"page {listed}" if len(numbers) == 1 else f"pages {listed}"
