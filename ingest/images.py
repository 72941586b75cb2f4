"""Pictures of notes (photos, scans, screenshots): read by OCR, each frame a page.

A multi-page TIFF (or an animated WebP) has one frame per page; passages cite "page N" of the file and
carry ``ocr=True``, so a student sees that a word may be misread.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from .ocr import MAX_OCR_PAGES, OcrLine, check_size, read_image
from .pack import Unit, flow, pack
from .pagetext import join_hyphens
from .records import Chunk, IngestError

PARAGRAPH_GAP = 0.4  # a blank this many line heights between two lines parts paragraphs
SHORT_LINE = 1.5  # a line ending this many line heights before its paragraph's right edge ends the paragraph
NOT_AN_IMAGE = "re-save it as PNG or JPEG and ingest again"
NO_TEXT = ("no text found in the image; nothing to index (if it shows writing, use a sharper, upright scan; else keep it "
           "out of the notes)")
PAGE_PICTURES = 4  # a PDF page without text: at most this many of its pictures are read ...
MIN_SHARE = 0.1  # ... those at least this share of its largest one's area (not logos and rules)
MAX_LISTED = 200  # pictures of one page looked at


def chunk_image(path: Path, source: str) -> tuple[list[Chunk], list[str]]:
    """Passages of every frame of the picture at ``path``, cited by 1-based frame (page) number."""
    chunks: list[Chunk] = []
    warnings: list[str] = []
    for number, frame in enumerate(_frames(path, source), start=1):
        if number > MAX_OCR_PAGES:  # an animation or a huge multi-page scan: bounded like a scanned PDF
            warnings.append(f"frames after {MAX_OCR_PAGES} were not read (OCR stops there); split the file to read the rest")
            break
        units = page_units(read_image(frame, source))
        chunks.extend(replace(c, ocr=True) for c in pack(units, source, "", page=number))
    if not chunks:
        raise IngestError(source, NO_TEXT)
    return chunks, warnings


def _frames(path: Path, source: str) -> Iterator["object"]:
    """Each frame of the picture, decoded and upright; IngestError for a file that is not a readable picture."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with _quiet():
            image = Image.open(path)
    except Image.DecompressionBombError as e:
        raise IngestError(source, _bomb(str(e))) from None
    except UnidentifiedImageError:
        raise IngestError(source, f"not a readable image (unknown or damaged {path.suffix.lower()} file); {NOT_AN_IMAGE}") from None
    except OSError as e:
        raise IngestError(source, f"not a readable image ({_one_line(e)}); {NOT_AN_IMAGE}") from None
    with image:
        for index in range(getattr(image, "n_frames", 1) or 1):
            try:
                with _quiet():
                    image.seek(index)
                    check_size(*image.size, source)  # before decoding: the header says how big it is
                    image.load()
                    frame = ImageOps.exif_transpose(image)  # a phone photo taken sideways is read upright
            except IngestError:
                raise
            except Image.DecompressionBombError as e:
                raise IngestError(source, _bomb(str(e))) from None
            except (OSError, ValueError, SyntaxError, EOFError) as e:  # truncated or damaged data
                raise IngestError(source, f"not a readable image (frame {index + 1}: {_one_line(e)}); {NOT_AN_IMAGE}") from None
            yield frame


@contextmanager
def _quiet() -> Iterator[None]:
    """Pillow's decompression-bomb warning silenced: our own limit (check_size) says it better, on one line."""
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _bomb(message: str) -> str:
    """Pillow's decompression-bomb refusal as our one line, with the size it names."""
    found = re.search(r"(\d+) pixels", message)
    size = f"{int(found.group(1)) / 1e6:.0f} megapixels" if found else "too many pixels"
    return (f"image has {size}, over the safety limit for images; scale it down (e.g. to 4000 pixels on the long "
            "side) and ingest again")


def _one_line(e: BaseException) -> str:
    from .records import one_line

    return one_line(e)


def page_units(lines: list[OcrLine]) -> list[Unit]:
    """Units of one page's OCR lines: paragraph by paragraph, wrapped lines joined so sentences are whole."""
    units: list[Unit] = []
    for paragraph in paragraphs(lines):
        texts = join_hyphens([line.text for line in paragraph])
        width = max(len(t) for t in texts) if len(texts) > 1 else None
        units.extend(flow([(0, t) for t in texts], width))
    return units


def paragraphs(lines: list[OcrLine]) -> list[list[OcrLine]]:
    """Lines (in reading order) grouped into paragraphs by the picture's geometry.

    A new paragraph starts after a blank gap, at a move up or sideways (the next column, the next cell of a
    row), or after a line that ends short of the paragraph's right edge (the last line of a paragraph).
    """
    if not lines:
        return []
    height = sorted(line.box[3] - line.box[1] for line in lines)[len(lines) // 2]
    groups: list[list[OcrLine]] = [[lines[0]]]
    for line in lines[1:]:
        previous = groups[-1][-1]
        right = max(other.box[2] for other in groups[-1])
        gap = line.box[1] - previous.box[3]
        overlaps = line.box[0] < previous.box[2] and previous.box[0] < line.box[2]
        if (gap > PARAGRAPH_GAP * height or line.box[1] < previous.box[1] or not overlaps
                or previous.box[2] < right - SHORT_LINE * height):
            groups.append([])
        groups[-1].append(line)
    return groups


def read_pdf_page(page: "object", number: int, source: str, heading: str) -> tuple[list[Chunk], bool]:
    """Passages OCR'd from the largest pictures of a PDF page without a text layer, and whether it has any.

    A scanned page is usually one page-sized picture; a few scanners cut it into strips. Raises IngestError
    for a picture too large to read, and whatever pypdf raises for one it cannot decode.
    """
    keys = _picture_keys(page, source)
    lines: list[OcrLine] = []
    for key in keys:
        with _quiet():
            picture = page.images[tuple(key) if isinstance(key, list) else key].image  # type: ignore[attr-defined]
        lines.extend(read_image(picture, source))
    chunks = [replace(c, ocr=True) for c in pack(page_units(lines), source, heading, page=number)]
    return chunks, bool(keys)


def _picture_keys(page: "object", source: str) -> list:
    """The page's pictures worth reading: the largest ones, sized from the PDF before any is decoded."""
    keys = list(page.images.keys())[:MAX_LISTED]  # type: ignore[attr-defined]
    sizes = [_size(page, key) for key in keys]
    for size in sizes:
        if size:
            check_size(*size, source)  # refused before pypdf decodes gigabytes
    biggest = max((w * h for w, h in filter(None, sizes)), default=0)
    chosen = [key for key, size in zip(keys, sizes) if size is None or size[0] * size[1] >= MIN_SHARE * biggest]
    return chosen[:PAGE_PICTURES]


def _size(page: "object", key: "str | list[str]") -> tuple[int, int] | None:
    """Width and height of a page picture from its PDF dictionary; None for an inline one (no dictionary)."""
    try:
        node = page
        for name in key if isinstance(key, list) else [key]:
            node = node["/Resources"].get_object()["/XObject"].get_object()[name].get_object()  # type: ignore[index]
        return int(node["/Width"]), int(node["/Height"])  # type: ignore[index]
    except Exception:  # inline images, broken dictionaries: decoded and measured instead
        return None
